import { MAX_RID_LENGTH } from './twin-topics.js';

/** What a device's publish asks of the hub, read from its topic (IoT Hub's MQTT topics). */
export type DeviceRequest =
  | { readonly kind: 'twin-get'; readonly rid: string }
  | { readonly kind: 'twin-reported'; readonly rid: string }
  | { readonly kind: 'method-response'; readonly rid: string; readonly status: number }
  | { readonly kind: 'telemetry'; readonly bag: string };

/** The topic filters a device may subscribe to (`$dps/registrations/res/#` joins them with DPS). */
export function allowedFilters(deviceId: string): readonly string[] {
  return [
    '$iothub/twin/res/#',
    '$iothub/twin/PATCH/properties/desired/#',
    '$iothub/methods/POST/#',
    `devices/${deviceId}/messages/devicebound/#`,
  ];
}

function query(topic: string, prefix: string): URLSearchParams | undefined {
  if (!topic.startsWith(prefix)) return undefined;
  return new URLSearchParams(topic.slice(prefix.length));
}

function rid(params: URLSearchParams | undefined): string | undefined {
  const value = params?.get('$rid');
  return value !== undefined && value !== null && value.length > 0 && value.length <= MAX_RID_LENGTH
    ? value
    : undefined;
}

/** The request a publish by `deviceId` on `topic` makes, or undefined when the device may not publish there. */
export function deviceRequest(deviceId: string, topic: string): DeviceRequest | undefined {
  const events = `devices/${deviceId}/messages/events/`;
  if (topic.startsWith(events)) return { kind: 'telemetry', bag: topic.slice(events.length) };
  if (topic === `devices/${deviceId}/messages/events`) return { kind: 'telemetry', bag: '' };
  const get = rid(query(topic, '$iothub/twin/GET/?'));
  if (get !== undefined) return { kind: 'twin-get', rid: get };
  const reported = rid(query(topic, '$iothub/twin/PATCH/properties/reported/?'));
  if (reported !== undefined) return { kind: 'twin-reported', rid: reported };
  const method = /^\$iothub\/methods\/res\/(\d{1,3})\/\?(.*)$/.exec(topic);
  if (method !== null) {
    const methodRid = rid(new URLSearchParams(method[2]));
    if (methodRid !== undefined) return { kind: 'method-response', rid: methodRid, status: Number(method[1]) };
  }
  return undefined;
}

/** Application and system properties (`$.mid` and the like) from a telemetry topic's property bag. */
export function propertyBag(bag: string): {
  properties: Record<string, string>;
  systemProperties: Record<string, string>;
} {
  const systemNames: Readonly<Record<string, string>> = {
    '$.mid': 'messageId',
    '$.cid': 'correlationId',
    '$.uid': 'userId',
    '$.to': 'to',
    '$.ct': 'contentType',
    '$.ce': 'contentEncoding',
    '$.exp': 'absoluteExpiryTime',
    '$.ifid': 'interfaceId',
    '$.on': 'outputName',
  };
  const properties = new Map<string, string>();
  const systemProperties = new Map<string, string>();
  const text = bag.startsWith('?') || bag.startsWith('/') ? bag.slice(1) : bag;
  for (const [name, value] of new URLSearchParams(text)) {
    const system = systemNames[name];
    if (system !== undefined) systemProperties.set(system, value);
    else properties.set(name, value);
  }
  // fromEntries defines own properties: a "__proto__" property stays a property
  return { properties: Object.fromEntries(properties), systemProperties: Object.fromEntries(systemProperties) };
}

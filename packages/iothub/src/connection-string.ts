import { isDeviceId } from './device-id.js';

/** A connection string's `Name=value;...` pairs (IoT Hub's device and service connection strings). */
export type ConnectionString = ReadonlyMap<string, string>;

/** A connection string that does not parse, or lacks a part; the message names the part and what to write. */
export class ConnectionStringError extends Error {
  /** Stable code of this failure, `ERR_OS_CONNECTION_STRING`: compare it, not the class. */
  readonly code = 'ERR_OS_CONNECTION_STRING';

  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionStringError';
  }
}

/** What a device connection string says: where the hub is, who the device is, and its key. */
export interface DeviceConnectionString {
  /** The hub's host name as written, with a port when it has one (`localhost:8883`): the token's and username's. */
  readonly hostName: string;
  /** The device's id. */
  readonly deviceId: string;
  /** The device's symmetric key, base64. */
  readonly sharedAccessKey: string;
  /** Where to connect instead of `hostName`: an IoT Edge gateway (`GatewayHostName=`), when given. */
  readonly gatewayHostName: string | undefined;
}

/** What a service connection string says: the hub and a shared access policy with its key. */
export interface ServiceConnectionString {
  /** The hub's host name as written, with a port when it has one. */
  readonly hostName: string;
  /** The policy's name (`iothubowner`). */
  readonly sharedAccessKeyName: string;
  /** The policy's key, base64. */
  readonly sharedAccessKey: string;
}

const DEVICE_FORM = 'HostName=<hub host>;DeviceId=<device id>;SharedAccessKey=<base64 key>';
const SERVICE_FORM = 'HostName=<hub host>;SharedAccessKeyName=<policy>;SharedAccessKey=<base64 key>';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:\d{1,5})?$/;

/** Reads `HostName=...;DeviceId=...;SharedAccessKey=...` into its fields; a value may itself hold `=`. Lenient. */
export function parseConnectionString(text: string): ConnectionString {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(';')) {
    if (part.length === 0) continue;
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  return fields;
}

/** The parts of `text`, refusing a part without a name, a name given twice, and names not in `known`. */
function strictParts(text: string, known: readonly string[], form: string): Map<string, string> {
  const fields = new Map<string, string>();
  const parts = text.trim().split(';');
  for (const [index, part] of parts.entries()) {
    if (part.length === 0) continue;
    const at = part.indexOf('=');
    const name = at > 0 ? part.slice(0, at) : '';
    const place = `connection string part ${index + 1}`;
    if (at <= 0) throw new ConnectionStringError(`${place} "${cut(part)}" is not Name=value; write ${form}`);
    if (!known.includes(name)) {
      throw new ConnectionStringError(`${place}: unknown name "${cut(name)}" (known: ${known.join(', ')})`);
    }
    if (fields.has(name)) throw new ConnectionStringError(`${place}: "${name}" is given twice; give it once`);
    fields.set(name, part.slice(at + 1));
  }
  return fields;
}

function cut(text: string): string {
  return text.length <= 40 ? text : `${text.slice(0, 39)}…`;
}

function required(fields: Map<string, string>, name: string, form: string): string {
  const value = fields.get(name);
  if (value === undefined || value === '') {
    throw new ConnectionStringError(`the connection string has no ${name}=...; write ${form}`);
  }
  return value;
}

function hostName(value: string, name: string): string {
  const port = value.includes(':') ? Number(value.slice(value.indexOf(':') + 1)) : 443;
  if (!HOST.test(value) || port < 1 || port > 65535) {
    throw new ConnectionStringError(
      `${name}="${cut(value)}" is not a host name (letters, digits, '.', '-', and an optional :port from 1 to 65535)`,
    );
  }
  return value;
}

function key(value: string, name: string): string {
  const bytes = BASE64.test(value) ? Math.floor((value.replace(/=+$/, '').length * 3) / 4) : 0;
  if (bytes === 0) throw new ConnectionStringError(`${name} is not base64; copy the key as the hub printed it`);
  return value;
}

/**
 * Reads a device connection string (`HostName=...;DeviceId=...;SharedAccessKey=...`, optionally
 * `GatewayHostName=...`), refusing what a device could not connect with. Throws {@link ConnectionStringError}
 * naming the part that is wrong; X.509 and module identities are not supported.
 */
export function parseDeviceConnectionString(text: string): DeviceConnectionString {
  const known = [
    'HostName',
    'DeviceId',
    'SharedAccessKey',
    'GatewayHostName',
    'ModuleId',
    'x509',
    'SharedAccessKeyName',
  ];
  const fields = strictParts(text, known, DEVICE_FORM);
  if (fields.has('x509'))
    throw new ConnectionStringError('x509=true: X.509 device authentication is not supported yet');
  if (fields.has('ModuleId')) throw new ConnectionStringError('ModuleId=...: module identities are not supported yet');
  if (fields.has('SharedAccessKeyName')) {
    throw new ConnectionStringError(
      'SharedAccessKeyName=... belongs to a service connection string; a device has none',
    );
  }
  const deviceId = required(fields, 'DeviceId', DEVICE_FORM);
  if (!isDeviceId(deviceId)) {
    throw new ConnectionStringError(
      `DeviceId="${cut(deviceId)}" is not a device id (up to 128 ASCII letters, digits and -:.+%_#*?!(),=@$')`,
    );
  }
  const gateway = fields.get('GatewayHostName');
  return {
    hostName: hostName(required(fields, 'HostName', DEVICE_FORM), 'HostName'),
    deviceId,
    sharedAccessKey: key(required(fields, 'SharedAccessKey', DEVICE_FORM), 'SharedAccessKey'),
    gatewayHostName: gateway === undefined ? undefined : hostName(gateway, 'GatewayHostName'),
  };
}

/**
 * Reads a service connection string (`HostName=...;SharedAccessKeyName=...;SharedAccessKey=...`). Throws
 * {@link ConnectionStringError} naming the part that is wrong.
 */
export function parseServiceConnectionString(text: string): ServiceConnectionString {
  const fields = strictParts(text, ['HostName', 'SharedAccessKeyName', 'SharedAccessKey'], SERVICE_FORM);
  return {
    hostName: hostName(required(fields, 'HostName', SERVICE_FORM), 'HostName'),
    sharedAccessKeyName: required(fields, 'SharedAccessKeyName', SERVICE_FORM),
    sharedAccessKey: key(required(fields, 'SharedAccessKey', SERVICE_FORM), 'SharedAccessKey'),
  };
}

/** The device connection string a device uses with Microsoft's device SDK. */
export function deviceConnectionString(hostName: string, deviceId: string, key: string): string {
  return `HostName=${hostName};DeviceId=${deviceId};SharedAccessKey=${key}`;
}

/** The service connection string of the `iothubowner` policy. */
export function serviceConnectionString(hostName: string, key: string): string {
  return `HostName=${hostName};SharedAccessKeyName=iothubowner;SharedAccessKey=${key}`;
}

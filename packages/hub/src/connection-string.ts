/** A connection string's `Name=value;...` pairs (IoT Hub's device and service connection strings). */
export type ConnectionString = ReadonlyMap<string, string>;

/** Reads `HostName=...;DeviceId=...;SharedAccessKey=...` into its fields; a value may itself hold `=`. */
export function parseConnectionString(text: string): ConnectionString {
  const fields = new Map<string, string>();
  for (const part of text.trim().split(';')) {
    if (part.length === 0) continue;
    const at = part.indexOf('=');
    if (at > 0) fields.set(part.slice(0, at), part.slice(at + 1));
  }
  return fields;
}

/** The device connection string a device uses with Microsoft's device SDK. */
export function deviceConnectionString(hostName: string, deviceId: string, key: string): string {
  return `HostName=${hostName};DeviceId=${deviceId};SharedAccessKey=${key}`;
}

/** The service connection string of the `iothubowner` policy. */
export function serviceConnectionString(hostName: string, key: string): string {
  return `HostName=${hostName};SharedAccessKeyName=iothubowner;SharedAccessKey=${key}`;
}

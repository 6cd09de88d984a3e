import { describe, expect, it } from 'vitest';
import {
  ConnectionStringError,
  deviceConnectionString,
  parseConnectionString,
  parseDeviceConnectionString,
  parseServiceConnectionString,
  serviceConnectionString,
} from '../src/index.js';

const KEY = 'c2VjcmV0LWtleS1vZi0zMi1ieXRlcy0wMTIzNDU2Nzg5YQ==';

function refusal(text: string): string {
  try {
    parseDeviceConnectionString(text);
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectionStringError);
    expect((error as ConnectionStringError).code).toBe('ERR_OS_CONNECTION_STRING');
    return (error as Error).message;
  }
  throw new Error(`accepted: ${text}`);
}

describe('device connection strings', () => {
  it('reads what the hub prints, a port in HostName, a gateway, and a key holding "="', () => {
    expect(parseDeviceConnectionString(deviceConnectionString('localhost:8883', 'robot-1', KEY))).toEqual({
      hostName: 'localhost:8883',
      deviceId: 'robot-1',
      sharedAccessKey: KEY,
      gatewayHostName: undefined,
    });
    const edge = parseDeviceConnectionString(
      `HostName=hub.azure-devices.net;DeviceId=leaf;SharedAccessKey=${KEY};GatewayHostName=edge.local`,
    );
    expect(edge.hostName).toBe('hub.azure-devices.net');
    expect(edge.gatewayHostName).toBe('edge.local');
  });

  it('names the part that is wrong', () => {
    expect(refusal(`HostName=h;SharedAccessKey=${KEY}`)).toMatch(/no DeviceId=\.\.\.; write HostName=/);
    expect(refusal(`HostName=h;DeviceId=d;SharedAccessKey=`)).toMatch(/no SharedAccessKey=/);
    expect(refusal(`HostName=h;DeviceId=d;SharedAccessKey=not base64!`)).toMatch(/SharedAccessKey is not base64/);
    expect(refusal(`HostName=h;DeviceId=d;Deviceid=e;SharedAccessKey=${KEY}`)).toMatch(
      /part 3: unknown name "Deviceid" \(known: HostName, DeviceId/,
    );
    expect(refusal(`HostName=h;DeviceId=d;DeviceId=e;SharedAccessKey=${KEY}`)).toMatch(/"DeviceId" is given twice/);
    expect(refusal(`HostName=h;garbage;DeviceId=d;SharedAccessKey=${KEY}`)).toMatch(
      /part 2 "garbage" is not Name=value/,
    );
    expect(refusal(`HostName=h:99999;DeviceId=d;SharedAccessKey=${KEY}`)).toMatch(/HostName="h:99999" is not a host/);
    expect(refusal(`HostName=a b;DeviceId=d;SharedAccessKey=${KEY}`)).toMatch(/HostName="a b" is not a host/);
    expect(refusal(`HostName=h;DeviceId=a/b;SharedAccessKey=${KEY}`)).toMatch(/DeviceId="a\/b" is not a device id/);
    expect(refusal(`HostName=h;DeviceId=${'x'.repeat(129)};SharedAccessKey=${KEY}`)).toMatch(/is not a device id/);
    expect(refusal(`HostName=h;DeviceId=d;x509=true`)).toMatch(/X\.509 device authentication is not supported/);
    expect(refusal(`HostName=h;DeviceId=d;ModuleId=m;SharedAccessKey=${KEY}`)).toMatch(/module identities/);
    expect(refusal(serviceConnectionString('h', KEY))).toMatch(/SharedAccessKeyName=\.\.\. belongs to a service/);
  });

  it('cuts a long bad part in the message', () => {
    expect(refusal(`HostName=h;${'y'.repeat(5000)}`).length).toBeLessThan(200);
  });
});

describe('service connection strings', () => {
  it('reads what the hub prints and names a missing part', () => {
    expect(parseServiceConnectionString(serviceConnectionString('localhost:8443', KEY))).toEqual({
      hostName: 'localhost:8443',
      sharedAccessKeyName: 'iothubowner',
      sharedAccessKey: KEY,
    });
    expect(() => parseServiceConnectionString(`HostName=h;SharedAccessKey=${KEY}`)).toThrow(
      /no SharedAccessKeyName=\.\.\.; write HostName=<hub host>;SharedAccessKeyName=/,
    );
  });

  it('has a lenient reader for the fields alone', () => {
    expect(parseConnectionString(' A=1;;B=x=y;C ').get('B')).toBe('x=y');
  });
});

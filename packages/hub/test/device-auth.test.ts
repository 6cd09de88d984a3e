import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedAccessSignature, parseConnectionString } from '../src/index.js';
import { deviceClient, rawClient, startTestHub, type TestHub, until } from './hub-fixture.js';

let test: TestHub;
beforeAll(async () => {
  test = await startTestHub();
});
afterAll(async () => {
  await test.stop();
});

const HOUR = 3600;

/** The username and a SAS password for `deviceId` signed with `key`, expiring `inSeconds` from now. */
function credentials(deviceId: string, key: string, inSeconds = HOUR): { username: string; password: string } {
  const host = `localhost:${test.hub.port}`;
  const expiry = Math.floor(Date.now() / 1000) + inSeconds;
  return {
    username: `${host}/${deviceId}/?api-version=2021-04-12`,
    password: createSharedAccessSignature(`${host}/devices/${deviceId}`, key, expiry),
  };
}

async function keyOf(deviceId: string): Promise<string> {
  const key = parseConnectionString(await test.addDevice(deviceId)).get('SharedAccessKey');
  if (key === undefined) throw new Error('no key');
  return key;
}

async function connackOf(clientId: string, username: string, password: string): Promise<number | undefined> {
  const { client, connack } = await rawClient(test.hub, clientId, username, password);
  client.end(true);
  if (connack instanceof Error) return (connack as { code?: number }).code;
  return connack.returnCode ?? 0;
}

describe('device authentication', () => {
  it('accepts a SAS token signed with the primary or the secondary key', async () => {
    await test.addDevice('both-keys');
    const device = await test.service.getDevice('both-keys');
    const keys = (device['authentication'] as { symmetricKey: { primaryKey: string; secondaryKey: string } })
      .symmetricKey;
    for (const key of [keys.primaryKey, keys.secondaryKey]) {
      const { username, password } = credentials('both-keys', key);
      expect(await connackOf('both-keys', username, password)).toBe(0);
    }
  });

  it('refuses a SAS token signed with another key: CONNACK 5, and the SDK reports it', async () => {
    const key = await keyOf('wrong-key');
    const other = Buffer.alloc(32, 7).toString('base64');
    const { username, password } = credentials('wrong-key', other);
    expect(await connackOf('wrong-key', username, password)).toBe(5);
    const client = await deviceClient(
      `HostName=localhost:${test.hub.port};DeviceId=wrong-key;SharedAccessKey=${other}`,
      test.hub.ca,
    );
    await expect(client.open()).rejects.toThrow(/Not authorized/);
    expect(key).not.toBe(other);
  });

  it('refuses an expired SAS token with CONNACK 5', async () => {
    const key = await keyOf('expired');
    const { username, password } = credentials('expired', key, -60);
    expect(await connackOf('expired', username, password)).toBe(5);
  });

  it("refuses an unknown device, another device's token, and a username naming another device", async () => {
    const key = await keyOf('alice');
    await test.addDevice('bob');
    const forAlice = credentials('alice', key);
    expect(await connackOf('nobody', credentials('nobody', key).username, credentials('nobody', key).password)).toBe(5);
    expect(await connackOf('bob', credentials('bob', key).username, forAlice.password)).toBe(5);
    expect(await connackOf('bob', credentials('bob', key).username, credentials('bob', key).password)).toBe(5);
    expect(await connackOf('alice', credentials('bob', key).username, forAlice.password)).toBe(5);
    expect(await connackOf('alice', forAlice.username, 'not a token')).toBe(5);
  });

  it('refuses a disabled device with CONNACK 3 and ends its open connection when it is disabled', async () => {
    const key = await keyOf('switched');
    const { username, password } = credentials('switched', key);
    const { client, connack } = await rawClient(test.hub, 'switched', username, password);
    expect(connack).toMatchObject({ returnCode: 0 });
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const put = await test.service.request(
      'PUT',
      '/devices/switched',
      { deviceId: 'switched', status: 'disabled' },
      {
        'If-Match': '*',
      },
    );
    expect(put.status).toBe(200);
    await closed;
    client.end(true);
    expect(await connackOf('switched', username, password)).toBe(3);
  });

  it('lets a second connection of the same device take over from the first', async () => {
    const key = await keyOf('twice');
    const { username, password } = credentials('twice', key);
    const first = await rawClient(test.hub, 'twice', username, password);
    const firstClosed = new Promise<void>((resolve) => first.client.once('close', () => resolve()));
    const second = await rawClient(test.hub, 'twice', username, password);
    expect(second.connack).toMatchObject({ returnCode: 0 });
    await firstClosed;
    expect(second.client.connected).toBe(true);
    first.client.end(true);
    second.client.end(true);
  });
});

describe('what a connected device may do', () => {
  it("gets SUBACK failure (0x80) for another device's topics and undocumented filters, QoS 1 for QoS 2", async () => {
    const key = await keyOf('subscriber');
    await test.addDevice('victim');
    const { username, password } = credentials('subscriber', key);
    const { client } = await rawClient(test.hub, 'subscriber', username, password);
    try {
      const suback = new Promise<number[]>((resolve) =>
        client.on('packetreceive', (packet) => {
          if (packet.cmd === 'suback') resolve(packet.granted.map(Number));
        }),
      );
      client.subscribe(
        {
          'devices/victim/messages/devicebound/#': { qos: 1 },
          '#': { qos: 0 },
          'devices/victim/messages/events/#': { qos: 0 },
          '$iothub/twin/res/#': { qos: 2 },
          'devices/subscriber/messages/devicebound/#': { qos: 1 },
        },
        () => {},
      );
      expect(await suback).toEqual([128, 128, 128, 1, 1]);
    } finally {
      client.end(true);
    }
  });

  it("is disconnected when it publishes to another device's telemetry topic, and nothing is kept", async () => {
    const key = await keyOf('intruder');
    await test.addDevice('target');
    const { username, password } = credentials('intruder', key);
    const { client } = await rawClient(test.hub, 'intruder', username, password);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('devices/target/messages/events/', 'forged', { qos: 1 });
    await closed;
    client.end(true);
    expect(test.hub.telemetry('target')).toEqual([]);
    expect(test.hub.telemetry('intruder')).toEqual([]);
  });

  it('is disconnected when it publishes with QoS 2, or to a desired-properties topic', async () => {
    const key = await keyOf('qos2');
    const { username, password } = credentials('qos2', key);
    for (const [topic, qos] of [
      ['devices/qos2/messages/events/', 2],
      ['$iothub/twin/PATCH/properties/desired/?$version=99', 0],
    ] as const) {
      const { client } = await rawClient(test.hub, 'qos2', username, password);
      const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
      client.publish(topic, '{}', { qos });
      await closed;
      client.end(true);
    }
    expect(test.hub.telemetry('qos2')).toEqual([]);
  });

  it('keeps no retained message: the telemetry carries the mqtt-retain property instead', async () => {
    const key = await keyOf('retainer');
    const { username, password } = credentials('retainer', key);
    const { client } = await rawClient(test.hub, 'retainer', username, password);
    try {
      await client.publishAsync('devices/retainer/messages/events/a=1', 'kept?', { qos: 1, retain: true });
      await until(() => test.hub.telemetry('retainer').length === 1, 'the message');
      expect(test.hub.telemetry('retainer')[0]?.properties).toEqual({ a: '1', 'mqtt-retain': 'true' });
    } finally {
      client.end(true);
    }
    const { client: late } = await rawClient(test.hub, 'retainer', username, password);
    const received: string[] = [];
    late.on('message', (topic) => received.push(topic));
    await late.subscribeAsync('devices/retainer/messages/devicebound/#', { qos: 1 });
    late.end(true);
    expect(received).toEqual([]);
  });

  it('is disconnected when it sends a message over 256 KB, and nothing is kept', async () => {
    const key = await keyOf('chatty');
    const { username, password } = credentials('chatty', key);
    const { client } = await rawClient(test.hub, 'chatty', username, password);
    const closed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    client.publish('devices/chatty/messages/events/', Buffer.alloc(300 * 1024, 1), { qos: 0 });
    await closed;
    client.end(true);
    expect(test.hub.telemetry('chatty')).toEqual([]);
  });
});

describe('a connection before CONNECT', () => {
  it('is closed as soon as a packet announces more than the limit, before the hub buffers it', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: test.hub.port, servername: 'localhost', ca: test.hub.ca });
    await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    // CONNECT announcing 100 MB (remaining length 0x80 0x80 0x80 0x30), then a little of it
    socket.write(Buffer.from([0x10, 0x80, 0x80, 0x80, 0x30, 0, 4, 77, 81, 84, 84]));
    await closed;
    expect(socket.destroyed).toBe(true);
  });
});

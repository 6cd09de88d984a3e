import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSharedAccessSignature, HubServiceClient, parseConnectionString } from '../src/index.js';
import { rawClient, startTestHub, type TestHub } from './hub-fixture.js';

let test: TestHub;
beforeAll(async () => {
  test = await startTestHub();
});
afterAll(async () => {
  await test.stop();
});

/** A device connected with mqtt.js, subscribed to twin responses and desired patches, and its inbox. */
async function twinDevice(deviceId: string): Promise<{ client: MqttClient; inbox: { topic: string; body: string }[] }> {
  const key = parseConnectionString(await test.addDevice(deviceId)).get('SharedAccessKey') ?? '';
  const host = `localhost:${test.hub.port}`;
  const { client } = await rawClient(
    test.hub,
    deviceId,
    `${host}/${deviceId}/?api-version=2021-04-12`,
    createSharedAccessSignature(`${host}/devices/${deviceId}`, key, Math.floor(Date.now() / 1000) + 3600),
  );
  const inbox: { topic: string; body: string }[] = [];
  client.on('message', (topic, payload) => inbox.push({ topic, body: payload.toString() }));
  await client.subscribeAsync({
    '$iothub/twin/res/#': { qos: 0 },
    '$iothub/twin/PATCH/properties/desired/#': { qos: 0 },
  });
  return { client, inbox };
}

let rids = 0;

/** Publishes `body` to `$iothub/twin/<verb>/?$rid=` and returns the hub's answer's status, query and body. */
async function ask(
  device: { client: MqttClient; inbox: { topic: string; body: string }[] },
  verb: string,
  body: string,
): Promise<{ status: number; query: URLSearchParams; body: string }> {
  const rid = String(++rids);
  await device.client.publishAsync(`$iothub/twin/${verb}/?$rid=${rid}`, body, { qos: 0 });
  for (let i = 0; i < 1000; i++) {
    for (const message of device.inbox) {
      const match = /^\$iothub\/twin\/res\/(\d+)\/\?(.*)$/.exec(message.topic);
      const query = new URLSearchParams(match?.[2] ?? '');
      if (match !== null && query.get('$rid') === rid) return { status: Number(match[1]), query, body: message.body };
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no answer to ${verb} ${rid}`);
}

function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { property: 'value' };
  for (let level = depth; level >= 1; level--) value = { [`level${level}`]: value };
  return value;
}

describe('the twin protocol over MQTT', () => {
  it('answers GET with desired and reported, each with $version and without $metadata', async () => {
    const device = await twinDevice('getter');
    try {
      const answer = await ask(device, 'GET', '');
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body)).toEqual({ desired: { $version: 1 }, reported: { $version: 1 } });
    } finally {
      device.client.end(true);
    }
  });

  it('acknowledges a reported patch with 204 and the new $version; null deletes', async () => {
    const device = await twinDevice('patcher');
    try {
      const first = await ask(device, 'PATCH/properties/reported', JSON.stringify({ a: 1, b: { c: 2, d: 3 } }));
      expect(first.status).toBe(204);
      expect(first.query.get('$version')).toBe('2');
      const second = await ask(device, 'PATCH/properties/reported', JSON.stringify({ a: null, b: { d: null } }));
      expect(second.query.get('$version')).toBe('3');
      const twin = JSON.parse((await ask(device, 'GET', '')).body);
      expect(twin.reported).toEqual({ b: { c: 2 }, $version: 3 });
    } finally {
      device.client.end(true);
    }
  });

  it('answers 400 to a malformed, oversized, too deep or badly keyed reported patch, and changes nothing', async () => {
    const device = await twinDevice('strict');
    try {
      expect((await ask(device, 'PATCH/properties/reported', JSON.stringify({ kept: true }))).status).toBe(204);
      const bad = [
        '{"unterminated": ',
        '[1, 2]',
        JSON.stringify({ big: 'x'.repeat(4000), more: 'y'.repeat(4000) }).replace('"more"', '"m\\u0000"'),
        JSON.stringify({ 'dotted.key': 1 }),
        JSON.stringify({ $dollar: 1 }),
        JSON.stringify({ 'with space': 1 }),
        JSON.stringify({ long: 'z'.repeat(4097) }),
        JSON.stringify(nested(11)),
        JSON.stringify(Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`k${i}`, 'v'.repeat(4000)]))),
      ];
      for (const body of bad) {
        const answer = await ask(device, 'PATCH/properties/reported', body);
        expect(answer.status, body.slice(0, 40)).toBe(400);
      }
      expect((await ask(device, 'PATCH/properties/reported', JSON.stringify(nested(10)))).status).toBe(204);
      const twin = JSON.parse((await ask(device, 'GET', '')).body);
      expect(twin.reported.$version).toBe(3);
      expect(Object.keys(twin.reported).sort()).toEqual(['$version', 'kept', 'level1']);
    } finally {
      device.client.end(true);
    }
  });

  it('sends a desired patch with its $version to the connected device, exactly as the service sent it', async () => {
    const device = await twinDevice('desirer');
    try {
      await test.service.patchDesired('desirer', { dynamic: { deploy: [{ start: { name: 'a', pkg: 'u/pkg/a/1' } }] } });
      await test.service.patchDesired('desirer', { dynamic: null, rate: 3 });
      for (let i = 0; i < 1000 && device.inbox.filter((m) => m.topic.includes('desired')).length < 2; i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const patches = device.inbox.filter((m) => m.topic.startsWith('$iothub/twin/PATCH/properties/desired/'));
      expect(patches.map((m) => m.topic)).toEqual([
        '$iothub/twin/PATCH/properties/desired/?$version=2',
        '$iothub/twin/PATCH/properties/desired/?$version=3',
      ]);
      expect(JSON.parse(patches[1]?.body ?? '')).toEqual({ dynamic: null, rate: 3, $version: 3 });
    } finally {
      device.client.end(true);
    }
  });
});

describe('the service API', () => {
  it('refuses requests without a valid iothubowner token with 401 and an IoT Hub error body', async () => {
    const zeros = Buffer.alloc(32).toString('base64');
    const forged = new HubServiceClient(
      `HostName=localhost:${test.hub.httpsPort};SharedAccessKeyName=iothubowner;SharedAccessKey=${zeros}`,
      test.hub.ca,
    );
    const answer = await forged.request('GET', '/devices');
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ Message: expect.stringMatching(/^ErrorCode:IotHubUnauthorizedAccess;/) });
  });

  it('answers 409 to creating a device twice, 404 for unknown ones, 400 for bad ids and desired keys', async () => {
    await test.addDevice('once');
    expect((await test.service.request('PUT', '/devices/once', { deviceId: 'once' })).status).toBe(409);
    expect((await test.service.request('GET', '/devices/never')).status).toBe(404);
    expect((await test.service.request('PUT', `/devices/${'x'.repeat(129)}`, {})).status).toBe(400);
    expect((await test.service.request('PUT', '/devices/a%2Fb', {})).status).toBe(400);
    const badKey = await test.service.request('PATCH', '/twins/once', { properties: { desired: { 'a.b': 1 } } });
    expect(badKey.status).toBe(400);
    expect(badKey.body).toMatchObject({ Message: expect.stringMatching(/^ErrorCode:ArgumentInvalid;.*a\.b/) });
    const tooBig = { properties: { desired: { big: 'x'.repeat(4000), a: 'a'.repeat(4000) } } };
    expect((await test.service.request('PATCH', '/twins/once', tooBig)).status).toBe(200);
    const over = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`k${i}`, 'v'.repeat(4000)]));
    expect((await test.service.request('PATCH', '/twins/once', { properties: { desired: over } })).status).toBe(400);
  });

  it('deletes a device with its twin; its connection string no longer connects', async () => {
    await test.addDevice('doomed');
    expect((await test.service.request('DELETE', '/devices/doomed', undefined, { 'If-Match': '*' })).status).toBe(204);
    expect((await test.service.request('GET', '/twins/doomed')).status).toBe(404);
    expect(test.hub.deviceConnectionString('doomed')).toBeUndefined();
  });

  it("replaces desired with PUT /twins and sends the difference to the device; tags stay the service's", async () => {
    const device = await twinDevice('replaced');
    try {
      await test.service.patchDesired('replaced', { keep: 1, drop: { deep: true } });
      const put = await test.service.request(
        'PUT',
        '/twins/replaced',
        { tags: { site: 'hall 3' }, properties: { desired: { keep: 1, added: 'x' } } },
        { 'If-Match': '*' },
      );
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ tags: { site: 'hall 3' }, properties: { desired: { keep: 1, added: 'x' } } });
      for (let i = 0; i < 1000 && !device.inbox.some((m) => m.topic.endsWith('$version=3')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const last = device.inbox.find((m) => m.topic === '$iothub/twin/PATCH/properties/desired/?$version=3');
      expect(JSON.parse(last?.body ?? '')).toEqual({ drop: null, added: 'x', $version: 3 });
      const twin = JSON.parse((await ask(device, 'GET', '')).body);
      expect(twin).not.toHaveProperty('tags');
      expect(twin.desired).toEqual({ keep: 1, added: 'x', $version: 3 });
      expect(put.etag).toBe((await test.service.getTwin('replaced'))['etag']);
    } finally {
      device.client.end(true);
    }
  });
});

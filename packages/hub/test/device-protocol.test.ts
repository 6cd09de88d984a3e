import { createRequire } from 'node:module';
import type { Twin } from 'azure-iot-device';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deviceClient, serviceRegistry, startTestHub, type TestHub, until } from './hub-fixture.js';

const require = createRequire(import.meta.url);
const { Message } = require('azure-iot-device') as typeof import('azure-iot-device');

let test: TestHub;
beforeAll(async () => {
  test = await startTestHub();
});
afterAll(async () => {
  await test.stop();
});

function report(twin: Twin, patch: object): Promise<void> {
  return new Promise((resolve, reject) =>
    twin.properties.reported.update(patch, (error?: Error) => (error ? reject(error) : resolve())),
  );
}

describe("Microsoft's device SDK against the hub", () => {
  it('reads its twin, reports properties, and sees them in the service view with $version and $metadata', async () => {
    const connectionString = await test.addDevice('reporter');
    expect(connectionString).toMatch(/^HostName=localhost:\d+;DeviceId=reporter;SharedAccessKey=[A-Za-z0-9+/=]{44}$/);
    const client = await deviceClient(connectionString, test.hub.ca);
    await client.open();
    try {
      const twin = await client.getTwin();
      expect(twin.properties.desired.$version).toBe(1);
      expect(twin.properties.reported.$version).toBe(1);
      await report(twin, { firmware: '1.0', battery: { level: 80, charging: false } });
      await report(twin, { battery: { charging: null } });
      const view = await test.service.getTwin('reporter');
      const reported = (view['properties'] as { reported: Record<string, unknown> }).reported;
      expect(reported['firmware']).toBe('1.0');
      expect(reported['battery']).toEqual({ level: 80 });
      expect(reported['$version']).toBe(3);
      const metadata = reported['$metadata'] as Record<string, { $lastUpdated: string }>;
      expect(Date.parse(metadata['firmware']?.$lastUpdated ?? '')).not.toBeNaN();
      expect(metadata['battery']).toHaveProperty('level');
      expect(metadata['battery']).not.toHaveProperty('charging');
      expect(view['connectionState']).toBe('Connected');
    } finally {
      await client.close();
    }
  });

  it("receives a desired patch made with the service SDK's Registry.updateTwin, with the new $version", async () => {
    const client = await deviceClient(await test.addDevice('listener'), test.hub.ca);
    await client.open();
    const registry = serviceRegistry(test.hub);
    try {
      const twin = await client.getTwin();
      const patches: Record<string, unknown>[] = [];
      // copied: the SDK goes on to merge each patch it hands over into twin.properties.desired
      twin.on('properties.desired', (desired: Record<string, unknown>) => patches.push(structuredClone(desired)));
      const serviceTwin = (await registry.getTwin('listener')).responseBody;
      await registry.updateTwin('listener', { properties: { desired: { rate: 5, mode: 'fast' } } }, serviceTwin.etag);
      await until(() => patches.some((patch) => patch['rate'] === 5), 'the desired patch');
      const first = patches.find((patch) => patch['rate'] === 5);
      expect(first).toMatchObject({ rate: 5, mode: 'fast', $version: 2 });
      const again = (await registry.getTwin('listener')).responseBody;
      await registry.updateTwin('listener', { properties: { desired: { mode: null } } }, again.etag);
      await until(() => patches.some((patch) => patch['$version'] === 3), 'the deleting patch');
      expect(patches.find((patch) => patch['$version'] === 3)).toEqual({ mode: null, $version: 3 });
      expect((await client.getTwin()).properties.desired).toMatchObject({ rate: 5, $version: 3 });
      expect((await client.getTwin()).properties.desired).not.toHaveProperty('mode');
    } finally {
      await client.close();
    }
  });

  it('refuses an update with a stale etag (412) and keeps the twin', async () => {
    await test.addDevice('etags');
    const registry = serviceRegistry(test.hub);
    const before = (await registry.getTwin('etags')).responseBody;
    await registry.updateTwin('etags', { properties: { desired: { a: 1 } } }, before.etag);
    await expect(registry.updateTwin('etags', { properties: { desired: { a: 2 } } }, before.etag)).rejects.toThrow(
      /If-Match/,
    );
    expect((await test.service.getTwin('etags'))['properties']).toMatchObject({ desired: { a: 1, $version: 2 } });
  });

  it('keeps telemetry per device with its application and system properties', async () => {
    const client = await deviceClient(await test.addDevice('sensor'), test.hub.ca);
    await client.open();
    try {
      const message = new Message(JSON.stringify({ counter: 1 }));
      message.properties.add('kind', 'reading & more');
      message.messageId = 'm-1';
      message.contentType = 'application/json';
      await client.sendEvent(message);
      await client.sendEvent(new Message('second'));
      const kept = test.hub.telemetry('sensor');
      expect(kept.map((m) => m.body.toString())).toEqual([JSON.stringify({ counter: 1 }), 'second']);
      expect(kept[0]?.properties).toEqual({ kind: 'reading & more' });
      expect(kept[0]?.systemProperties).toMatchObject({ messageId: 'm-1', contentType: 'application/json' });
      expect(test.hub.telemetry('reporter')).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('invokes a direct method and returns the device answer; 404 for a device that is not connected', async () => {
    const client = await deviceClient(await test.addDevice('robot'), test.hub.ca);
    await client.open();
    try {
      client.onDeviceMethod('runWorkflow', (request, response) => {
        response.send(200, { workflow: (request.payload as { name: string }).name, id: 7 }, () => {});
      });
      const answer = await test.service.invokeMethod(
        'robot',
        'runWorkflow',
        { name: 'weld' },
        {
          connectTimeoutInSeconds: 5,
        },
      );
      expect(answer).toEqual({ status: 200, payload: { workflow: 'weld', id: 7 } });
    } finally {
      await client.close();
    }
    await test.addDevice('asleep');
    await expect(test.service.invokeMethod('asleep', 'runWorkflow', null)).rejects.toMatchObject({
      status: 404,
      errorCode: 'DeviceNotOnline',
    });
    await expect(test.service.invokeMethod('nobody', 'runWorkflow', null)).rejects.toMatchObject({
      status: 404,
      errorCode: 'DeviceNotFound',
    });
  });

  it('answers 504 when the device does not answer within responseTimeoutInSeconds', async () => {
    const client = await deviceClient(await test.addDevice('silent'), test.hub.ca);
    await client.open();
    try {
      client.onDeviceMethod('hang', () => {});
      await expect(
        test.service.invokeMethod('silent', 'hang', null, { responseTimeoutInSeconds: 5, connectTimeoutInSeconds: 5 }),
      ).rejects.toMatchObject({ status: 504, errorCode: 'GatewayTimeout' });
    } finally {
      await client.close();
    }
  });
});

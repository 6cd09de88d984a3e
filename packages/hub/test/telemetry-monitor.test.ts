import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubServiceClient } from '../src/index.js';
import { monitorLine } from '../src/monitor-line.js';
import type { TelemetryEvent } from '../src/telemetry-stream.js';
import { deviceClient, startTestHub, type TestHub, until } from './hub-fixture.js';

const require = createRequire(import.meta.url);
const { Message } = require('azure-iot-device') as typeof import('azure-iot-device');

let test: TestHub;
beforeAll(async () => {
  test = await startTestHub();
});
afterAll(async () => {
  await test.stop();
});

/** A monitor of `of`'s telemetry stream, collecting what arrives until `stop()`; throws what the hub refuses. */
async function startMonitor(
  deviceId?: string,
  of: TestHub = test,
): Promise<{ events: TelemetryEvent[]; stop: () => Promise<unknown> }> {
  const abort = new AbortController();
  const events: TelemetryEvent[] = [];
  let opened = false;
  let failure: unknown;
  const options = {
    signal: abort.signal,
    opened: () => {
      opened = true;
    },
    ...(deviceId === undefined ? {} : { deviceId }),
  };
  const done = (async () => {
    for await (const event of of.service.monitor(options)) events.push(event);
  })().catch((error: unknown) => {
    failure = error;
  });
  await until(() => opened || failure !== undefined, 'the telemetry stream');
  if (failure !== undefined) throw failure;
  return {
    events,
    stop: () => {
      abort.abort();
      return done;
    },
  };
}

describe('telemetry through the hub', () => {
  it("records a leaf's message sent over a connection of its own (the gateway opens one per leaf)", async () => {
    await test.service.addDevice('relay-gw', { edge: true });
    const leafString = await test.service
      .addDevice('relay-leaf', { parent: 'relay-gw' })
      .then(() => test.hub.deviceConnectionString('relay-leaf') ?? '');
    const gateway = await deviceClient(test.hub.deviceConnectionString('relay-gw') ?? '', test.hub.ca);
    // the gateway's upstream for the leaf: the leaf's own connection string and SAS, opened by the gateway process
    const upstream = await deviceClient(leafString, test.hub.ca);
    const monitor = await startMonitor();
    await gateway.open();
    await upstream.open();
    try {
      const message = new Message(JSON.stringify({ counter: 1 }));
      message.messageId = 'm-1';
      message.contentType = 'application/json';
      message.contentEncoding = 'utf-8';
      message.properties.add('robot', 'arm-3');
      await upstream.sendEvent(message);
      await until(() => monitor.events.length === 1, 'the leaf message at the monitor');
      const [kept] = test.hub.telemetry('relay-leaf');
      expect(kept?.body.toString()).toBe('{"counter":1}');
      expect(kept?.properties).toEqual({ robot: 'arm-3' });
      expect(test.hub.telemetry('relay-gw')).toEqual([]);
      const event = monitor.events[0];
      expect(event).toMatchObject({ deviceId: 'relay-leaf', properties: { robot: 'arm-3' } });
      expect(event?.systemProperties).toMatchObject({ messageId: 'm-1', contentType: 'application/json' });
      expect(Buffer.from(event?.body ?? '', 'base64').toString()).toBe('{"counter":1}');
      expect(event?.enqueuedTime).toBe(kept?.enqueuedTime);
      expect(JSON.parse(monitorLine(event as TelemetryEvent))).toEqual({
        deviceId: 'relay-leaf',
        enqueuedTime: kept?.enqueuedTime,
        body: { counter: 1 },
        properties: { robot: 'arm-3' },
        systemProperties: { messageId: 'm-1', contentType: 'application/json', contentEncoding: 'utf-8' },
      });
    } finally {
      await monitor.stop();
      await upstream.close();
      await gateway.close();
    }
  });

  it('streams every message in order to a monitor of one device, and none of the others', async () => {
    const robot = await deviceClient(await test.addDevice('stream-a'), test.hub.ca);
    const other = await deviceClient(await test.addDevice('stream-b'), test.hub.ca);
    const monitor = await startMonitor('stream-a');
    const all = await startMonitor();
    await robot.open();
    await other.open();
    try {
      for (let i = 0; i < 20; i++) {
        await robot.sendEvent(new Message(`reading ${i}`));
        await other.sendEvent(new Message(Buffer.from([0xff, i])));
      }
      await until(() => monitor.events.length === 20 && all.events.length === 40, 'forty messages');
      expect(monitor.events.map((event) => Buffer.from(event.body, 'base64').toString())).toEqual(
        Array.from({ length: 20 }, (_, i) => `reading ${i}`),
      );
      const binary = all.events.find((event) => event.deviceId === 'stream-b') as TelemetryEvent;
      expect(JSON.parse(monitorLine(binary))).toMatchObject({ body: '/wA=', bodyEncoding: 'base64' });
      expect(JSON.parse(monitorLine(monitor.events[0] as TelemetryEvent)).body).toBe('reading 0');
    } finally {
      await monitor.stop();
      await all.stop();
      await robot.close();
      await other.close();
    }
  });

  it('refuses a stream without the service key, for an unknown device, and beyond 16 at once', async () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const wrong = new HubServiceClient(
      test.hub.serviceConnectionString.replace(/SharedAccessKey=[^;]+/, `SharedAccessKey=${key}`),
      test.hub.ca,
    );
    await expect(wrong.monitor().next()).rejects.toMatchObject({ status: 401, errorCode: 'IotHubUnauthorizedAccess' });
    await expect(test.service.monitor({ deviceId: 'nobody' }).next()).rejects.toMatchObject({ status: 404 });
    const own = await startTestHub();
    const monitors: { stop: () => Promise<unknown> }[] = [];
    try {
      for (let i = 0; i < 16; i++) monitors.push(await startMonitor(undefined, own));
      await expect(own.service.monitor().next()).rejects.toMatchObject({ status: 429 });
      await monitors.pop()?.stop();
      // the stream that ended gives its place back once the hub sees its connection close
      let again: Awaited<ReturnType<typeof startMonitor>> | undefined;
      for (let i = 0; i < 100 && again === undefined; i++) {
        again = await startMonitor(undefined, own).catch(async () => {
          await new Promise((resolve) => setTimeout(resolve, 20));
          return undefined;
        });
      }
      expect(again).toBeDefined();
      if (again !== undefined) monitors.push(again);
    } finally {
      await Promise.all(monitors.map((monitor) => monitor.stop()));
      await own.stop();
    }
  });

  it('ends a stream with an error when the hub stops', async () => {
    const own = await startTestHub();
    const abort = new AbortController();
    let opened = false;
    const iterator = own.service.monitor({ signal: abort.signal, opened: () => (opened = true) });
    const next = iterator.next().then(
      () => new Error('the stream went on'),
      (error: unknown) => error,
    );
    await until(() => opened, 'the telemetry stream');
    await own.stop();
    expect(String(await next)).toMatch(/the hub ended the telemetry stream \(it has stopped\?\)/);
  });
});

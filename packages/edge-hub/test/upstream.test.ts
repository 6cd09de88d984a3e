import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Hub, HubRequestError, HubServiceClient, startHub } from '@os/hub';
import { afterEach, describe, expect, it } from 'vitest';
import { TelemetryQueue } from '../src/queue/telemetry-queue.js';
import { HubUpstream } from '../src/upstream/hub-upstream.js';
import type { UpstreamSettings } from '../src/upstream/upstream-settings.js';
import { UpstreamLinkClosed, UpstreamMessageTooLarge, UpstreamNotConnected } from '../src/upstream/upstream-errors.js';
import type { LeafIdentity, LeafLink, LeafTelemetry } from '../src/upstream-link.js';
import { type GatewaySystem, kernel, startGatewaySystem, storageDirectory, until } from './upstream-system.js';

const GATEWAY = 'gw-1';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A hub (restartable on its port and data directory), what it received, and the leaves' identities. */
interface TestHub {
  hub: Hub;
  service: HubServiceClient;
  readonly port: number;
  /** Telemetry as received, by device: `counter` of the body, the properties and system properties. */
  readonly received: Map<string, { body: string; properties: object; systemProperties: object }[]>;
  readonly identities: Map<string, LeafIdentity>;
  stop(): Promise<void>;
  start(): Promise<void>;
}

async function testHub(leaves: readonly string[]): Promise<TestHub> {
  const dataDir = mkdtempSync(join(tmpdir(), 'os-edge-hub-upstream-'));
  const received = new Map<string, { body: string; properties: object; systemProperties: object }[]>();
  let running: Hub | undefined;
  const launch = async (port: number): Promise<Hub> => {
    const hub = await startHub({ port, httpsPort: 0, dataDir, host: '127.0.0.1' });
    hub.onTelemetry((message) => {
      const list = received.get(message.deviceId) ?? [];
      list.push({
        body: message.body.toString('utf8'),
        properties: { ...message.properties },
        systemProperties: { ...message.systemProperties },
      });
      received.set(message.deviceId, list);
    });
    running = hub;
    return hub;
  };
  const hub = await launch(0);
  const test: TestHub = {
    hub,
    service: new HubServiceClient(hub.serviceConnectionString, hub.ca),
    port: hub.port,
    received,
    identities: new Map(),
    async stop() {
      const hub = running;
      running = undefined;
      await hub?.close();
    },
    async start() {
      test.hub = await launch(test.port);
      test.service = new HubServiceClient(test.hub.serviceConnectionString, test.hub.ca);
    },
  };
  cleanups.push(async () => {
    await test.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await test.service.addDevice(GATEWAY, { edge: true });
  for (const leaf of leaves) {
    const device = (await test.service.addDevice(leaf, { parent: GATEWAY })) as {
      authentication: { symmetricKey: { primaryKey: string; secondaryKey: string } };
    };
    const { primaryKey, secondaryKey } = device.authentication.symmetricKey;
    test.identities.set(leaf, { deviceId: leaf, primaryKey, secondaryKey });
  }
  return test;
}

interface Gateway {
  readonly system: GatewaySystem;
  readonly queue: TelemetryQueue;
  readonly upstream: HubUpstream;
  /** Stops the upstream and the system (once). */
  stop(): Promise<void>;
}

/** The gateway's system with the queue over `directory` and the upstream to the test's hub, started. */
async function gatewayOn(test: TestHub, directory: string, settings: Partial<UpstreamSettings> = {}): Promise<Gateway> {
  const system = await startGatewaySystem({ directory, allow: { host: '127.0.0.1', port: test.port }, sockets: 4 });
  const { parts } = system;
  const queue = await TelemetryQueue.open({
    fs: await parts.openFs(),
    maxBytes: 4 * 1024 * 1024,
    maxAgeMs: 3_600_000,
    now: () => parts.now(),
    log: (line) => parts.log(line),
  });
  const upstream = new HubUpstream({
    queue,
    net: parts.net,
    hub: { hostName: `localhost:${test.port}`, host: '127.0.0.1', port: test.port },
    ca: test.hub.ca,
    alarms: parts.alarms,
    now: () => parts.now(),
    random: Math.random,
    lookup: (deviceId) => test.identities.get(deviceId),
    log: (line) => parts.log(line),
    settings: { maxInFlight: 8, timeoutMs: 5000, backoff: { initialMs: 50, maxMs: 400, jitter: 0.5 }, ...settings },
  });
  await upstream.start();
  let stopped: Promise<void> | undefined;
  const gateway: Gateway = {
    system,
    queue,
    upstream,
    stop: () =>
      (stopped ??= (async () => {
        await upstream.stop();
        await system.stop();
      })()),
  };
  cleanups.push(() => gateway.stop());
  return gateway;
}

function reading(deviceId: string, counter: number): LeafTelemetry {
  return {
    properties: `line=a%20b&counter=${counter}&%24.mid=${deviceId}-${counter}&%24.ct=application%2Fjson`,
    body: new TextEncoder().encode(JSON.stringify({ counter, at: `t${counter}` })),
  };
}

function expectExactly(test: TestHub, deviceId: string, counters: readonly number[]): void {
  const expected = counters.map((counter) => ({
    body: JSON.stringify({ counter, at: `t${counter}` }),
    properties: { line: 'a b', counter: String(counter) },
    systemProperties: { messageId: `${deviceId}-${counter}`, contentType: 'application/json' },
  }));
  expect(test.received.get(deviceId)).toEqual(expected);
}

/** The counters that arrived, each once, in the order they first arrived; and whether any arrived after a newer one. */
function arrivals(test: TestHub, deviceId: string): { firsts: number[]; outOfOrder: boolean } {
  const firsts: number[] = [];
  let outOfOrder = false;
  for (const message of test.received.get(deviceId) ?? []) {
    const { counter } = JSON.parse(message.body) as { counter: number };
    if (firsts.includes(counter)) continue; // sent again after a reconnect: at-least-once
    if (firsts.length > 0 && counter < (firsts.at(-1) as number)) outOfOrder = true;
    firsts.push(counter);
  }
  return { firsts, outOfOrder };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

const events = { message: () => undefined };

describe(`the upstream side against the hub, on ${kernel.name}`, () => {
  it('forwards each leaf as itself: every message arrives exactly as sent, in order per device', async () => {
    const test = await testHub(['robot-1', 'robot-2']);
    const gateway = await gatewayOn(test, storageDirectory());
    const links = ['robot-1', 'robot-2'].map((id) =>
      gateway.upstream.link(test.identities.get(id) as LeafIdentity, events),
    );
    // bursts of concurrent sends, as a leaf with several PUBACKs outstanding makes them
    for (let burst = 0; burst < 5; burst++) {
      await Promise.all(
        links.flatMap((link, index) =>
          range(burst * 10 + 1, burst * 10 + 10).map((counter) => link.send(reading(`robot-${index + 1}`, counter))),
        ),
      );
    }
    await until(() => (test.received.get('robot-2')?.length ?? 0) >= 50, 'robot-2 to arrive');
    await until(() => (test.received.get('robot-1')?.length ?? 0) >= 50, 'robot-1 to arrive');
    await until(() => gateway.upstream.state().get('robot-1')?.forwarded === 50, 'the PUBACKs');
    expectExactly(test, 'robot-1', range(1, 50));
    expectExactly(test, 'robot-2', range(1, 50));
    expect(gateway.upstream.state().get('robot-1')).toEqual({
      forwarded: 50,
      queued: 0,
      dropped: 0,
      upstreamConnected: true,
    });
    // an empty property bag is forwarded as one
    await links[0]?.send({ properties: '', body: new TextEncoder().encode('plain') });
    await until(() => (test.received.get('robot-1')?.length ?? 0) === 51, 'the message without properties');
    expect(test.received.get('robot-1')?.[50]).toEqual({ body: 'plain', properties: {}, systemProperties: {} });
  });

  it('keeps accepting while the hub is down and delivers everything, in order, once it is back', async () => {
    const test = await testHub(['robot-1', 'robot-2']);
    const gateway = await gatewayOn(test, storageDirectory());
    const links = ['robot-1', 'robot-2'].map((id) =>
      gateway.upstream.link(test.identities.get(id) as LeafIdentity, events),
    );
    let counter = 0;
    const sendNext = async (): Promise<void> => {
      counter++;
      await Promise.all(links.map((link, index) => link.send(reading(`robot-${index + 1}`, counter))));
    };
    while (counter < 20) await sendNext();
    await until(() => (test.received.get('robot-1')?.length ?? 0) >= 1, 'the first messages');
    await test.stop();
    await until(() => gateway.upstream.state().get('robot-1')?.upstreamConnected === false, 'the upstream to go down');
    // publishes are not stored: they need the hub
    await expect(links[0]?.publish('$iothub/twin/GET/?$rid=1', new Uint8Array())).rejects.toThrow(UpstreamNotConnected);
    while (counter < 60) await sendNext();
    const queued = gateway.upstream.state().get('robot-2')?.queued ?? 0;
    expect(queued).toBeGreaterThanOrEqual(40);
    await test.start();
    while (counter < 80) await sendNext();
    await until(() => gateway.upstream.state().get('robot-1')?.forwarded === 80, 'robot-1 drained');
    await until(() => gateway.upstream.state().get('robot-2')?.forwarded === 80, 'robot-2 drained');
    for (const deviceId of ['robot-1', 'robot-2']) {
      expect(arrivals(test, deviceId)).toEqual({ firsts: range(1, 80), outOfOrder: false });
    }
    expect(gateway.upstream.state().get('robot-2')).toEqual({
      forwarded: 80,
      queued: 0,
      dropped: 0,
      upstreamConnected: true,
    });
  });

  it('drains a backlog within its bytes in flight, every message once and in order', async () => {
    const test = await testHub(['robot-1']);
    // one message in flight at a time: each read hands out more than may go, the rest is read again
    const gateway = await gatewayOn(test, storageDirectory(), { maxInFlight: 64, maxInFlightBytes: 1 });
    await test.stop();
    const link = gateway.upstream.link(test.identities.get('robot-1') as LeafIdentity, events);
    await Promise.all(range(1, 40).map((counter) => link.send(reading('robot-1', counter))));
    expect(gateway.upstream.state().get('robot-1')?.queued).toBe(40);
    await test.start();
    await until(() => gateway.upstream.state().get('robot-1')?.forwarded === 40, 'robot-1 drained');
    expectExactly(test, 'robot-1', range(1, 40));
  });

  it('delivers what was queued before a restart of the gateway, leaves linked or not', async () => {
    const test = await testHub(['robot-1', 'robot-2']);
    const directory = storageDirectory();
    const first = await gatewayOn(test, directory);
    await test.stop();
    const links = ['robot-1', 'robot-2'].map((id) =>
      first.upstream.link(test.identities.get(id) as LeafIdentity, events),
    );
    for (let counter = 1; counter <= 30; counter++) {
      await Promise.all(links.map((link, index) => link.send(reading(`robot-${index + 1}`, counter))));
    }
    await first.stop();
    await test.start();
    // no leaf links after the restart: the queued messages get their connections all the same
    const second = await gatewayOn(test, directory);
    await until(() => second.upstream.state().get('robot-1')?.forwarded === 30, 'robot-1 drained');
    await until(() => second.upstream.state().get('robot-2')?.forwarded === 30, 'robot-2 drained');
    expectExactly(test, 'robot-1', range(1, 30));
    expectExactly(test, 'robot-2', range(1, 30));
    // drained and not linked: the connections close
    await until(() => second.upstream.state().get('robot-1')?.upstreamConnected === false, 'robot-1 closed');
  });

  it('keeps the messages of a leaf the hub refuses, and delivers them once its key is right again', async () => {
    const test = await testHub(['robot-1']);
    const right = test.identities.get('robot-1') as LeafIdentity;
    const bad = Buffer.from('not a key of robot-1').toString('base64');
    const wrong = { ...right, primaryKey: bad, secondaryKey: bad };
    test.identities.set('robot-1', wrong);
    const gateway = await gatewayOn(test, storageDirectory());
    const link = gateway.upstream.link(wrong, events);
    for (let counter = 1; counter <= 5; counter++) await link.send(reading('robot-1', counter));
    await until(
      () => gateway.system.lines.some((line) => line.includes('cannot connect') && line.includes('CONNACK 5')),
      'the refusal in the LOG',
    );
    expect(gateway.upstream.state().get('robot-1')).toEqual({
      forwarded: 0,
      queued: 5,
      dropped: 0,
      upstreamConnected: false,
    });
    expect(test.received.get('robot-1')).toBeUndefined();
    await expect(link.send({ properties: '', body: new Uint8Array(256 * 1024 + 1) })).rejects.toThrow(
      UpstreamMessageTooLarge,
    );
    // the downstream side fetched the identities again: the next reconnect signs with the right key
    test.identities.set('robot-1', right);
    await until(() => gateway.upstream.state().get('robot-1')?.forwarded === 5, 'the queued messages');
    expectExactly(test, 'robot-1', range(1, 5));
  });

  it('signs with the secondary key when the hub refuses the primary; renews its token by reconnecting', async () => {
    const test = await testHub(['robot-1']);
    const right = test.identities.get('robot-1') as LeafIdentity;
    const stale = { ...right, primaryKey: Buffer.from('an old key of robot-1').toString('base64') };
    test.identities.set('robot-1', stale);
    const gateway = await gatewayOn(test, storageDirectory(), { tokenLifetimeS: 2 });
    const link = gateway.upstream.link(stale, events);
    await link.send(reading('robot-1', 1));
    await until(() => gateway.upstream.state().get('robot-1')?.forwarded === 1, 'the first message');
    const connected = (): number =>
      gateway.system.lines.filter((line) => line.includes('upstream of leaf "robot-1" connected')).length;
    // a token of 2 s is renewed after four fifths of it: the connection is made again, and goes on forwarding
    await until(() => connected() >= 3, 'two renewals');
    await link.send(reading('robot-1', 2));
    await until(() => gateway.upstream.state().get('robot-1')?.forwarded === 2, 'the second message');
    expectExactly(test, 'robot-1', [1, 2]);
  });

  it('hands a direct method down to the leaf and its answer back; after close() the hub answers 404', async () => {
    const test = await testHub(['robot-1']);
    const gateway = await gatewayOn(test, storageDirectory());
    const down: { topic: string; payload: string }[] = [];
    const link: LeafLink = gateway.upstream.link(test.identities.get('robot-1') as LeafIdentity, {
      message: (topic, payload) => down.push({ topic, payload: new TextDecoder().decode(payload) }),
    });
    await link.subscribe('$iothub/methods/POST/#');
    await until(() => gateway.upstream.state().get('robot-1')?.upstreamConnected === true, 'the upstream');
    const invoked = test.service.invokeMethod(
      'robot-1',
      'runWorkflow',
      { name: 'paint' },
      { responseTimeoutInSeconds: 20 },
    );
    await until(() => down.length > 0, 'the method request');
    const request = down[0] as { topic: string; payload: string };
    const match = /^\$iothub\/methods\/POST\/runWorkflow\/\?\$rid=(.+)$/.exec(request.topic);
    expect(match).not.toBeNull();
    expect(JSON.parse(request.payload)).toEqual({ name: 'paint' });
    const answer = JSON.stringify({ workflow: 'paint', id: 'w-1' });
    await link.publish(`$iothub/methods/res/200/?$rid=${match?.[1]}`, new TextEncoder().encode(answer));
    expect(await invoked).toEqual({ status: 200, payload: { workflow: 'paint', id: 'w-1' } });

    await link.close();
    await expect(link.send(reading('robot-1', 1))).rejects.toThrow(UpstreamLinkClosed);
    await until(() => gateway.upstream.state().get('robot-1')?.upstreamConnected === false, 'the upstream to close');
    const refused = await test.service
      .invokeMethod('robot-1', 'runWorkflow', { name: 'paint' }, { responseTimeoutInSeconds: 5 })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(HubRequestError);
    expect((refused as HubRequestError).status).toBe(404);
  });
});

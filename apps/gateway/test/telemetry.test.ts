// The gateway as a transparent gateway (issue 21): robots on Microsoft's device SDK connect to the gateway's edge hub
// with GatewayHostName, their telemetry reaches the hub as their own, kept while the hub is away, and direct methods
// invoked at the hub reach them through the gateway. Hub, depot server, gateway and robots each run in their own
// process on loopback.

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen } from '@os/depot/host';
import { HubServiceClient, readHubState, type TelemetryEvent } from '@os/hub';
import deviceSdk from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as parts from '../demo/parts.mjs';
import { TcpRelay } from './tcp-relay.js';

const GATEWAY = 'gw-leaves';
const work = mkdtempSync(join(tmpdir(), 'os-gateway-leaves-'));
const hubData = join(work, 'hub');
const OS = join(parts.root, 'packages/cli/dist/main.js');
const ROBOTS = join(parts.root, 'apps/robots/robots.mjs');

let hubPorts: { port: number; httpsPort: number };
let hub: { process: ReturnType<typeof parts.processOf>; service: HubServiceClient };
let depotServer: Awaited<ReturnType<typeof parts.startDepotServer>>;
let broker: Awaited<ReturnType<typeof parts.startBroker>>;
let connectionString: string;
/** The gateway reaches the hub through these (MQTT, HTTPS): cutting them takes the hub away from the gateway only. */
let relays: { mqtt: TcpRelay; https: TcpRelay };
let depotPubkey: string;
/** The hub's CA certificate: the same across its restarts (it lies in its data directory). */
let hubCa: string;

/** `os hub start` on the same ports each time, so that a restarted hub is where the gateway and robots look. */
async function startHub(): Promise<typeof hub> {
  const process = parts.processOf([
    OS,
    'hub',
    'start',
    '--port',
    String(hubPorts.port),
    '--https-port',
    String(hubPorts.httpsPort),
    '--data',
    hubData,
  ]);
  await process.line('CA certificate: ');
  const state = readHubState(hubData);
  hubCa = readFileSync(state.caPath, 'utf8');
  return { process, service: new HubServiceClient(state.serviceConnectionString, hubCa) };
}

/** Takes the hub away from the gateway (its connections reset, new ones refused); the hub and the test keep theirs. */
async function hubAway(): Promise<void> {
  await relays.mqtt.cut();
  await relays.https.cut();
}

/** Lets the gateway reach the hub again. */
async function hubBack(): Promise<void> {
  await relays.mqtt.restore();
  await relays.https.restore();
}

/** The telemetry arriving at the hub from now on, gathered until `stop`. */
function monitor(service: HubServiceClient): { events: TelemetryEvent[]; opened: Promise<void>; stop(): void } {
  const events: TelemetryEvent[] = [];
  const controller = new AbortController();
  let opened: () => void = () => undefined;
  const open = new Promise<void>((resolve) => (opened = resolve));
  void (async () => {
    for await (const event of service.monitor({ signal: controller.signal, opened })) events.push(event);
  })().catch(() => undefined);
  return { events, opened: open, stop: () => controller.abort() };
}

/** A gateway with an edge hub in folder `name` (its own storage); `edgeHub` adds to the edge hub's settings. */
async function startGateway(name: string, edgeHub: Record<string, unknown> = {}) {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const port = (edgeHub.port as number | undefined) ?? (await parts.freePort());
  const settings = parts.writeSettings(dir, {
    connectionString: connectionString.replace(`:${hubPorts.port};`, `:${relays.mqtt.port};`),
    ca: hubCa,
    depotUrl: depotServer.url,
    pubkey: depotPubkey,
    storage: join(dir, 'storage'),
    httpPort: await parts.freePort(),
    broker,
    edgeHub: { port, apiPort: relays.https.port, ...edgeHub },
  });
  const gateway = parts.startGateway(settings);
  await gateway.line('[gateway -> edge_hub] listening on port');
  return { gateway, settings, port, ca: join(dir, 'storage/certs/edge-ca.pem') };
}

/**
 * Registers robots `prefix-1` ... `prefix-count` as children of the gateway before it starts, as an operator would:
 * the edge hub fetches its device scope at start (and again for an unknown device only once a second).
 */
async function register(prefix: string, count: number): Promise<void> {
  for (let index = 1; index <= count; index++) await hub.service.addDevice(`${prefix}-${index}`, { parent: GATEWAY });
}

/** The robots app through the gateway on `port`: `count` robots named `prefix-i`, children of the gateway. */
function robots(prefix: string, count: number, rate: number, messages: number, port: number, ca: string) {
  return parts.processOf([
    ROBOTS,
    '--count',
    String(count),
    '--rate',
    String(rate),
    '--messages',
    String(messages),
    '--prefix',
    prefix,
    '--hub-data',
    hubData,
    '--parent',
    GATEWAY,
    '--gateway',
    `localhost:${port}`,
    '--ca',
    ca,
    '--quiet',
  ]);
}

/** The robots' closing JSON line. */
function totals(run: ReturnType<typeof parts.processOf>): { acknowledged: number; failed: number; sent: number } {
  const line = run.stdout.find((text: string) => text.startsWith('{'));
  if (line === undefined) throw new Error(`the robots printed no totals:\n${run.lines.join('\n')}`);
  return JSON.parse(line);
}

/** Each device's readings as the hub got them, in arrival order: seq from the body, checked against the rest. */
function readings(events: readonly TelemetryEvent[], prefix: string): Map<string, number[]> {
  const byDevice = new Map<string, number[]>();
  for (const event of events) {
    if (!event.deviceId.startsWith(`${prefix}-`)) continue;
    const body = JSON.parse(Buffer.from(event.body, 'base64').toString('utf8')) as { robot: string; seq: number };
    // exactly as sent: the body names its robot, the properties and system properties match it
    expect(body.robot).toBe(event.deviceId);
    expect(event.properties).toEqual({ robot: event.deviceId, seq: String(body.seq) });
    expect(event.systemProperties).toMatchObject({
      messageId: `${event.deviceId}-${body.seq}`,
      contentType: 'application/json',
      contentEncoding: 'utf-8',
    });
    byDevice.set(event.deviceId, [...(byDevice.get(event.deviceId) ?? []), body.seq]);
  }
  return byDevice;
}

/**
 * `seqs` as delivered at least once and in order: a reading sent again after a reconnect (from the oldest one the hub
 * did not acknowledge) counts where it came last, and those last arrivals must rise; throws when one does not.
 */
function inOrder(seqs: readonly number[]): number[] {
  const last = new Map<number, number>();
  for (const [index, seq] of seqs.entries()) last.set(seq, index);
  const distinct = seqs.filter((seq, index) => last.get(seq) === index);
  distinct.forEach((seq, index) => {
    if (index > 0)
      expect(seq, `${seq} after ${distinct[index - 1]} in ${seqs.join(',')}`).toBeGreaterThan(
        distinct[index - 1] as number,
      );
  });
  return distinct;
}

/** Polls `read` until `accept` holds (the gateway works on real time). */
async function until<T>(read: () => Promise<T> | T, accept: (value: T) => boolean, what: string): Promise<T> {
  for (let attempt = 0; attempt < 600; attempt++) {
    const value = await read();
    if (accept(value)) return value;
    await new Promise((later) => setTimeout(later, 50));
  }
  const last = await read();
  const shown = last instanceof Map ? [...last].map(([key, value]) => `${key}: ${String(value)}`).join('; ') : last;
  throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(shown)?.slice(0, 2000)}`);
}

type LeafState = { forwarded: number; queued: number; dropped: number; upstreamConnected: boolean };

/** The gateway twin's reported `dynamic.telemetry.leaves`. */
async function reportedLeaves(): Promise<Record<string, LeafState>> {
  const twin = (await hub.service.getTwin(GATEWAY)) as {
    properties: { reported: { dynamic?: { telemetry?: { leaves?: Record<string, LeafState> } } } };
  };
  return twin.properties.reported.dynamic?.telemetry?.leaves ?? {};
}

beforeAll(async () => {
  hubPorts = { port: await parts.freePort(), httpsPort: await parts.freePort() };
  hub = await startHub();
  const depot = join(work, 'depot');
  keygen('gapstage', { depot, key: join(work, 'gapstage.key') });
  depotPubkey = join(depot, 'gapstage/pubkey');
  depotServer = await parts.startDepotServer(depot);
  broker = await parts.startBroker();
  connectionString = (await parts.osCommand(['hub', 'device', 'add', GATEWAY, '--edge', '--data', hubData])).trim();
  relays = { mqtt: await TcpRelay.start(hubPorts.port), https: await TcpRelay.start(hubPorts.httpsPort) };
}, 60_000);

afterAll(async () => {
  await relays?.mqtt.cut();
  await relays?.https.cut();
  await hub?.process.stop();
  await depotServer?.process.stop();
  await broker?.close();
  rmSync(work, { recursive: true, force: true });
});

describe(`leaf devices through the gateway, on ${process.env.OS_KERNEL ?? 'hw'}`, () => {
  it('forwards 10 robots’ readings exactly and in order, answers runWorkflow through it, reports counts', async () => {
    await register('ten', 10);
    const { gateway, port, ca } = await startGateway('ten');
    const watch = monitor(hub.service);
    await watch.opened;
    const run = robots('ten', 10, 10, 30, port, ca);
    // a direct method invoked at the hub reaches a robot through the gateway, and its answer comes back
    await until(
      () => watch.events.filter((event) => event.deviceId === 'ten-3').length,
      (count) => count > 0,
      'ten-3 to send',
    );
    const answer = (await hub.service.invokeMethod(
      'ten-3',
      'runWorkflow',
      { workflow: 'weld-seam' },
      { responseTimeoutInSeconds: 10 },
    )) as { status: number; payload: { workflow: string; robot: string; id: string } };
    expect(answer.status).toBe(200);
    expect(answer.payload).toMatchObject({ workflow: 'weld-seam', robot: 'ten-3' });
    expect(await run.exited).toBe(0);
    expect(totals(run)).toMatchObject({ sent: 300, acknowledged: 300, failed: 0 });
    const arrived = await until(
      () => readings(watch.events, 'ten'),
      (byDevice) => [...byDevice.values()].reduce((sum, seqs) => sum + new Set(seqs).size, 0) === 300,
      'all 300 readings at the hub',
    );
    watch.stop();
    expect([...arrived.keys()].sort()).toEqual(Array.from({ length: 10 }, (_, index) => `ten-${index + 1}`).sort());
    for (const seqs of arrived.values()) expect(inOrder(seqs)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    // the robot left: its upstream connection closed, so the hub answers 404 for it, within the timeout
    await until(reportedLeaves, (leaves) => leaves['ten-3']?.upstreamConnected === false, 'ten-3 to leave');
    await expect(
      hub.service.invokeMethod('ten-3', 'runWorkflow', { workflow: 'x' }, { responseTimeoutInSeconds: 5 }),
    ).rejects.toThrow(/404/);
    const leaves = await until(
      reportedLeaves,
      (state) => Object.values(state).filter((leaf) => leaf.forwarded === 30).length === 10,
      'the reported counts',
    );
    expect(leaves['ten-1']).toEqual({
      forwarded: 30,
      queued: 0,
      dropped: 0,
      upstreamConnected: false,
      connected: false,
    });
    await gateway.stop();
  });

  it('passes a leaf’s own twin both ways: the SDK reads it, reports, and gets a desired patch', async () => {
    await register('twin', 1);
    const { gateway, port, ca } = await startGateway('twin');
    const device = (await hub.service.getDevice('twin-1')) as {
      authentication: { symmetricKey: { primaryKey: string } };
    };
    const hostName = readHubState(hubData).deviceEndpoint.replace('mqtts://', '');
    const leaf = deviceSdk.Client.fromConnectionString(
      `HostName=${hostName};DeviceId=twin-1;SharedAccessKey=${device.authentication.symmetricKey.primaryKey};` +
        `GatewayHostName=localhost:${port}`,
      mqttTransport.Mqtt,
    );
    await leaf.setOptions({ ca: readFileSync(ca, 'utf8') });
    await leaf.open();
    try {
      await hub.service.patchDesired('twin-1', { line: 'A' });
      const twin = await leaf.getTwin();
      expect(twin.properties.desired['line']).toBe('A');
      await new Promise<void>((done, failed) =>
        twin.properties.reported.update({ firmware: '2.1' }, (error?: Error) => (error ? failed(error) : done())),
      );
      const reported = (await hub.service.getTwin('twin-1')) as { properties: { reported: { firmware?: string } } };
      expect(reported.properties.reported.firmware).toBe('2.1');
      // the SDK subscribes to desired patches for its first handler, then calls it with the whole desired section
      const desired: { line?: string }[] = [];
      twin.on('properties.desired', (patch: { line?: string }) => desired.push(patch));
      await until(
        () => desired.length,
        (count) => count > 0,
        'the desired section at the leaf',
      );
      await hub.service.patchDesired('twin-1', { line: 'B' });
      // the patch comes down through the gateway
      await until(
        () => twin.properties.desired['line'],
        (line) => line === 'B',
        'line B at the leaf',
      );
    } finally {
      await leaf.close();
      await gateway.stop();
    }
  }, 120_000);

  it('keeps readings while the hub is away, across a gateway restart, and delivers them in order after', async () => {
    await register('out', 3);
    const first = await startGateway('outage');
    const watch = monitor(hub.service);
    await watch.opened;
    const run = robots('out', 3, 20, 40, first.port, first.ca);
    await until(
      () => watch.events.length,
      (count) => count >= 10,
      'readings before the outage',
    );
    await hubAway();
    // the robots go on and finish: the gateway acknowledges and stores what it cannot forward
    expect(await run.exited).toBe(0);
    expect(totals(run)).toMatchObject({ sent: 120, acknowledged: 120, failed: 0 });
    // the gateway restarts in the middle of the outage, with the same storage
    await first.gateway.stop();
    const second = await startGateway('outage', { port: first.port });
    await second.gateway.line('leaves with queued messages');
    await hubBack();
    const arrived = await until(
      () => readings(watch.events, 'out'),
      (byDevice) => [...byDevice.values()].reduce((sum, seqs) => sum + new Set(seqs).size, 0) === 120,
      'the 120 acknowledged readings at the hub',
    );
    watch.stop();
    // every reading acknowledged to a robot arrived, in order per robot (a repeat after a reconnect counts last)
    expect([...arrived.keys()].sort()).toEqual(['out-1', 'out-2', 'out-3']);
    for (const seqs of arrived.values()) expect(inOrder(seqs)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    await second.gateway.stop();
  }, 120_000);

  it('drops the oldest readings over the queue’s bound while the hub is away, and reports how many', async () => {
    await register('bound', 1);
    const { gateway, port, ca } = await startGateway('bound', { maxBytes: '64K', leafRate: 2000 });
    // the robot registers and connects while the hub is up, then the hub goes away
    const run = robots('bound', 1, 400, 1200, port, ca);
    const connected = (line: string) => line.includes('upstream of leaf "bound-1" connected');
    await until(() => gateway.lines.some(connected), Boolean, 'bound-1 connected upstream');
    const watch = monitor(hub.service);
    await watch.opened;
    await hubAway();
    expect(await run.exited).toBe(0);
    expect(totals(run)).toMatchObject({ sent: 1200, acknowledged: 1200 });
    await hubBack();
    const leaves = await until(
      reportedLeaves,
      (state) => state['bound-1'] !== undefined && state['bound-1'].queued === 0 && state['bound-1'].dropped > 0,
      'bound-1 drained with drops counted',
    );
    const state = leaves['bound-1'] as LeafState;
    expect(state.forwarded + state.dropped).toBeGreaterThanOrEqual(1200);
    const seqs = inOrder(readings(watch.events, 'bound').get('bound-1') ?? []);
    // what arrived after the outage is the newest: the oldest were dropped
    expect(seqs.at(-1)).toBe(1200);
    expect(seqs.length).toBeLessThan(1200);
    watch.stop();
    await gateway.stop();
  }, 120_000);
});

// The gateway end to end: a hub, a depot server and the gateway, each in its own process on loopback (the demo's
// parts), driven through the hub's service API as an operator would, and read back from the twin's reported state.

import { generateKeyPairSync, sign } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packArchive, readPrivateKey, signBytes } from '@os/depot';
import { publish } from '@os/depot/host';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as parts from '../demo/parts.mjs';

const DEVICE = 'gw-e2e';
const work = mkdtempSync(join(tmpdir(), 'os-gateway-e2e-'));
let hub: Awaited<ReturnType<typeof parts.startHub>>;
let broker: Awaited<ReturnType<typeof parts.startBroker>>;
let depot: Awaited<ReturnType<typeof parts.makeDepot>>;
let server: Awaited<ReturnType<typeof parts.startDepotServer>>;
let settings: string;
let gateway: ReturnType<typeof parts.startGateway>;
let httpPort: number;
let secondPort: number;

type Reported = {
  desiredVersion: number;
  status: string;
  reason?: string;
  components: Record<string, { pkg: string; state: string; reason?: string; restarts: number }>;
};

const entry = (name: string, pkg?: string, config?: string) => ({
  start: { name, ...(pkg === undefined ? {} : { pkg }), ...(config === undefined ? {} : { config }) },
});
const HTTP = entry('http_server', 'gapstage/pkg/http_server/2023-01-01');
const BRIDGE = entry('mqtt_bridge', 'gapstage/pkg/mqtt_bridge/2023-02-01');

/** Patches desired.dynamic.deploy and waits until the reported state reflects that version and `accept` holds. */
async function deploy(list: unknown[], accept: (reported: Reported) => boolean): Promise<Reported> {
  const patched = await hub.service.patchDesired(DEVICE, { dynamic: { deploy: list } } as never);
  const version = (patched.properties as { desired: { $version: number } }).desired.$version;
  return (await parts.waitForReported<Reported>(
    hub.service,
    DEVICE,
    (reported: Reported) => reported.desiredVersion === version && accept(reported),
    { gateway },
  )) as Reported;
}

const settled = (reported: Reported) => reported.status !== 'deploying';

/** Stops the depot server: whatever converges now came from the gateway's local depot. */
async function stopDepot(): Promise<void> {
  await server.process.stop();
}

/** Starts the depot server again on its port. */
async function startDepot(): Promise<void> {
  server = await parts.startDepotServer(depot.depot, new URL(server.url).port);
}

/** LOG lines of the gateway that contain `text`. */
const logged = (text: string) => gateway.lines.filter((line: string) => line.includes(text));

/** Publishes a copy of http_server as `gapstage/pkg/<name>/1`, with `runtime` as its runtime file. */
async function publishVariant(name: string, runtime: string): Promise<void> {
  const folder = join(work, 'variants', name);
  mkdirSync(folder, { recursive: true });
  cpSync(join(parts.root, 'apps/gateway-packages/http_server'), folder, {
    recursive: true,
    filter: (path: string) => !path.includes('node_modules') && !path.includes('/test'),
  });
  writeFileSync(join(folder, 'runtime'), runtime);
  await publish(folder, { user: 'gapstage', version: '1', depot: depot.depot, key: depot.key, name });
}

const httpRuntime = (name: string, ram: string, port: number) => `<runtime ram="${ram}" caps="100" binary="${name}">
  <requires> <log/> <timer/> <nic/> <rom label="config"/> </requires>
  <config port="${port}"/>
</runtime>
`;

beforeAll(async () => {
  hub = await parts.startHub(join(work, 'hub'));
  broker = await parts.startBroker();
  httpPort = await parts.freePort();
  secondPort = await parts.freePort();
  depot = await parts.makeDepot(join(work, 'depot'), { httpPort, broker });
  // the bad packages of the refusal test, published beside the good ones and then spoilt
  const other = await parts.freePort();
  await publishVariant('missing', httpRuntime('missing', '4M', other));
  rmSync(join(depot.depot, 'gapstage/bin/js/missing/1.tar.gz'));
  await publishVariant('corrupt', httpRuntime('corrupt', '4M', other));
  const corrupt = join(depot.depot, 'gapstage/bin/js/corrupt/1.tar.gz');
  const bytes = readFileSync(corrupt);
  bytes.writeUInt8((bytes.readUInt8(bytes.length >> 1) ^ 0x40) & 0xff, bytes.length >> 1);
  writeFileSync(corrupt, bytes);
  await publishVariant('forged', httpRuntime('forged', '4M', other));
  const forger = generateKeyPairSync('ed25519').privateKey;
  const forged = join(depot.depot, 'gapstage/bin/js/forged/1.tar.gz');
  writeFileSync(`${forged}.sig`, sign(null, readFileSync(forged), forger));
  await publishVariant('greedy', httpRuntime('greedy', '900M', other));
  await publishVariant('garbled', httpRuntime('garbled', '4M', other));
  const garbled = await packArchive(
    '1',
    new Map([
      ['archives', new TextEncoder().encode('gapstage/bin/js/garbled/1\n')],
      ['runtime', new TextEncoder().encode('<runtime ram="4M" caps="100" binary="garbled">\n  <requires>\n')],
    ]),
  );
  writeFileSync(join(depot.depot, 'gapstage/pkg/garbled/1.tar.gz'), garbled);
  writeFileSync(
    join(depot.depot, 'gapstage/pkg/garbled/1.tar.gz.sig'),
    signBytes(garbled, readPrivateKey(readFileSync(depot.key, 'utf8'), depot.key)),
  );

  server = await parts.startDepotServer(depot.depot);
  const connectionString = (
    await parts.osCommand(['hub', 'device', 'add', DEVICE, '--data', join(work, 'hub')])
  ).trim();
  settings = parts.writeSettings(work, {
    connectionString,
    ca: hub.ca,
    depotUrl: server.url,
    pubkey: depot.pubkey,
    storage: join(work, 'gateway'),
    httpPort,
    broker,
    network: { second: { listen: [secondPort] } },
  });
  gateway = parts.startGateway(settings);
  await gateway.line('[gateway -> twin] connected');
}, 120_000);

afterAll(async () => {
  await gateway?.stop();
  await server?.process.stop();
  await hub?.process.stop();
  await broker?.close();
  rmSync(work, { recursive: true, force: true });
});

describe('the gateway, with a hub and a depot server in processes of their own', () => {
  it("converges on the seed's Figure 7: both components downloaded, verified and running", async () => {
    const reported = await deploy(parts.FIGURE_7.dynamic.deploy, settled);
    expect(reported).toEqual({
      desiredVersion: reported.desiredVersion,
      status: 'converged',
      components: {
        http_server: { pkg: 'gapstage/pkg/http_server/2023-01-01', state: 'running', restarts: 0 },
        mqtt_bridge: { pkg: 'gapstage/pkg/mqtt_bridge/2023-02-01', state: 'running', restarts: 0 },
      },
    });
    const page = await (await fetch(`http://127.0.0.1:${httpPort}/`)).text();
    expect(page).toContain('component <b>http_server</b>');
  }, 60_000);

  it('adds, removes and keeps: the kept component never restarts', async () => {
    const before = logged('[gateway -> runtime -> http_server] listening on').length;
    const served = Number(
      /request (\d+) since it started/.exec(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text())?.[1],
    );
    const second = entry('second', 'gapstage/pkg/http_server/2023-01-01', `<config port="${secondPort}"/>`);
    const reported = await deploy([HTTP, second], settled);
    expect(reported.status).toBe('converged');
    expect(Object.keys(reported.components).sort()).toEqual(['http_server', 'second']);
    expect(reported.components.http_server).toEqual({
      pkg: 'gapstage/pkg/http_server/2023-01-01',
      state: 'running',
      restarts: 0,
    });
    expect(reported.components.second?.state).toBe('running');
    expect(await (await fetch(`http://127.0.0.1:${secondPort}/`)).text()).toContain('component <b>second</b>');
    // mqtt_bridge stopped; http_server logged its start once, and serves on
    expect(logged('[gateway -> runtime -> http_server] listening on')).toHaveLength(before);
    // the same instance serves on: its request count goes on from where it was
    expect(await (await fetch(`http://127.0.0.1:${httpPort}/`)).text()).toContain(
      `request ${served + 1} since it started`,
    );
  }, 60_000);

  it('removes all, then redeploys from the local depot without downloading again', async () => {
    const emptied = await deploy([], settled);
    expect(emptied).toEqual({ desiredVersion: emptied.desiredVersion, status: 'converged', components: {} });
    await expect(fetch(`http://127.0.0.1:${httpPort}/`)).rejects.toThrow();
    await stopDepot();
    const again = await deploy([HTTP, BRIDGE], settled);
    expect(again.status, JSON.stringify(again)).toBe('converged');
    expect((await fetch(`http://127.0.0.1:${httpPort}/`)).status).toBe(200);
    await startDepot();
  }, 60_000);

  it('shows each bad entry failed with its reason and changes nothing that runs', async () => {
    const startsBefore = logged('[gateway -> runtime -> http_server] listening on').length;
    const reported = await deploy(
      [
        HTTP,
        BRIDGE,
        entry('nopkg'),
        entry('malformed', 'gapstage/pkg/../evil/1'),
        entry('stranger', 'mallory/pkg/http_server/1'),
        entry('missing', 'gapstage/pkg/missing/1'),
        entry('corrupt', 'gapstage/pkg/corrupt/1'),
        entry('forged', 'gapstage/pkg/forged/1'),
        entry('greedy', 'gapstage/pkg/greedy/1'),
        entry('garbled', 'gapstage/pkg/garbled/1'),
      ],
      settled,
    );
    expect(reported.status).toBe('failed');
    expect(reported.components.http_server?.state).toBe('running');
    expect(reported.components.mqtt_bridge?.state).toBe('running');
    const reasons = Object.fromEntries(
      Object.entries(reported.components)
        .filter(([, component]) => component.state === 'failed')
        .map(([name, component]) => [name, component.reason]),
    );
    expect(Object.keys(reasons).sort()).toEqual(
      ['corrupt', 'forged', 'garbled', 'greedy', 'malformed', 'missing', 'nopkg', 'stranger'].sort(),
    );
    expect(reasons.nopkg).toMatch(/pkg/);
    expect(reasons.malformed).toMatch(/gapstage\/pkg\/\.\.\/evil\/1/);
    expect(reasons.stranger).toMatch(/user "mallory" is not trusted/);
    expect(reasons.missing).toMatch(/404|missing/i);
    expect(reasons.corrupt).toMatch(/signature|corrupt/i);
    expect(reasons.forged).toMatch(/signature/i);
    expect(reasons.greedy).toMatch(/900M|RAM/);
    expect(reasons.garbled).toMatch(/runtime/);
    expect(logged('[gateway -> runtime -> http_server] listening on')).toHaveLength(startsBefore);
  }, 90_000);

  it('refuses a desired document over 32 KB at the hub, and what runs stays', async () => {
    const before = (await parts.deployState(hub.service, DEVICE)).reported as Reported;
    const big = Array.from({ length: 620 }, (_, index) => entry(`c${index}`, 'gapstage/pkg/http_server/2023-01-01'));
    await expect(hub.service.patchDesired(DEVICE, { dynamic: { deploy: big } } as never)).rejects.toThrow(/400|32/);
    const after = (await parts.deployState(hub.service, DEVICE)).reported as Reported;
    // the same desired version, and what ran runs on, not restarted (a failed entry's download is tried again
    // meanwhile, so its state may be between two tries)
    const running = (state: Reported) =>
      Object.entries(state.components).filter(([, component]) => component.state === 'running');
    expect(after.desiredVersion).toBe(before.desiredVersion);
    expect(running(before).length).toBeGreaterThan(0);
    expect(running(after)).toEqual(running(before));
  }, 30_000);

  it('comes back after a restart to the desired state from its local depot, downloading nothing', async () => {
    const desired = await deploy([HTTP, BRIDGE], settled);
    expect(desired.status, JSON.stringify(desired)).toBe('converged');
    await gateway.stop();
    await stopDepot();
    gateway = parts.startGateway(settings);
    const reported = await parts.waitForReported<Reported>(
      hub.service,
      DEVICE,
      (state: Reported) =>
        state.status === 'converged' &&
        logged('[gateway -> runtime -> mqtt_bridge]').length > 0 &&
        state.components.http_server?.state === 'running',
      { gateway },
    );
    expect(Object.keys(reported.components).sort()).toEqual(['http_server', 'mqtt_bridge']);
    expect((await fetch(`http://127.0.0.1:${httpPort}/`)).status).toBe(200);
    await startDepot();
  }, 60_000);

  it('refuses a component the network policy does not name', async () => {
    const port = await parts.freePort();
    const reported = await deploy(
      [HTTP, BRIDGE, entry('unlisted', 'gapstage/pkg/http_server/2023-01-01', `<config port="${port}"/>`)],
      (state) => state.components.unlisted !== undefined && state.components.unlisted.state !== 'starting',
    );
    expect(reported.components.unlisted?.state).not.toBe('running');
    await gateway.line(/\[gateway -> net\].*unlisted/);
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  }, 60_000);
});

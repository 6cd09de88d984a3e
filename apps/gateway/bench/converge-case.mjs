// The gateway's convergence, measured as an operator sees it: from a twin patch through the hub's service API until
// the twin's reported state says `converged` for that version. A hub and a depot server run in processes of their
// own; each round of a cold case starts a gateway with empty storage (not timed), so every pkg is downloaded and
// verified on the way; the warm case keeps one gateway and switches between lists whose pkgs are in its local depot.
// The twin is read every 10 ms: faster polling takes CPU from the gateway on 2 cores.
// Prints one JSON line: the cases with their samples (ns), and the RSS of the hub and the gateway.
//
//   node apps/gateway/bench/converge-case.mjs [rounds]

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen, publish } from '@os/depot/host';
import {
  freePort,
  osCommand,
  startBroker,
  startDepotServer,
  startGateway,
  startHub,
  waitForReported,
  writeSettings,
} from '../demo/parts.mjs';

const rounds = Number(process.argv[2] ?? 20);
const work = mkdtempSync(join(tmpdir(), 'os-gateway-bench-'));
const DEVICE = 'bench';
const PKGS = 100;

/** The RSS of process `pid` in bytes (Linux). */
function rss(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((text) => text.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? 0) * 1024;
}

// a depot of PKGS small components (each logs once and stays), signed
const depot = join(work, 'depot');
const key = join(work, 'gapstage.key');
keygen('gapstage', { depot, key });
for (let index = 0; index < PKGS; index++) {
  const folder = join(work, 'src', `idle${index}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(
    join(folder, 'package.json'),
    JSON.stringify({
      name: `idle${index}`,
      type: 'module',
      exports: { '.': './idle.mjs' },
      osComponent: { wire: 1, requires: ['LOG'], ram: '256K', caps: 40 },
    }),
  );
  writeFileSync(join(folder, 'idle.mjs'), "export async function construct(env) { await env.log('up'); }\n");
  await publish(folder, { user: 'gapstage', version: '1', depot, key });
}

const hub = await startHub(join(work, 'hub'));
const server = await startDepotServer(depot);
const broker = await startBroker();
const connectionString = (await osCommand(['hub', 'device', 'add', DEVICE, '--data', join(work, 'hub')])).trim();
let storage = 0;

/** A gateway on fresh storage, connected; its settings give the runtime room for 100 components. */
async function freshGateway() {
  const dir = join(work, `gateway${storage++}`);
  mkdirSync(dir);
  const settings = writeSettings(dir, {
    connectionString,
    ca: hub.ca,
    depotUrl: server.url,
    pubkey: join(depot, 'gapstage/pubkey'),
    storage: join(dir, 'storage'),
    httpPort: await freePort(),
    broker,
  });
  const runtime = JSON.parse(readFileSync(settings, 'utf8'));
  runtime.runtime = { ram: '96M', caps: 8000 };
  writeFileSync(settings, JSON.stringify(runtime));
  const gateway = startGateway(settings);
  await gateway.line('[gateway -> twin] connected');
  return gateway;
}

/** Patches desired with `names` (entry name -> pkg index) and resolves with the ns until reported converged. */
async function converge(entries, gateway) {
  const deploy = entries.map(([name, index]) => ({ start: { name, pkg: `gapstage/pkg/idle${index}/1` } }));
  const started = process.hrtime.bigint();
  const patched = await hub.service.patchDesired(DEVICE, { dynamic: { deploy } });
  const version = patched.properties.desired.$version;
  await waitForReported(
    hub.service,
    DEVICE,
    (reported) =>
      reported.desiredVersion === version &&
      reported.status === 'converged' &&
      Object.keys(reported.components).length === entries.length,
    { intervalMs: 10, gateway },
  );
  return Number(process.hrtime.bigint() - started);
}

const cases = {};
let gatewayRss = 0;
for (const size of [10, 100]) {
  const samples = [];
  for (let round = 0; round < rounds; round++) {
    const gateway = await freshGateway();
    await converge([], gateway);
    samples.push(
      await converge(
        Array.from({ length: size }, (_, index) => [`c${index}`, index]),
        gateway,
      ),
    );
    gatewayRss = Math.max(gatewayRss, rss(gateway.child.pid));
    await gateway.stop();
  }
  cases[`gateway.converge.${size}.cold`] = samples;
}
{
  // warm: the first list downloads everything once (untimed); the rounds switch between two lists of the same pkgs
  const gateway = await freshGateway();
  await converge(
    Array.from({ length: 10 }, (_, index) => [`w${index}`, index]),
    gateway,
  );
  const samples = [];
  for (let round = 0; round < rounds; round++)
    samples.push(
      await converge(
        Array.from({ length: 10 }, (_, index) => [`r${round}_${index}`, index]),
        gateway,
      ),
    );
  cases['gateway.converge.10.warm'] = samples;
  gatewayRss = Math.max(gatewayRss, rss(gateway.child.pid));
  await gateway.stop();
}
const hubRss = rss(hub.process.child.pid);
await server.process.stop();
await hub.process.stop();
await broker.close();
rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify({ cases, rss: { hub: hubRss, gateway: gatewayRss } }));

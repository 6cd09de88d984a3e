// Leaf telemetry and direct methods, straight to the hub and through the gateway, measured as an operator sees them:
// the robots (Microsoft's device SDK, apps/robots) in a process of their own, the hub and the gateway in theirs, the
// arrivals read from the hub's telemetry stream (what `os hub monitor` prints). In one run, with the same robots:
// - throughput at saturation: ROBOTS robots each send SATURATION readings as fast as the SDK lets them; readings per
//   second from the robots' start until the last one arrived at the hub;
// - latency at a moderate rate (ROBOTS robots at RATE/s each): from a reading's timestamp (set by the robot when it
//   made the reading, ms) to its arrival in the hub's telemetry stream;
// - a direct method (`runWorkflow`) invoked through the hub's service API until the robot's answer came back.
// Prints one JSON line: per case its samples (ns) and, for the throughput, messages per second.
//
//   node apps/gateway/bench/telemetry-case.mjs [scale]      (scale 1: the full run; 0.2: a quick one)

import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen } from '@os/depot/host';
import {
  freePort,
  osCommand,
  processOf,
  root,
  startBroker,
  startDepotServer,
  startGateway,
  startHub,
  writeSettings,
} from '../demo/parts.mjs';

const scale = Number(process.argv[2] ?? 1);
const ROBOTS = 10;
const SATURATION = Math.max(50, Math.round(300 * scale));
const RATE = 10;
const LATENCY_SECONDS = Math.max(2, Math.round(6 * scale));
const METHOD_CALLS = Math.max(10, Math.round(50 * scale));
const GATEWAY = 'bench-gw';

const work = mkdtempSync(join(tmpdir(), 'os-telemetry-bench-'));
const hubData = join(work, 'hub');
const hub = await startHub(hubData);
const depot = join(work, 'depot');
keygen('gapstage', { depot, key: join(work, 'gapstage.key') });
const server = await startDepotServer(depot);
const broker = await startBroker();
const connectionString = (await osCommand(['hub', 'device', 'add', GATEWAY, '--edge', '--data', hubData])).trim();
for (const prefix of ['direct', 'through'])
  for (let index = 1; index <= ROBOTS; index++)
    await hub.service.addDevice(`${prefix}-${index}`, prefix === 'through' ? { parent: GATEWAY } : {});
const edgePort = await freePort();
const dir = join(work, 'gateway');
mkdirSync(dir);
const settings = writeSettings(dir, {
  connectionString,
  ca: hub.ca,
  depotUrl: server.url,
  pubkey: join(depot, 'gapstage/pubkey'),
  storage: join(dir, 'storage'),
  httpPort: await freePort(),
  broker,
  // the bench measures the path, not the flood limit
  edgeHub: { port: edgePort, apiPort: hub.state.httpsPort, leafRate: 100_000 },
});
const gateway = startGateway(settings);
await gateway.line('[gateway -> edge_hub] listening on port');
const edgeCa = join(dir, 'storage/certs/edge-ca.pem');

/** Every telemetry event from now on, with the bench's clock at its arrival (ms since the epoch). */
const arrivals = [];
const monitoring = new AbortController();
let opened;
const open = new Promise((resolve) => (opened = resolve));
void (async () => {
  for await (const event of hub.service.monitor({ signal: monitoring.signal, opened }))
    arrivals.push({ at: Date.now(), now: process.hrtime.bigint(), event });
})().catch(() => undefined);
await open;

/** The robots app: `prefix-1` ... `prefix-ROBOTS`, directly to the hub or through the gateway. */
function robots(prefix, rate, messages) {
  const through = prefix === 'through' ? ['--gateway', `localhost:${edgePort}`, '--ca', edgeCa] : [];
  return processOf([
    join(root, 'apps/robots/robots.mjs'),
    ...['--count', String(ROBOTS), '--rate', String(rate), '--messages', String(messages), '--prefix', prefix],
    ...['--hub-data', hubData, '--max-in-flight', '1000', '--quiet', ...through],
  ]);
}

async function until(test, what) {
  for (let waited = 0; waited < 120_000; waited += 20) {
    if (test()) return;
    await new Promise((later) => setTimeout(later, 20));
  }
  throw new Error(`telemetry bench: timed out waiting for ${what}`);
}

const mine = (prefix) => arrivals.filter((arrival) => arrival.event.deviceId.startsWith(`${prefix}-`));

/** Readings per second at saturation: from the robots' connect until the last reading arrived at the hub. */
async function throughput(prefix) {
  arrivals.length = 0;
  const run = robots(prefix, 1000, SATURATION);
  await run.line(' connected to ');
  const started = process.hrtime.bigint();
  const total = ROBOTS * SATURATION;
  await until(() => mine(prefix).length >= total, `${total} readings of ${prefix}`);
  const ns = Number(mine(prefix).at(-1).now - started);
  await run.exited;
  arrivals.length = 0;
  return total / (ns / 1e9);
}

/** Per reading at RATE/s: arrival at the hub minus the reading's own timestamp, in ns (ms resolution). */
async function latency(prefix) {
  arrivals.length = 0;
  const run = robots(prefix, RATE, RATE * LATENCY_SECONDS);
  await run.exited;
  const total = ROBOTS * RATE * LATENCY_SECONDS;
  await until(() => mine(prefix).length >= total, `${total} readings of ${prefix}`);
  const samples = mine(prefix).map(({ at, event }) => {
    const body = JSON.parse(Buffer.from(event.body, 'base64').toString('utf8'));
    return (at - Date.parse(body.timestamp)) * 1e6;
  });
  arrivals.length = 0;
  return samples;
}

/** `runWorkflow` on `prefix-1`, one invocation after the other, while its robots send at a low rate. */
async function methods(prefix) {
  const run = robots(prefix, 1, 10_000);
  await run.line(' connected to ');
  // the SDK subscribes to methods just after it connects
  await new Promise((later) => setTimeout(later, 1000));
  const samples = [];
  for (let call = 0; call < METHOD_CALLS; call++) {
    const started = process.hrtime.bigint();
    const answer = await hub.service.invokeMethod(
      `${prefix}-1`,
      'runWorkflow',
      { workflow: `w${call}` },
      {
        responseTimeoutInSeconds: 10,
      },
    );
    if (answer.status !== 200) throw new Error(`runWorkflow answered ${answer.status}`);
    samples.push(Number(process.hrtime.bigint() - started));
  }
  await run.stop();
  arrivals.length = 0;
  return samples;
}

const cases = {};
for (const prefix of ['direct', 'through']) {
  const perSecond = await throughput(prefix);
  cases[`gateway.telemetry.${prefix}`] = { perSecond, samples: await latency(prefix) };
}
cases['gateway.method.direct'] = { samples: await methods('direct') };
cases['gateway.method.through'] = { samples: await methods('through') };

monitoring.abort();
const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
const gatewayRss = rss(gateway.child.pid);
await gateway.stop();
await server.process.stop();
await hub.process.stop();
await broker.close();
rmSync(work, { recursive: true, force: true });
console.log(JSON.stringify({ cases, rss: { gateway: gatewayRss } }));

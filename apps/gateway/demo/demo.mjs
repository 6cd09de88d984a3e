// pnpm demo:gateway: the seed's Figure 7 end to end on loopback. It starts a hub (`os hub start`), a depot server
// (`os depot serve`) holding http_server and mqtt_bridge signed by gapstage, an MQTT broker for mqtt_bridge, and the
// gateway (`os run apps/gateway`), each but the broker in its own process; registers the gateway's device, patches its
// twin with Figure 7's document, waits until the reported state is converged with both components running, fetches a
// page from http_server, sends a message through mqtt_bridge; then three robots (Microsoft's device SDK, children of
// the gateway) send readings through the gateway's edge hub to the hub, and a runWorkflow invoked at the hub is
// answered by a robot through the gateway. It prints the reported state and exits 0. With --keep it leaves everything
// running (Ctrl-C ends it) and prints how to reach each part.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import {
  BRIDGED,
  FIGURE_7,
  convergedWith,
  freePort,
  makeDepot,
  osCommand,
  processOf,
  root,
  startBroker,
  startDepotServer,
  startGateway,
  startHub,
  waitForReported,
  writeSettings,
} from './parts.mjs';

const keep = process.argv.includes('--keep');
const unknown = process.argv.slice(2).filter((argument) => argument !== '--keep');
if (unknown.length > 0) {
  process.stderr.write(`demo:gateway: unknown argument ${unknown[0]} (the only one is --keep)\n`);
  process.exit(1);
}
const DEVICE = 'gateway-1';
const TIMEOUT_MS = 60_000;
const say = (line) => process.stdout.write(`${line}\n`);
const work = mkdtempSync(join(tmpdir(), 'os-gateway-demo-'));
const running = [];

async function stopAll() {
  for (const part of running.reverse()) await part.stop().catch(() => undefined);
  if (!keep) rmSync(work, { recursive: true, force: true });
}

/** Rejects after `ms` with `what`, so a demo that cannot converge ends with a reason instead of hanging. */
function deadline(ms, what) {
  return new Promise((_, fail) => setTimeout(() => fail(new Error(what)), ms).unref());
}

try {
  const hub = await startHub(join(work, 'hub'));
  running.push(hub.process);
  say(`hub: ${hub.state.deviceEndpoint} (service API on https://localhost:${hub.state.httpsPort})`);

  const broker = await startBroker();
  running.push({ stop: () => broker.close() });
  say(`broker: mqtt://${broker.host}:${broker.port}`);

  const httpPort = await freePort();
  const depot = await makeDepot(join(work, 'depot'), { httpPort, broker });
  for (const result of depot.published) for (const archive of result.archives) say(`publish ${archive}`);
  const server = await startDepotServer(depot.depot);
  running.push(server.process);
  say(`depot: ${server.url} (gapstage/pkg/http_server/2023-01-01, gapstage/pkg/mqtt_bridge/2023-02-01, signed)`);

  const hubData = join(work, 'hub');
  const connectionString = (await osCommand(['hub', 'device', 'add', DEVICE, '--edge', '--data', hubData])).trim();
  say(`device: ${DEVICE} (an IoT Edge device)`);
  const ROBOTS = 3;
  for (let index = 1; index <= ROBOTS; index++) await hub.service.addDevice(`robot-${index}`, { parent: DEVICE });
  say(`leaf devices: robot-1 ... robot-${ROBOTS}, children of ${DEVICE}`);
  const edgePort = await freePort();
  const settings = writeSettings(work, {
    connectionString,
    ca: hub.ca,
    depotUrl: server.url,
    pubkey: depot.pubkey,
    storage: join(work, 'gateway'),
    httpPort,
    broker,
    edgeHub: { port: edgePort, apiPort: hub.state.httpsPort },
  });
  const gateway = startGateway(settings, (line) => say(`  ${line}`));
  running.push(gateway);
  say(`gateway: os run apps/gateway with ${settings}`);
  await Promise.race([gateway.line('[gateway -> twin] connected'), deadline(TIMEOUT_MS, 'the twin did not connect')]);

  const patched = await hub.service.patchDesired(DEVICE, FIGURE_7);
  const version = patched.properties.desired.$version;
  say(`twin: desired.dynamic.deploy patched with Figure 7 ($version ${version})`);
  const started = Date.now();
  const reported = await Promise.race([
    waitForReported(hub.service, DEVICE, convergedWith(['http_server', 'mqtt_bridge']), { gateway }),
    deadline(TIMEOUT_MS, `the gateway did not converge within ${TIMEOUT_MS / 1000} s`),
  ]);
  say(`converged in ${Date.now() - started} ms`);

  const page = await (await fetch(`http://127.0.0.1:${httpPort}/`)).text();
  say(`http_server: ${/<p>(.*?)<\/p>/s.exec(page)?.[1]?.replace(/<[^>]+>/g, '') ?? page.slice(0, 120)}`);

  const client = await mqtt.connectAsync(`mqtt://${broker.host}:${broker.port}`, { clientId: 'demo' });
  await client.subscribeAsync(BRIDGED.to);
  const bridged = new Promise((arrived) => client.on('message', (topic, payload) => arrived(`${topic}: ${payload}`)));
  await client.publishAsync(BRIDGED.from, 'temperature=21.5');
  say(`mqtt_bridge: ${BRIDGED.from} -> ${await Promise.race([bridged, deadline(10_000, 'nothing bridged')])}`);
  await client.endAsync();

  // robots through the gateway: their readings arrive at the hub as their own; a method goes the other way
  const arrived = [];
  const monitoring = new AbortController();
  let opened;
  const open = new Promise((resolve) => (opened = resolve));
  const monitor = (async () => {
    for await (const event of hub.service.monitor({ signal: monitoring.signal, opened })) arrived.push(event);
  })().catch(() => undefined);
  await open;
  const edgeCa = join(work, 'gateway', 'certs', 'edge-ca.pem');
  const robots = processOf(
    [
      join(root, 'apps/robots/robots.mjs'),
      ...['--count', String(ROBOTS), '--rate', '5', '--messages', '10', '--hub-data', hubData],
      ...['--parent', DEVICE, '--gateway', `localhost:${edgePort}`, '--ca', edgeCa, '--quiet'],
    ],
    { echo: (line) => say(`  ${line}`) },
  );
  running.push(robots);
  say(`robots: ${ROBOTS} robots through the gateway's edge hub on localhost:${edgePort}, trusting ${edgeCa}`);
  await Promise.race([robots.line(' connected to '), deadline(TIMEOUT_MS, 'the robots did not connect')]);
  await new Promise((later) => setTimeout(later, 1000));
  const answer = await hub.service.invokeMethod(
    'robot-2',
    'runWorkflow',
    { workflow: 'weld-seam' },
    {
      responseTimeoutInSeconds: 10,
    },
  );
  say(`runWorkflow on robot-2 through the gateway: ${answer.status} ${JSON.stringify(answer.payload)}`);
  const robotsExit = await robots.exited;
  if (robotsExit !== 0) throw new Error(`the robots ended with ${robotsExit}`);
  const all = ROBOTS * 10;
  await Promise.race([
    (async () => {
      while (arrived.length < all) await new Promise((later) => setTimeout(later, 50));
    })(),
    deadline(TIMEOUT_MS, `${arrived.length} of ${all} readings arrived at the hub`),
  ]);
  monitoring.abort();
  await monitor;
  const first = arrived[0];
  say(
    `hub: ${arrived.length} readings arrived through the gateway, e.g. from ${first.deviceId}: ` +
      `${Buffer.from(first.body, 'base64').toString('utf8')} ${JSON.stringify(first.properties)}`,
  );
  // the edge hub reports its counts each second: wait until they show every reading forwarded
  let telemetry;
  for (let attempt = 0; attempt < 100; attempt++) {
    telemetry = (await hub.service.getTwin(DEVICE)).properties.reported.dynamic?.telemetry;
    const leaves = Object.values(telemetry?.leaves ?? {});
    if (leaves.length === ROBOTS && leaves.every((leaf) => leaf.forwarded === 10)) break;
    await new Promise((later) => setTimeout(later, 100));
  }

  say('reported:');
  say(JSON.stringify({ properties: { reported: { dynamic: { deploy: reported, telemetry } } } }, null, 2));
  if (keep) {
    say(`--keep: all runs on; the gateway's storage is ${join(work, 'gateway')}; Ctrl-C ends it`);
    await new Promise((stop) => process.once('SIGINT', stop));
  }
  await stopAll();
  process.exit(0);
} catch (error) {
  process.stderr.write(`demo:gateway: ${error instanceof Error ? error.message : String(error)}\n`);
  await stopAll();
  process.exit(1);
}

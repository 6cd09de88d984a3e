// The parts around a gateway on loopback, each a real process or server: a hub (`os hub start`), a depot server
// (`os depot serve`) holding the seed's two packages signed, an MQTT broker for mqtt_bridge, and the gateway itself
// (`os run apps/gateway`). The demo, the end-to-end test and the bench share them.

import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { Aedes } from 'aedes';
import { keygen, publish } from '@os/depot/host';
import { HubServiceClient, readHubState } from '@os/hub';

/** The repository's root. */
export const root = resolve(import.meta.dirname, '../../..');
const os = join(root, 'packages/cli/dist/main.js');

/** The seed's Figure 7: the desired deploy list, names and versions exactly as in the talk. */
export const FIGURE_7 = {
  dynamic: {
    deploy: [
      { start: { name: 'http_server', pkg: 'gapstage/pkg/http_server/2023-01-01' } },
      { start: { name: 'mqtt_bridge', pkg: 'gapstage/pkg/mqtt_bridge/2023-02-01' } },
    ],
  },
};

/** The topics the published mqtt_bridge republishes from and to. */
export const BRIDGED = { from: 'sensors/in', to: 'sensors/out' };

/** A child process whose stdout and stderr lines are kept; `line` waits for one matching. */
export function processOf(args, options = {}) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  const lines = [];
  const waiters = [];
  const take = (stream, into) => {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => {
      rest += chunk;
      const parts = rest.split('\n');
      rest = parts.pop();
      for (const line of parts) {
        into.push(line);
        lines.push(line);
        options.echo?.(line);
        for (const waiter of [...waiters]) if (waiter.test(line)) waiter.found(line);
      }
    });
  };
  const stdout = [];
  const stderr = [];
  take(child.stdout, stdout);
  take(child.stderr, stderr);
  const exited = new Promise((done) => child.on('exit', (code, signal) => done(code ?? signal)));
  return {
    child,
    lines,
    stdout,
    stderr,
    exited,
    /** Resolves with the first line matching `pattern` (seen or to come); rejects when the process ends first. */
    line(pattern) {
      const test = (line) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
      const seen = lines.find(test);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((found, failed) => {
        const waiter = { test, found };
        waiters.push(waiter);
        void exited.then((code) =>
          failed(new Error(`process ${args.join(' ')} ended (${code}) before "${pattern}":\n${lines.join('\n')}`)),
        );
      });
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs `os <args>` to its end; resolves with its stdout, rejects with its stderr when it fails. */
export async function osCommand(args, input) {
  const run = processOf([os, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  if (input !== undefined) run.child.stdin.end(input);
  const code = await run.exited;
  if (code !== 0) throw new Error(`os ${args.join(' ')} exited ${code}: ${run.stderr.join('\n')}`);
  return run.stdout.join('\n');
}

/** A free TCP port on 127.0.0.1. */
export async function freePort() {
  const server = createServer();
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address();
  await new Promise((closed) => server.close(closed));
  return port;
}

/** `os hub start` in its own process on free ports with data in `dataDir`; its service client and facts. */
export async function startHub(dataDir) {
  const hub = processOf([os, 'hub', 'start', '--port', '0', '--https-port', '0', '--data', dataDir]);
  await hub.line('CA certificate: ');
  const state = readHubState(dataDir);
  const ca = readFileSync(state.caPath, 'utf8');
  return { process: hub, state, ca, service: new HubServiceClient(state.serviceConnectionString, ca) };
}

/** A depot in `dir` with the seed's two packages signed by `gapstage` (runtime configs for the given ports). */
export async function makeDepot(dir, { httpPort, broker, versions = {} }) {
  const depot = join(dir, 'depot');
  const key = join(dir, 'gapstage.key');
  keygen('gapstage', { depot, key });
  const packages = join(root, 'apps/gateway-packages');
  const staged = join(dir, 'staged');
  // each package's own runtime file, with the ports of this run
  const runtimes = {
    http_server: readFileSync(join(packages, 'http_server/runtime'), 'utf8').replace(
      'port="8080"',
      `port="${httpPort}"`,
    ),
    mqtt_bridge: readFileSync(join(packages, 'mqtt_bridge/runtime'), 'utf8').replace(
      'mqtt://localhost:1883',
      `mqtt://${broker.host}:${broker.port}`,
    ),
  };
  const published = [];
  for (const [name, version] of [
    ['http_server', versions.http_server ?? '2023-01-01'],
    ['mqtt_bridge', versions.mqtt_bridge ?? '2023-02-01'],
  ]) {
    const folder = join(staged, name);
    mkdirSync(folder, { recursive: true });
    cpSync(join(packages, name), folder, {
      recursive: true,
      filter: (path) => !path.includes('node_modules') && !path.includes('/test') && !path.endsWith('/src'),
    });
    writeFileSync(join(folder, 'runtime'), runtimes[name]);
    published.push(await publish(folder, { user: 'gapstage', version, depot, key, name }));
  }
  return { depot, key, pubkey: join(depot, 'gapstage/pubkey'), published };
}

/** `os depot serve` of `depot` in its own process (on `port`, default a free one); its URL. */
export async function startDepotServer(depot, port = 0) {
  const server = processOf([os, 'depot', 'serve', depot, '--port', String(port)]);
  const line = await server.line('depot: ');
  return { process: server, url: line.slice('depot: '.length).trim() };
}

/** A plain MQTT broker (aedes 1.2) on 127.0.0.1, standing in for the factory floor's broker. */
export async function startBroker() {
  const aedes = await Aedes.createBroker();
  const server = createServer(aedes.handle);
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  return {
    host: '127.0.0.1',
    port: server.address().port,
    aedes,
    async close() {
      await new Promise((closed) => aedes.close(closed));
      await new Promise((closed) => server.close(closed));
    },
  };
}

/**
 * Writes the gateway's settings file into `dir` (`network`: more components' rules; `edgeHub`: the edge hub's
 * settings, none by default); returns its path.
 */
export function writeSettings(
  dir,
  { connectionString, ca, depotUrl, pubkey, storage, httpPort, broker, network = {}, edgeHub },
) {
  writeFileSync(join(dir, 'hub-ca.pem'), ca);
  const settings = {
    connectionString,
    hubCa: 'hub-ca.pem',
    depot: depotUrl,
    trust: { gapstage: pubkey },
    storage,
    network: {
      http_server: { listen: [httpPort] },
      mqtt_bridge: { connect: [`${broker.host}:${broker.port}`] },
      ...network,
    },
    runtime: { ram: '64M', caps: 3000 },
    ...(edgeHub === undefined ? {} : { edgeHub }),
  };
  const file = join(dir, 'gateway.json');
  writeFileSync(file, `${JSON.stringify(settings, null, 2)}\n`);
  return file;
}

/** `os run apps/gateway` in its own process with the settings `file`, on the kernel OS_KERNEL names (default hw). */
export function startGateway(file, echo) {
  return processOf([os, 'run', join(root, 'apps/gateway'), '--kernel', process.env.OS_KERNEL ?? 'hw'], {
    env: { ...process.env, OS_GATEWAY_SETTINGS: file },
    ...(echo === undefined ? {} : { echo }),
  });
}

/** The twin's `properties.reported.dynamic.deploy` and desired `$version`. */
export async function deployState(service, deviceId) {
  const twin = await service.getTwin(deviceId);
  return {
    desiredVersion: twin.properties?.desired?.$version,
    reported: twin.properties?.reported?.dynamic?.deploy,
  };
}

/** Polls the twin until `accept(reported, desiredVersion)` holds; resolves with the reported deploy state. */
export async function waitForReported(service, deviceId, accept, { intervalMs = 20, gateway } = {}) {
  for (;;) {
    if (gateway !== undefined && gateway.child.exitCode !== null)
      throw new Error(`the gateway exited (${gateway.child.exitCode}):\n${gateway.lines.join('\n')}`);
    const { desiredVersion, reported } = await deployState(service, deviceId);
    if (reported !== undefined && accept(reported, desiredVersion)) return reported;
    await new Promise((later) => setTimeout(later, intervalMs));
  }
}

/** Whether `reported` reflects desired version `version`, converged, with each of `names` running. */
export function convergedWith(names) {
  return (reported, version) =>
    reported.desiredVersion === version &&
    reported.status === 'converged' &&
    names.every((name) => reported.components?.[name]?.state === 'running');
}

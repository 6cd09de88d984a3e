import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { resolve } from 'node:path';
import { createServer as createTlsServer } from 'node:tls';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { execFileSync } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type PackageSystem,
  kernel,
  publishToDepot,
  startPackageSystem,
} from '../../http_server/test/system-fixture.js';

const directory = resolve(import.meta.dirname, '..');
const stops: (() => Promise<void>)[] = [];

// the tests run the bundle of the sources as they are
beforeAll(() => {
  execFileSync(process.execPath, [resolve(directory, 'build.mjs')], { stdio: 'ignore' });
});

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const tlsFile = (name: string): string =>
  readFileSync(resolve(directory, '../../../packages/libc-shim/test/fixtures/tls', name), 'utf8');

/** A real aedes broker on 127.0.0.1 (plain TCP, or TLS with the test CA's localhost certificate), stopped after. */
async function startBroker(tls = false): Promise<{ port: number; server: Server }> {
  const broker = await Aedes.createBroker();
  const server: Server = tls
    ? createTlsServer({ cert: tlsFile('server.pem'), key: tlsFile('server-key.pem') }, broker.handle)
    : createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stops.push(async () => {
    await new Promise<void>((done) => broker.close(() => done()));
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, server };
}

function bridgeStart(brokerUrl: string, files = '', env = ''): string {
  return `<start name="mqtt_bridge" caps="100" ram="8M"> <binary name="@gapstage/mqtt_bridge"/>
    <config>
      <libc stdout="/dev/log" stderr="/dev/log"/>
      <vfs> <dir name="dev"> <log/> </dir> ${files} </vfs> <net/>
      <arg value="mqtt_bridge"/> <arg value="${brokerUrl}"/> <arg value="factory/in"/> <arg value="factory/out"/>
      ${env}
    </config>
  </start>`;
}

async function startSystem(netConfig: string, starts: string, depot?: string): Promise<PackageSystem> {
  const system = await startPackageSystem({ directory, netConfig, starts, ...(depot === undefined ? {} : { depot }) });
  stops.push(() => system.stop());
  return system;
}

/** A client in the test: publishes `texts` to factory/in and resolves with what arrived on factory/out. */
async function roundTrip(url: string, texts: readonly string[], options: mqtt.IClientOptions = {}): Promise<string[]> {
  const client = await mqtt.connectAsync(url, { clientId: 'test-client', ...options });
  stops.push(() => client.endAsync());
  await client.subscribeAsync('factory/out', { qos: 1 });
  const received: string[] = [];
  const all = new Promise<void>((done) =>
    client.on('message', (topic, payload) => {
      received.push(`${topic} ${payload.toString()}`);
      if (received.length === texts.length) done();
    }),
  );
  for (const text of texts) await client.publishAsync('factory/in', text, { qos: 1 });
  await all;
  return received;
}

function connectPolicy(host: string, port: number): string {
  return `<config> <policy label="mqtt_bridge"> <connect host="${host}" port="${port}"/> </policy> </config>`;
}

describe(`mqtt_bridge, unmodified mqtt.js in a confined libc program, on ${kernel.name}`, () => {
  it('republishes each message of its source topic to its target topic, through the net server', async () => {
    const { port } = await startBroker();
    const system = await startSystem(connectPolicy('127.0.0.1', port), bridgeStart(`mqtt://127.0.0.1:${port}`));
    await system.line('[init -> mqtt_bridge] bridging factory/in -> factory/out');
    const received = await roundTrip(`mqtt://127.0.0.1:${port}`, ['one', 'two', 'three']);
    expect(received).toEqual(['factory/out one', 'factory/out two', 'factory/out three']);
    expect(system.lines).toContain(`[init -> mqtt_bridge] connected to mqtt://127.0.0.1:${port}`);
  });

  it('runs as published into a depot, loaded by its archive path as the gateway loads it', async () => {
    const { port } = await startBroker();
    const published = await publishToDepot(directory);
    stops.push(async () => published.remove());
    expect(published.binary).toBe('gapstage/bin/js/mqtt_bridge/2023-01-01');
    const system = await startSystem(
      connectPolicy('127.0.0.1', port),
      bridgeStart(`mqtt://127.0.0.1:${port}`).replace('@gapstage/mqtt_bridge', published.binary),
      published.depot,
    );
    await system.line('[init -> mqtt_bridge] bridging factory/in -> factory/out');
    expect(await roundTrip(`mqtt://127.0.0.1:${port}`, ['from the depot'])).toEqual(['factory/out from the depot']);
  });

  it('connects over TLS (mqtts://) to a broker whose certificate chains to the CA file it is given', async () => {
    const { port } = await startBroker(true);
    const ca = tlsFile('ca.pem');
    const system = await startSystem(
      connectPolicy('localhost', port),
      bridgeStart(
        `mqtts://localhost:${port}`,
        `<inline name="ca.pem">${ca}</inline>`,
        '<env key="MQTT_CA_FILE" value="/ca.pem"/>',
      ),
    );
    await system.line('[init -> mqtt_bridge] bridging factory/in -> factory/out');
    expect(await roundTrip(`mqtts://localhost:${port}`, ['secure'], { ca })).toEqual(['factory/out secure']);
  });

  it('logs the refusal when its policy lets it connect nowhere, and keeps trying', async () => {
    const { port } = await startBroker();
    const system = await startSystem(
      '<config> <policy label="mqtt_bridge"> <listen port="1883"/> </policy> </config>',
      bridgeStart(`mqtt://127.0.0.1:${port}`),
    );
    const refusal = await system.line('[init -> mqtt_bridge] mqtt: EACCES');
    expect(refusal).toBe(
      `[init -> mqtt_bridge] mqtt: EACCES: connect EACCES 127.0.0.1:${port}: PolicyDenied: connect to ` +
        `127.0.0.1:${port} denied: the policy at net config line 1 for "mqtt_bridge" allows no connect at all`,
    );
    expect(system.lines).toContain(
      `[init -> net] Warning: denied connect of "mqtt_bridge" to 127.0.0.1:${port}: not in the policy at net ` +
        'config line 1',
    );
    expect(system.lines.some((line) => line.includes('connected to'))).toBe(false);
  });

  it('cannot listen: a listen under its label is refused by the policy that lets it reach the broker', async () => {
    const { port } = await startBroker();
    const system = await startSystem(
      connectPolicy('127.0.0.1', port),
      `<start name="mqtt_bridge" caps="100" ram="8M"> <binary name="./test/fixtures/listen_probe.mjs"/>
         <exit propagate="yes"/>
         <config> <libc stdout="/dev/log" stderr="/dev/log"/> <vfs> <dir name="dev"> <log/> </dir> </vfs> <net/>
                  <arg value="listen_probe"/> <arg value="${port + 1}"/> </config> </start>`,
    );
    expect(await system.exit).toBe(0);
    stops.pop();
    expect(system.lines).toContain(
      `[init -> mqtt_bridge] listen refused: EACCES: listen EACCES ${port + 1}: PolicyDenied: listen on port ` +
        `${port + 1} denied: the policy at net config line 1 for "mqtt_bridge" allows no listen at all`,
    );
  });
});

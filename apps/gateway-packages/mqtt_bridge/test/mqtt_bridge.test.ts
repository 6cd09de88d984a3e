import { once } from 'node:events';
import { type AddressInfo, type Server, createServer } from 'node:net';
import { resolve } from 'node:path';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { type PackageSystem, kernel, startPackageSystem } from '../../http_server/test/system-fixture.js';

const directory = resolve(import.meta.dirname, '..');
const stops: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

/** A real aedes broker on 127.0.0.1 (plain TCP, an ephemeral port), stopped after the test. */
async function startBroker(): Promise<{ port: number; server: Server }> {
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  stops.push(async () => {
    await new Promise<void>((done) => broker.close(() => done()));
    server.close();
  });
  return { port: (server.address() as AddressInfo).port, server };
}

function bridgeStart(brokerUrl: string, extra = ''): string {
  return `<start name="mqtt_bridge" caps="100" ram="8M"> <binary name="@gapstage/mqtt_bridge"/> ${extra}
    <config>
      <libc stdout="/dev/log" stderr="/dev/log"/>
      <vfs> <dir name="dev"> <log/> </dir> </vfs>
      <arg value="mqtt_bridge"/> <arg value="${brokerUrl}"/> <arg value="factory/in"/> <arg value="factory/out"/>
    </config>
  </start>`;
}

async function startBridge(netConfig: string, brokerUrl: string, extra = ''): Promise<PackageSystem> {
  const system = await startPackageSystem({ directory, netConfig, starts: bridgeStart(brokerUrl, extra) });
  stops.push(() => system.stop());
  return system;
}

describe(`mqtt_bridge, unmodified mqtt.js in a confined libc program, on ${kernel.name}`, () => {
  it('republishes each message of its source topic to its target topic, through the net server', async () => {
    const { port } = await startBroker();
    const system = await startBridge(
      `<config> <policy label="mqtt_bridge"> <connect host="127.0.0.1" port="${port}"/> </policy> </config>`,
      `mqtt://127.0.0.1:${port}`,
    );
    await system.line('[init -> mqtt_bridge] bridging factory/in -> factory/out');
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, { clientId: 'test-client' });
    stops.push(() => client.endAsync());
    await client.subscribeAsync('factory/out', { qos: 1 });
    const received: string[] = [];
    const all = new Promise<void>((done) =>
      client.on('message', (topic, payload) => {
        received.push(`${topic} ${payload.toString()}`);
        if (received.length === 3) done();
      }),
    );
    for (const text of ['one', 'two', 'three']) await client.publishAsync('factory/in', text, { qos: 1 });
    await all;
    expect(received).toEqual(['factory/out one', 'factory/out two', 'factory/out three']);
    expect(system.lines).toContain(`[init -> mqtt_bridge] connected to mqtt://127.0.0.1:${port}`);
  });
});

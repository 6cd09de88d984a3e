import { once } from 'node:events';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import deviceSdk from 'azure-iot-device';
import { generate } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from './edge-hub-system.js';
import { connack, leafOptions, mqttLeaf, sdkLeaf, startGateway, type TestGateway, token } from './gateway-fixture.js';

const RATE = 100;
const BURST = 10;
const MAX_LEAVES = 3;
const MAX_PENDING = 64 * 1024;

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({
    config:
      `leaf_rate="${RATE}" leaf_burst="${BURST}" max_leaves="${MAX_LEAVES}" connect_timeout_ms="500" ` +
      `max_pending_bytes="${MAX_PENDING}"`,
  });
});
afterAll(async () => {
  await gateway?.stop();
});

/** A TLS connection to the gateway that speaks MQTT by hand (what a misbehaving leaf sends). */
async function rawLeaf(): Promise<TLSSocket> {
  const socket = tlsConnect({ host: 'localhost', port: gateway.port, ca: gateway.hub.ca });
  await once(socket, 'secureConnect');
  return socket;
}

/** Sends a CONNECT as `deviceId` with its own key and `keepalive`, and waits for the CONNACK. */
async function rawConnect(socket: TLSSocket, deviceId: string, keepalive: number): Promise<void> {
  const options = leafOptions(gateway, deviceId, token(gateway, deviceId, gateway.key(deviceId)));
  const answered = once(socket, 'data');
  socket.write(
    generate({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      clientId: deviceId,
      keepalive,
      username: options.username as string,
      password: Buffer.from(options.password as string),
    }),
  );
  const [connack] = (await answered) as [Buffer];
  expect([...connack]).toEqual([0x20, 2, 0, 0]);
}

async function noLeaves(): Promise<void> {
  const hub = await gateway.system.hub();
  await until(() => hub.connectedLeaves().length === 0, 'every leaf gone');
}

describe(`the edge hub's limits, each with a LOG line, the gateway unharmed, on ${process.env['OS_KERNEL']}`, () => {
  it('throttles a flooding leaf (its messages wait, none is lost) while another leaf keeps its pace', async () => {
    const flood = 300;
    const flooder = await mqttLeaf(gateway, 'leaf-1');
    const steady = await sdkLeaf(gateway, 'leaf-2');
    try {
      await until(() => gateway.upstream.latest('leaf-2') !== undefined, 'the steady leaf linked');
      const flooded = Array.from({ length: flood }, (_, index) =>
        flooder.publishAsync('devices/leaf-1/messages/events/', String(index + 1), { qos: 1 }),
      );
      for (let index = 1; index <= 5; index++) await steady.sendEvent(new deviceSdk.Message(`steady ${index}`));
      const flooderLink = gateway.upstream.latest('leaf-1');
      const steadyLink = gateway.upstream.latest('leaf-2');
      expect(steadyLink?.bodies()).toEqual(['steady 1', 'steady 2', 'steady 3', 'steady 4', 'steady 5']);
      // the flood waits for its bucket: at the rate given, it takes seconds, the steady leaf's five took no wait
      expect(flooderLink?.sent.length).toBeLessThan(flood);
      await gateway.system.line(`device leaf-1: publishes faster than leaf_rate="${RATE}" (leaf_burst="${BURST}")`);
      expect(gateway.system.lines.some((line) => line.includes('device leaf-2: publishes faster'))).toBe(false);
      await Promise.all(flooded);
      expect(flooderLink?.bodies()).toEqual(Array.from({ length: flood }, (_, index) => String(index + 1)));
    } finally {
      await flooder.endAsync();
      await steady.close();
    }
  });

  it(`refuses a leaf beyond max_leaves with CONNACK 3, and takes a leaf again in its own place`, async () => {
    await noLeaves();
    const leaves = [];
    for (const id of ['leaf-3', 'leaf-4', 'leaf-5']) leaves.push(await mqttLeaf(gateway, id));
    try {
      const { code, client } = await connack(
        leafOptions(gateway, 'leaf-6', token(gateway, 'leaf-6', gateway.key('leaf-6'))),
      );
      client.end(true);
      expect(code).toBe(3);
      await gateway.system.line(
        `refused device leaf-6: the gateway serves max_leaves="${MAX_LEAVES}" leaves already (CONNACK 3)`,
      );
      leaves.push(await mqttLeaf(gateway, 'leaf-5'));
      expect([...(await gateway.system.hub()).connectedLeaves()].sort()).toEqual(['leaf-3', 'leaf-4', 'leaf-5']);
    } finally {
      for (const leaf of leaves) leaf.end(true);
    }
  });

  it('closes a connection that sends no CONNECT in time', async () => {
    const socket = await rawLeaf();
    const from = gateway.system.lines.length;
    await once(socket, 'end');
    await gateway.system.line('a connection sent no CONNECT in time; closed', from);
    socket.destroy();
  });

  it('closes the connection of a leaf silent for 1.5 times its keep-alive, and its link', async () => {
    await noLeaves();
    const socket = await rawLeaf();
    await rawConnect(socket, 'leaf-3', 1);
    const link = gateway.upstream.latest('leaf-3');
    await once(socket, 'end');
    await gateway.system.line('device leaf-3: sent nothing for 1.5 times its keep-alive of 1 s');
    await until(() => link?.closed === true, "leaf-3's link closed");
    socket.destroy();
  });

  it(`disconnects a leaf that leaves more than max_pending_bytes unread`, async () => {
    await noLeaves();
    const socket = await rawLeaf();
    await rawConnect(socket, 'leaf-4', 60);
    const subscribed = once(socket, 'data');
    socket.write(
      generate({ cmd: 'subscribe', messageId: 1, subscriptions: [{ topic: '$iothub/methods/POST/#', qos: 0 }] }),
    );
    await subscribed;
    socket.pause();
    const link = gateway.upstream.latest('leaf-4');
    await until(() => link?.subscribed.length === 1, 'the subscription at the link');
    const payload = new Uint8Array(32 * 1024);
    for (let rid = 1; rid <= 4; rid++) link?.events.message(`$iothub/methods/POST/big/?$rid=${rid}`, payload);
    await gateway.system.line(`device leaf-4: left more than ${MAX_PENDING} bytes unread; disconnected`);
    await until(() => link?.closed === true, "leaf-4's link closed");
    socket.destroy();
    const again = await mqttLeaf(gateway, 'leaf-4');
    await again.publishAsync('devices/leaf-4/messages/events/', 'back', { qos: 1 });
    expect(gateway.upstream.latest('leaf-4')?.bodies()).toEqual(['back']);
    await again.endAsync();
  });
});

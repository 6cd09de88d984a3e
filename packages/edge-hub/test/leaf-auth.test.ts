import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEdgeHubSystem, until } from './edge-hub-system.js';
import {
  connack,
  FOREIGN,
  freePort,
  GATEWAY,
  leafOptions,
  mqttLeaf,
  STRANGER,
  startGateway,
  type TestGateway,
  token,
} from './gateway-fixture.js';
import { RecordingUpstream } from './recording-upstream.js';

let gateway: TestGateway;
beforeAll(async () => {
  gateway = await startGateway({ config: 'scope_retry_ms="0"', disabled: ['leaf-6'] });
});
afterAll(async () => {
  await gateway?.stop();
});

const NOT_IN_SCOPE = `not in the device scope of ${GATEWAY} (unknown to the hub, or not a child of ${GATEWAY})`;

/** The CONNACK code of a CONNECT as `deviceId` with `password` (and other options). */
async function codeOf(deviceId: string, password: string, options = {}): Promise<number> {
  const { code, client } = await connack({ ...leafOptions(gateway, deviceId, password), ...options });
  client.end(true);
  return code;
}

function randomKey(): string {
  return randomBytes(32).toString('base64');
}

describe(`the edge hub authenticates leaves as IoT Hub does, on ${process.env['OS_KERNEL']}`, () => {
  it('refuses a device the hub does not know with CONNACK 5 and says so in its LOG', async () => {
    expect(await codeOf('ghost', token(gateway, 'ghost', randomKey()))).toBe(5);
    await gateway.system.line(`[init -> edge_hub] refused device ghost: ${NOT_IN_SCOPE} (CONNACK 5)`);
  });

  it('refuses a device of no gateway and a child of another gateway, each with its own key, with 5', async () => {
    expect(await codeOf(STRANGER, token(gateway, STRANGER, gateway.key(STRANGER)))).toBe(5);
    await gateway.system.line(`refused device ${STRANGER}: ${NOT_IN_SCOPE} (CONNACK 5)`);
    expect(await codeOf(FOREIGN, token(gateway, FOREIGN, gateway.key(FOREIGN)))).toBe(5);
    await gateway.system.line(`refused device ${FOREIGN}: ${NOT_IN_SCOPE} (CONNACK 5)`);
  });

  it('refuses a child whose SAS token is signed with another key with 5', async () => {
    expect(await codeOf('leaf-1', token(gateway, 'leaf-1', randomKey()))).toBe(5);
    await gateway.system.line(
      "refused device leaf-1: its SAS token is signed with neither of the device's keys (CONNACK 5)",
    );
  });

  it('refuses a child whose SAS token expired with 5', async () => {
    const expiry = Math.floor(Date.now() / 1000) - 60;
    expect(await codeOf('leaf-1', token(gateway, 'leaf-1', gateway.key('leaf-1'), expiry))).toBe(5);
    await gateway.system.line(
      `refused device leaf-1: its SAS token expired at ${new Date(expiry * 1000).toISOString()} (CONNACK 5)`,
    );
  });

  it('refuses a token or username of another hub, or of another device, with 5', async () => {
    const key = gateway.key('leaf-2');
    const otherHub = (await import('@os/iothub')).createSharedAccessSignature('elsewhere/devices/leaf-2', key, 4e9);
    expect(await codeOf('leaf-2', otherHub)).toBe(5);
    await gateway.system.line('refused device leaf-2: its SAS token is for "elsewhere/devices/leaf-2"');
    expect(await codeOf('leaf-2', token(gateway, 'leaf-2', key), { username: 'elsewhere/leaf-2/?api-version=1' })).toBe(
      5,
    );
    expect(await codeOf('leaf-2', token(gateway, 'leaf-3', gateway.key('leaf-3')))).toBe(5);
    await gateway.system.line('refused device leaf-2: its SAS token is for "');
  });

  it('refuses a disabled child with 3, a client id that is no device id with 2, MQTT 3.1 with 1', async () => {
    expect(await codeOf('leaf-6', token(gateway, 'leaf-6', gateway.key('leaf-6')))).toBe(3);
    await gateway.system.line('refused device leaf-6: the device is disabled (CONNACK 3)');
    expect(await codeOf('a/b', token(gateway, 'a/b', randomKey()))).toBe(2);
    await gateway.system.line('refused device a/b: client id "a/b" is not a device id (CONNACK 2)');
    const old = { protocolVersion: 3 as const, protocolId: 'MQIsdp' as const };
    expect(await codeOf('leaf-1', token(gateway, 'leaf-1', gateway.key('leaf-1')), old)).toBe(1);
    await gateway.system.line('refused device leaf-1: it speaks MQTT MQIsdp version 3, not MQTT 3.1.1 (CONNACK 1)');
  });

  it('fetches the device scope again for a device it does not know, and takes a child added since', async () => {
    await gateway.service.addDevice('late-leaf', { parent: GATEWAY });
    const key = /SharedAccessKey=([^;]+)/.exec(gateway.hub.deviceConnectionString('late-leaf') ?? '')?.[1] ?? '';
    expect(await codeOf('late-leaf', token(gateway, 'late-leaf', key))).toBe(0);
    await until(() => gateway.upstream.latest('late-leaf') !== undefined, 'the late leaf linked upstream');
  });

  it('takes every child with its own key after all those refusals, and linked none of the refused', async () => {
    const client = await mqttLeaf(gateway, 'leaf-1');
    await client.publishAsync('devices/leaf-1/messages/events/', 'in', { qos: 1 });
    await client.endAsync();
    expect(gateway.upstream.links.map((link) => link.identity.deviceId)).toEqual(['late-leaf', 'leaf-1']);
    expect(gateway.upstream.latest('leaf-1')?.bodies()).toEqual(['in']);
  });
  it('gives the upstream side the identity of an enabled child only', async () => {
    const hub = await gateway.system.hub();
    expect(await hub.identity('leaf-1')).toEqual({
      deviceId: 'leaf-1',
      primaryKey: gateway.key('leaf-1'),
      secondaryKey: expect.any(String),
    });
    expect(await hub.identity('leaf-6')).toBeUndefined();
    expect(await hub.identity(STRANGER)).toBeUndefined();
    expect(await hub.identity(FOREIGN)).toBeUndefined();
  });
});

describe(`the edge hub's config, on ${process.env['OS_KERNEL']}`, () => {
  it('ends the component with exit value 1 and a LOG line naming what is wrong', async () => {
    const port = await freePort();
    const connectionString = gateway.hub.deviceConnectionString(GATEWAY);
    const system = await startEdgeHubSystem({
      config: `port="${port}" key_rom="gateway.key.pem" connection_string="${connectionString}"`,
      roms: new Map([['gateway.key.pem', readFileSync(join(gateway.hub.dataDir, 'server.key.pem'), 'utf8')]]),
      listen: port,
      connect: { host: 'localhost', port: gateway.hub.httpsPort },
      upstream: new RecordingUpstream(),
    });
    expect(await system.exit).toBe(1);
    await system.line(
      '[init -> edge_hub] Error: edge_hub: construct failed: EdgeHubConfigError: ROM "config":1: <config> has no ' +
        `cert_rom; name the ROM holding the gateway's server certificate (PEM): cert_rom="gateway.pem"`,
    );
  });
});

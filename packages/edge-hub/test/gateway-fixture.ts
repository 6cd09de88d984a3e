// One fixture for the edge hub's system tests: a hub in this process (its device-scope API and its devices: the
// gateway gw-1, its children, a device of no gateway, a child of another gateway), the edge hub in a system of its own
// presenting the hub's server certificate, linked to a recording upstream, and leaf clients: Microsoft's device SDK
// for what a leaf does, mqtt.js for what a leaf should not do.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_VERSION, createSharedAccessSignature } from '@os/iothub';
import { type Hub, HubServiceClient, startHub } from '@os/hub';
import deviceSdk, { type Client as DeviceClient } from 'azure-iot-device';
import mqttTransport from 'azure-iot-device-mqtt';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import { type EdgeHubSystem, startEdgeHubSystem } from './edge-hub-system.js';
import { RecordingUpstream } from './recording-upstream.js';

/** The gateway's device id, its children, and devices that are not its children. */
export const GATEWAY = 'gw-1';
export const LEAVES = ['leaf-1', 'leaf-2', 'leaf-3', 'leaf-4', 'leaf-5', 'leaf-6'] as const;
export const STRANGER = 'stranger';
export const FOREIGN = 'foreign-leaf';

/** A port free on 127.0.0.1 just now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** A running hub, gateway and recording upstream. */
export interface TestGateway {
  readonly hub: Hub;
  readonly service: HubServiceClient;
  readonly upstream: RecordingUpstream;
  readonly system: EdgeHubSystem;
  /** The port the edge hub listens on. */
  readonly port: number;
  /** The hub's host name as leaves write it (`localhost:<hub's MQTT port>`). */
  readonly hubHost: string;
  /** The device's connection string through the gateway (`GatewayHostName=localhost:<port>`). */
  leafConnectionString(deviceId: string): string;
  /** The device's primary key. */
  key(deviceId: string): string;
  /** Stops the system and the hub and removes the hub's data. */
  stop(): Promise<void>;
}

/** What a test changes of the fixture. */
export interface GatewayOptions {
  /** Added to the edge hub's `<config>` attributes. */
  readonly config?: string;
  /** Children of the gateway that are disabled at the hub before the gateway starts. */
  readonly disabled?: readonly string[];
}

/** Starts the hub with the devices, and the gateway. */
export async function startGateway(options: GatewayOptions = {}): Promise<TestGateway> {
  const config = options.config ?? '';
  const dataDir = mkdtempSync(join(tmpdir(), 'os-edge-hub-test-'));
  const hub = await startHub({ port: 0, httpsPort: 0, dataDir, host: '127.0.0.1' });
  const service = new HubServiceClient(hub.serviceConnectionString, hub.ca);
  await service.addDevice(GATEWAY, { edge: true });
  for (const leaf of LEAVES) await service.addDevice(leaf, { parent: GATEWAY });
  await service.addDevice(STRANGER);
  await service.addDevice('gw-2', { edge: true });
  await service.addDevice(FOREIGN, { parent: 'gw-2' });
  for (const id of options.disabled ?? []) {
    const device = await service.getDevice(id);
    await service.putDevice(id, { ...device, status: 'disabled' }, '*');
  }
  const keys = new Map<string, string>();
  for (const id of [...LEAVES, STRANGER, FOREIGN]) {
    keys.set(id, /SharedAccessKey=([^;]+)/.exec(hub.deviceConnectionString(id) ?? '')?.[1] ?? '');
  }
  const port = await freePort();
  const upstream = new RecordingUpstream();
  const system = await startEdgeHubSystem({
    config:
      `port="${port}" cert_rom="gateway.pem" key_rom="gateway.key.pem" hub_ca_rom="hub_ca.pem" ` +
      `connection_string="${hub.deviceConnectionString(GATEWAY)}" api_port="${hub.httpsPort}" ${config}`,
    roms: new Map([
      ['gateway.pem', readFileSync(join(dataDir, 'server.pem'), 'utf8')],
      ['gateway.key.pem', readFileSync(join(dataDir, 'server.key.pem'), 'utf8')],
      ['hub_ca.pem', hub.ca],
    ]),
    listen: port,
    connect: { host: 'localhost', port: hub.httpsPort },
    upstream,
  });
  await system.hub();
  return {
    hub,
    service,
    upstream,
    system,
    port,
    hubHost: `localhost:${hub.port}`,
    leafConnectionString: (deviceId) => `${hub.deviceConnectionString(deviceId)};GatewayHostName=localhost:${port}`,
    key: (deviceId) => keys.get(deviceId) ?? '',
    async stop() {
      await system.stop();
      await hub.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A leaf on Microsoft's device SDK, connected through the gateway. */
export async function sdkLeaf(gateway: TestGateway, deviceId: string): Promise<DeviceClient> {
  const client = deviceSdk.Client.fromConnectionString(gateway.leafConnectionString(deviceId), mqttTransport.Mqtt);
  await client.setOptions({ ca: gateway.hub.ca });
  await client.open();
  return client;
}

/** A SAS token of `deviceId` for the hub, signed with `key`, valid until `expiry` (seconds; default in an hour). */
export function token(gateway: TestGateway, deviceId: string, key: string, expiry?: number): string {
  const se = expiry ?? Math.floor(Date.now() / 1000) + 3600;
  return createSharedAccessSignature(`${gateway.hubHost}/devices/${deviceId}`, key, se);
}

/** mqtt.js options of a leaf connecting to the gateway as `deviceId` with `password`. */
export function leafOptions(gateway: TestGateway, deviceId: string, password: string): IClientOptions {
  return {
    host: 'localhost',
    port: gateway.port,
    protocol: 'mqtts',
    ca: gateway.hub.ca,
    clientId: deviceId,
    username: `${gateway.hubHost}/${deviceId}/?api-version=${API_VERSION}`,
    password,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  };
}

/** The CONNACK code the gateway answers a CONNECT with `options`: 0 (and the open client) or the refusal's code. */
export function connack(options: IClientOptions): Promise<{ code: number; client: MqttClient }> {
  const client = connect(options);
  return new Promise((resolve, reject) => {
    client.once('connect', () => resolve({ code: 0, client }));
    client.once('error', (error: Error & { code?: unknown }) => {
      client.end(true);
      if (typeof error.code === 'number') resolve({ code: error.code, client });
      else reject(error);
    });
  });
}

/** A leaf on mqtt.js, connected (with its own key) or the test fails. */
export async function mqttLeaf(
  gateway: TestGateway,
  deviceId: string,
  options: IClientOptions = {},
): Promise<MqttClient> {
  const { code, client } = await connack({
    ...leafOptions(gateway, deviceId, token(gateway, deviceId, gateway.key(deviceId))),
    ...options,
  });
  if (code !== 0) throw new Error(`${deviceId} was refused with CONNACK ${code}`);
  return client;
}

/** Resolves when `client`'s connection has closed. */
export function closed(client: MqttClient): Promise<void> {
  if (!client.connected && client.disconnected) return Promise.resolve();
  return new Promise((resolve) => client.once('close', () => resolve()));
}

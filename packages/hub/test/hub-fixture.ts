import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client as DeviceClient } from 'azure-iot-device';
import type { Registry } from 'azure-iothub';
import { connect, type MqttClient } from 'mqtt';
import { type Hub, HubServiceClient, hubServiceAgent, startHub } from '../src/index.js';

const require = createRequire(import.meta.url);

/** A hub on 127.0.0.1 with a fresh data directory, and a service client of it. */
export interface TestHub {
  readonly hub: Hub;
  readonly dataDir: string;
  readonly service: HubServiceClient;
  /** Registers `deviceId` and returns its connection string. */
  addDevice(deviceId: string): Promise<string>;
  /** Stops the hub and removes its data directory. */
  stop(): Promise<void>;
}

/** Starts a hub on free ports in a new temporary directory (or `dataDir`, kept on stop). */
export async function startTestHub(
  options: { dataDir?: string; port?: number; httpsPort?: number } = {},
): Promise<TestHub> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'os-hub-test-'));
  const hub = await startHub({
    port: options.port ?? 0,
    httpsPort: options.httpsPort ?? 0,
    dataDir,
    host: '127.0.0.1',
  });
  const service = new HubServiceClient(hub.serviceConnectionString, hub.ca);
  return {
    hub,
    dataDir,
    service,
    async addDevice(deviceId) {
      await service.addDevice(deviceId);
      const connectionString = hub.deviceConnectionString(deviceId);
      if (connectionString === undefined) throw new Error(`${deviceId} was not registered`);
      return connectionString;
    },
    async stop() {
      await hub.close();
      if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Microsoft's device client over MQTT for `connectionString`, trusting the hub's CA (PEM or its path). */
export async function deviceClient(connectionString: string, ca: string): Promise<DeviceClient> {
  const { Client } = require('azure-iot-device') as typeof import('azure-iot-device');
  const { Mqtt } = require('azure-iot-device-mqtt') as typeof import('azure-iot-device-mqtt');
  const client = Client.fromConnectionString(connectionString, Mqtt);
  // setOptions first tries `ca` as a file path: it completes later, and must before open()
  await client.setOptions({ ca });
  return client;
}

/**
 * Microsoft's service `Registry` for the hub: constructed with its own REST client so that an HTTPS agent that
 * understands `HostName=localhost:<port>` can be set on it (see the README).
 */
export function serviceRegistry(hub: Hub): Registry {
  const { Registry } = require('azure-iothub') as typeof import('azure-iothub');
  const { ConnectionString, SharedAccessSignature } = require('azure-iothub') as typeof import('azure-iothub');
  // the REST client azure-iothub itself uses (its Registry takes one as its second argument)
  type RestModule = typeof import('azure-iothub/dist/common-http/rest_api_client.js');
  const { RestApiClient } = require('azure-iothub/dist/common-http/rest_api_client.js') as RestModule;
  const fields = ConnectionString.parse(hub.serviceConnectionString);
  const config = {
    host: fields.HostName as string,
    sharedAccessSignature: SharedAccessSignature.create(
      fields.HostName as string,
      fields.SharedAccessKeyName as string,
      fields.SharedAccessKey as string,
      Math.floor(Date.now() / 1000) + 3600,
    ).toString(),
  };
  const rest = new RestApiClient(config, 'os-hub-test');
  const registry = new Registry(config, rest);
  rest.setOptions({ http: { agent: hubServiceAgent(hub.ca) } });
  return registry;
}

/** A raw MQTT client (mqtt.js) to the hub as `clientId`, for what Microsoft's SDK would never send. */
export async function rawClient(
  hub: Hub,
  clientId: string,
  username: string,
  password: string,
): Promise<{ client: MqttClient; connack: { returnCode?: number; reasonCode?: number } | Error }> {
  const client = connect(`mqtts://localhost:${hub.port}`, {
    clientId,
    username,
    password,
    ca: hub.ca,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
  });
  const connack = await new Promise<{ returnCode?: number } | Error>((resolve) => {
    client.once('connect', (packet) => resolve(packet));
    client.once('error', (error) => resolve(error));
  });
  return { client, connack };
}

/** Waits until `condition()` holds, checking every 10 ms, up to 10 s. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

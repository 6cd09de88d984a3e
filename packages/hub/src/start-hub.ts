import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { hubCertificates } from './certificates.js';
import { deviceConnectionString, serviceConnectionString } from '@os/iothub';
import { DeviceBroker } from './device-broker.js';
import { HubStartError } from './hub-errors.js';
import { HubRegistry } from './hub-registry.js';
import { readHubState, removeHubState, writeHubState } from './hub-state-file.js';
import { RegistryStore } from './registry-store.js';
import { ServiceApi } from './service-api.js';
import type { TelemetryMessage } from './telemetry-message.js';

/** Where and how a hub runs. */
export interface HubOptions {
  /** MQTT over TLS port for devices; 8883 by default, 0 for any free port. */
  readonly port?: number;
  /** HTTPS port of the service API; 8443 by default, 0 for any free port. */
  readonly httpsPort?: number;
  /** Directory of the database, the certificates and `hub.json`; made if missing. `.os-hub` by default. */
  readonly dataDir?: string;
  /** Address both servers listen on; `127.0.0.1` by default. */
  readonly host?: string;
  /** Telemetry messages kept per device, the oldest dropped first; 1000 by default. */
  readonly telemetryLimit?: number;
}

/** A running hub: what it prints at start, its telemetry, and `close()`. */
export interface Hub {
  /** `mqtts://localhost:<port>`. */
  readonly deviceEndpoint: string;
  /** The MQTT port devices connect to. */
  readonly port: number;
  /** The HTTPS port of the service API. */
  readonly httpsPort: number;
  /** `HostName=localhost:<https port>;SharedAccessKeyName=iothubowner;SharedAccessKey=<key>`. */
  readonly serviceConnectionString: string;
  /** Path of the CA certificate (PEM) that devices and service clients trust. */
  readonly caPath: string;
  /** The CA certificate, PEM. */
  readonly ca: string;
  /** The absolute data directory. */
  readonly dataDir: string;
  /** The device's connection string (`HostName=localhost:<port>;DeviceId=...;SharedAccessKey=<primary key>`). */
  deviceConnectionString(deviceId: string): string | undefined;
  /** The telemetry kept of `deviceId`, oldest first. */
  telemetry(deviceId: string): readonly TelemetryMessage[];
  /** Calls `listener` with each telemetry message as it arrives; returns the function that stops it. */
  onTelemetry(listener: (message: TelemetryMessage) => void): () => void;
  /** The three lines `os hub start` prints. */
  readonly banner: readonly string[];
  /** Ends every connection, stops both servers, closes the database and removes `hub.json`. */
  close(): Promise<void>;
}

/** The process of another hub that runs with `dataDir`, if one does. */
function runningHub(dataDir: string): number | undefined {
  let pid: number;
  try {
    pid = readHubState(dataDir).pid;
  } catch {
    return undefined;
  }
  if (pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined; // a hub that was killed left its hub.json behind
  }
}

function newKey(): string {
  return randomBytes(32).toString('base64');
}

/**
 * Starts a hub: IoT Hub's device protocol over MQTT 3.1.1 with TLS on `port`, its service REST API over HTTPS on
 * `httpsPort`, devices and twins kept in `dataDir` across restarts.
 */
export async function startHub(options: HubOptions = {}): Promise<Hub> {
  const dataDir = resolve(options.dataDir ?? '.os-hub');
  const host = options.host ?? '127.0.0.1';
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new HubStartError(`cannot make data directory ${dataDir}: ${(error as Error).message}`);
  }
  const running = runningHub(dataDir);
  if (running !== undefined) {
    throw new HubStartError(
      `a hub (process ${running}) already runs with data directory ${dataDir}: stop it, or give another --data`,
    );
  }
  const certificates = await hubCertificates(dataDir);
  const store = new RegistryStore(dataDir, options.telemetryLimit ?? 1000);
  const serviceKeys = [
    store.setting('iothubowner.primaryKey', newKey),
    store.setting('iothubowner.secondaryKey', newKey),
  ];
  const hostNames = ['localhost', '127.0.0.1', host];
  let broker: DeviceBroker | undefined;
  const registry = new HubRegistry(store, {
    desiredPatched: (deviceId, patch) => broker?.notifyDesired(deviceId, patch),
    deviceRevoked: (deviceId) => broker?.disconnect(deviceId),
    isConnected: (deviceId) => broker?.isConnected(deviceId) === true,
  });
  let api: ServiceApi | undefined;
  try {
    broker = await DeviceBroker.start({
      registry,
      store,
      ...certificates,
      host,
      port: options.port ?? 8883,
      hostNames,
    });
    api = await ServiceApi.start({
      registry,
      broker,
      ...certificates,
      host,
      port: options.httpsPort ?? 8443,
      keys: serviceKeys,
      hostNames,
    });
  } catch (error) {
    await broker?.close();
    store.close();
    throw new HubStartError(`the hub cannot listen on ${host}: ${(error as Error).message}; choose other ports`);
  }
  const started = { broker, api };
  const deviceHost = `localhost:${broker.port}`;
  const deviceEndpoint = `mqtts://${deviceHost}`;
  const service = serviceConnectionString(`localhost:${api.port}`, serviceKeys[0] ?? '');
  writeHubState(dataDir, {
    pid: process.pid,
    deviceEndpoint,
    port: broker.port,
    httpsPort: api.port,
    serviceConnectionString: service,
    caPath: certificates.caPath,
  });
  let closing: Promise<void> | undefined;
  return {
    deviceEndpoint,
    port: broker.port,
    httpsPort: api.port,
    serviceConnectionString: service,
    caPath: certificates.caPath,
    ca: certificates.ca,
    dataDir,
    banner: [
      `device endpoint: ${deviceEndpoint}`,
      `service connection string: ${service}`,
      `CA certificate: ${certificates.caPath}`,
    ],
    deviceConnectionString: (deviceId) => {
      const record = registry.lookup(deviceId);
      return record === undefined ? undefined : deviceConnectionString(deviceHost, deviceId, record.primaryKey);
    },
    telemetry: (deviceId) => store.telemetry(deviceId),
    onTelemetry: (listener) => started.broker.onTelemetry(listener),
    close: () => {
      closing ??= (async () => {
        await started.api.close();
        await started.broker.close();
        store.close();
        removeHubState(dataDir, process.pid);
      })();
      return closing;
    },
  };
}

import { ConnectionStringError, type DeviceConnectionString, parseDeviceConnectionString } from '@os/iothub';
import type { XmlNode } from '@os/runtime';
import { EdgeHubConfigError } from './edge-hub-config-error.js';

/** What the edge hub works with, read from its `<config>` (the ROMs it names are read by the component). */
export interface EdgeHubConfig {
  /** The port leaves connect to (MQTT over TLS). */
  readonly port: number;
  /** The ROM holding the gateway's server certificate chain (PEM), which leaves check against their CA. */
  readonly certRom: string;
  /** The ROM holding the certificate's private key (PEM). */
  readonly keyRom: string;
  /** The gateway's own device connection string, when given in the config (else `connectionStringRom`). */
  readonly connectionString: DeviceConnectionString | undefined;
  /** The ROM holding the gateway's connection string, when not given in the config. */
  readonly connectionStringRom: string | undefined;
  /** IoT Hub's host name that leaves put in their username and token (`sr`); none: the connection string's. */
  readonly hubHostName: string | undefined;
  /** The ROM holding the CA (PEM) the hub's HTTPS and MQTT certificates chain to; none: the host's CAs. */
  readonly hubCaRom: string | undefined;
  /** The hub's HTTPS port, where the device-scope API answers. */
  readonly apiPort: number;
  /** The most leaves connected at once. */
  readonly maxLeaves: number;
  /** Publishes per second each leaf may make on average (its token bucket's rate). */
  readonly leafRate: number;
  /** Publishes a leaf may make at once after being quiet (its token bucket's size). */
  readonly leafBurst: number;
  /** Telemetry messages of one leaf handed upstream and not yet acknowledged to it, at most. */
  readonly maxInFlight: number;
  /** Bytes queued for one leaf that it has not read yet, at most; a leaf over it is disconnected. */
  readonly maxPendingBytes: number;
  /** How long a new connection may take to send its CONNECT, in milliseconds. */
  readonly connectTimeoutMs: number;
  /** How often the identities are fetched again from the hub, in seconds. */
  readonly scopeRefreshS: number;
  /** How long after a fetch an unknown device may make the edge hub fetch again, at the least, in milliseconds. */
  readonly scopeRetryMs: number;
  /** How long a fetch of the device scope may take, in milliseconds. */
  readonly timeoutMs: number;
  /** Log each leaf's connect and disconnect, not only refusals and limits. */
  readonly verbose: boolean;
  /** The `<upstream>` sub-node, for the upstream side to read; undefined when absent. */
  readonly upstream: XmlNode | undefined;
}

/** The defaults of {@link EdgeHubConfig}'s numbers. */
export const EDGE_HUB_DEFAULTS = {
  port: 8883,
  apiPort: 443,
  maxLeaves: 100,
  leafRate: 100,
  leafBurst: 200,
  maxInFlight: 32,
  maxPendingBytes: 1024 * 1024,
  connectTimeoutMs: 10_000,
  scopeRefreshS: 3600,
  scopeRetryMs: 10_000,
  timeoutMs: 30_000,
} as const;

const ATTRIBUTES = [
  'port',
  'cert_rom',
  'key_rom',
  'connection_string',
  'connection_string_rom',
  'hub_host_name',
  'hub_ca_rom',
  'api_port',
  'max_leaves',
  'leaf_rate',
  'leaf_burst',
  'max_in_flight',
  'max_pending_bytes',
  'connect_timeout_ms',
  'scope_refresh_s',
  'scope_retry_ms',
  'timeout_ms',
  'verbose',
];

/** A host name with an optional port. */
const HOST = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?(:\d{1,5})?$/;

/** The number attribute `name` of `node` (`fallback` when absent), refused outside `min` to `max`. */
export function between(node: XmlNode, name: string, fallback: number, min: number, max: number): number {
  let value: number;
  try {
    value = node.numberAttribute(name, fallback);
  } catch (error) {
    throw new EdgeHubConfigError(error instanceof Error ? error.message : String(error));
  }
  if (value < min || value > max) {
    throw new EdgeHubConfigError(`${node.origin}:${node.line}: ${name}="${value}" must be from ${min} to ${max}`);
  }
  return value;
}

function romName(node: XmlNode, name: string, example: string): string | undefined {
  const value = node.attribute(name);
  if (value === '' || value?.includes(' -> ') || (value !== undefined && value.length > 160)) {
    throw new EdgeHubConfigError(
      `${node.origin}:${node.line}: ${name}="${value}" is no ROM name; write e.g. ${name}="${example}"`,
    );
  }
  return value;
}

function requiredRom(node: XmlNode, name: string, example: string, what: string): string {
  const value = romName(node, name, example);
  if (value === undefined) {
    throw new EdgeHubConfigError(
      `${node.origin}:${node.line}: <config> has no ${name}; name the ROM holding ${what}: ${name}="${example}"`,
    );
  }
  return value;
}

/** Reads `connection_string` or `connection_string_rom` (exactly one of them). */
function gatewayIdentity(node: XmlNode): Pick<EdgeHubConfig, 'connectionString' | 'connectionStringRom'> {
  const where = `${node.origin}:${node.line}`;
  const text = node.attribute('connection_string');
  const rom = romName(node, 'connection_string_rom', 'gateway_connection_string');
  if (text !== undefined && rom !== undefined) {
    throw new EdgeHubConfigError(`${where}: give connection_string or connection_string_rom, not both`);
  }
  if (text === undefined && rom === undefined) {
    throw new EdgeHubConfigError(
      `${where}: <config> has no connection_string; write the gateway device's, as "os hub device add GW --edge" ` +
        'prints it (connection_string="HostName=...;DeviceId=...;SharedAccessKey=..."), or name the ROM holding it ' +
        'with connection_string_rom',
    );
  }
  return {
    connectionString: text === undefined ? undefined : gatewayConnectionString(text, where),
    connectionStringRom: rom,
  };
}

/** The gateway's connection string read from `text`; `where` names its place for the error. */
export function gatewayConnectionString(text: string, where: string): DeviceConnectionString {
  try {
    return parseDeviceConnectionString(text.trim());
  } catch (error) {
    if (error instanceof ConnectionStringError) throw new EdgeHubConfigError(`${where}: ${error.message}`);
    throw error;
  }
}

/**
 * Reads the edge hub's `<config>`: `port`, `cert_rom` and `key_rom` (required), `connection_string` or
 * `connection_string_rom` (one required), `hub_host_name`, `hub_ca_rom`, `api_port`, `max_leaves`, `leaf_rate`,
 * `leaf_burst`, `max_in_flight`, `max_pending_bytes`, `connect_timeout_ms`, `scope_refresh_s`, `scope_retry_ms`,
 * `timeout_ms`, `verbose`, and an `<upstream>` sub-node left to the upstream side. Throws {@link EdgeHubConfigError}
 * naming what is wrong.
 */
export function parseEdgeHubConfig(node: XmlNode): EdgeHubConfig {
  const where = `${node.origin}:${node.line}`;
  for (const name of node.attributeNames()) {
    if (!ATTRIBUTES.includes(name)) {
      throw new EdgeHubConfigError(`${where}: <config> has unknown attribute ${name}; known: ${ATTRIBUTES.join(', ')}`);
    }
  }
  for (const child of node.subNodes()) {
    if (child.type !== 'upstream') {
      throw new EdgeHubConfigError(
        `${child.origin}:${child.line}: <config> has unknown sub-node <${child.type}>; known: <upstream>`,
      );
    }
  }
  if (node.subNodes('upstream').length > 1)
    throw new EdgeHubConfigError(`${where}: <config> has more than one <upstream>`);
  const hubHostName = node.attribute('hub_host_name');
  if (hubHostName !== undefined && !HOST.test(hubHostName)) {
    throw new EdgeHubConfigError(
      `${where}: hub_host_name="${hubHostName}" is not a host name; write IoT Hub's, ` +
        'e.g. hub_host_name="myhub.azure-devices.net"',
    );
  }
  const leafRate = between(node, 'leaf_rate', EDGE_HUB_DEFAULTS.leafRate, 1, 100_000);
  return {
    port: between(node, 'port', EDGE_HUB_DEFAULTS.port, 1, 65535),
    certRom: requiredRom(node, 'cert_rom', 'gateway.pem', "the gateway's server certificate (PEM)"),
    keyRom: requiredRom(node, 'key_rom', 'gateway.key.pem', "the server certificate's private key (PEM)"),
    ...gatewayIdentity(node),
    hubHostName,
    hubCaRom: romName(node, 'hub_ca_rom', 'hub_ca.pem'),
    apiPort: between(node, 'api_port', EDGE_HUB_DEFAULTS.apiPort, 1, 65535),
    maxLeaves: between(node, 'max_leaves', EDGE_HUB_DEFAULTS.maxLeaves, 1, 10_000),
    leafRate,
    leafBurst: between(node, 'leaf_burst', Math.max(EDGE_HUB_DEFAULTS.leafBurst, leafRate), 1, 1_000_000),
    maxInFlight: between(node, 'max_in_flight', EDGE_HUB_DEFAULTS.maxInFlight, 1, 1000),
    maxPendingBytes: between(node, 'max_pending_bytes', EDGE_HUB_DEFAULTS.maxPendingBytes, 4096, 64 * 1024 * 1024),
    connectTimeoutMs: between(node, 'connect_timeout_ms', EDGE_HUB_DEFAULTS.connectTimeoutMs, 100, 600_000),
    scopeRefreshS: between(node, 'scope_refresh_s', EDGE_HUB_DEFAULTS.scopeRefreshS, 10, 4_000),
    scopeRetryMs: between(node, 'scope_retry_ms', EDGE_HUB_DEFAULTS.scopeRetryMs, 0, 3_600_000),
    timeoutMs: between(node, 'timeout_ms', EDGE_HUB_DEFAULTS.timeoutMs, 100, 600_000),
    verbose: booleanAttribute(node, 'verbose'),
    upstream: node.subNodes('upstream')[0],
  };
}

function booleanAttribute(node: XmlNode, name: string): boolean {
  try {
    return node.booleanAttribute(name, false);
  } catch (error) {
    throw new EdgeHubConfigError(error instanceof Error ? error.message : String(error));
  }
}

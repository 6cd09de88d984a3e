import { ConnectionStringError, type DeviceConnectionString, parseDeviceConnectionString } from '@os/iothub';
import type { XmlNode } from '@os/runtime';
import type { BackoffPolicy } from '@os/timer';
import { TwinConfigError } from './twin-config-error.js';

/** What the twin component works with, read from its `<config>`. */
export interface TwinConfig {
  /** The device's connection string, read. */
  readonly device: DeviceConnectionString;
  /** Where it connects: `GatewayHostName`, else `HostName`, without the port. */
  readonly host: string;
  /** The port there: the one in the host name, else 8883 (MQTT over TLS). */
  readonly port: number;
  /** The ROM holding the CA certificate (PEM) that the hub's certificate must chain to; none: the host's CAs. */
  readonly caRom: string | undefined;
  /** Spacing of reconnects, and of retries after a 429 or 5xx answer. */
  readonly backoff: BackoffPolicy;
  /** How long each SAS token is valid, in seconds; the connection is renewed after four fifths of it. */
  readonly tokenLifetimeS: number;
  /** The MQTT keep-alive, in seconds. */
  readonly keepaliveS: number;
  /** How long a connect (TCP, TLS, CONNACK) or an answer to a twin request may take, in milliseconds. */
  readonly timeoutMs: number;
  /** Log each desired and reported change, not only connection changes and refusals. */
  readonly verbose: boolean;
  /**
   * The members of `properties.reported.dynamic` and the ROM each is read from: `deploy` from `deploy_state` first,
   * then one per `<reported rom property/>` node.
   */
  readonly reported: readonly ReportedRom[];
}

/** A member of `properties.reported.dynamic` and the ROM whose JSON object the twin patches into it. */
export interface ReportedRom {
  /** The member's name (`deploy`, `telemetry`). */
  readonly property: string;
  /** The ROM's name (`deploy_state`, `telemetry_state`). */
  readonly rom: string;
}

/** At most this many reported ROMs besides `deploy_state`: each is a session of the twin's. */
const MAX_REPORTED = 8;

/** The `<reported rom property/>` nodes, after `deploy` from `deploy_state`. */
function reportedRoms(node: XmlNode): ReportedRom[] {
  const roms: ReportedRom[] = [{ property: 'deploy', rom: 'deploy_state' }];
  for (const child of node.subNodes()) {
    const where = `${child.origin}:${child.line}`;
    if (child.type !== 'reported') {
      throw new TwinConfigError(`${where}: <config> has an unknown node <${child.type}>; known: <reported>`);
    }
    for (const name of child.attributeNames())
      if (name !== 'rom' && name !== 'property')
        throw new TwinConfigError(`${where}: <reported> has unknown attribute ${name}; known: rom, property`);
    const rom = child.attribute('rom') ?? '';
    const property = child.attribute('property') ?? '';
    if (rom === '' || rom.includes(' -> ') || rom === 'config' || rom === 'desired') {
      throw new TwinConfigError(`${where}: <reported rom="${rom}"> names no ROM; write e.g. rom="telemetry_state"`);
    }
    if (!/^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(property)) {
      throw new TwinConfigError(
        `${where}: <reported property="${property}"> is no member name (a letter, then letters, digits or _); ` +
          'write e.g. property="telemetry"',
      );
    }
    const clash = roms.find((known) => known.property === property || known.rom === rom);
    if (clash !== undefined) {
      throw new TwinConfigError(
        `${where}: <reported rom="${rom}" property="${property}"> repeats ` +
          `${clash.property === property ? `property "${property}"` : `rom "${rom}"`}, already reported`,
      );
    }
    if (roms.length > MAX_REPORTED) {
      throw new TwinConfigError(
        `${where}: more than ${MAX_REPORTED} <reported> nodes; the twin reports at most that many`,
      );
    }
    roms.push({ property, rom });
  }
  return roms;
}

/** The defaults of {@link TwinConfig}'s numbers. */
export const TWIN_DEFAULTS = {
  port: 8883,
  retryInitialMs: 1000,
  retryMaxMs: 60_000,
  retryJitter: 0.5,
  tokenLifetimeS: 3600,
  keepaliveS: 60,
  timeoutMs: 30_000,
} as const;

const ATTRIBUTES = [
  'connection_string',
  'ca_rom',
  'retry_initial_ms',
  'retry_max_ms',
  'retry_jitter',
  'token_lifetime_s',
  'keepalive_s',
  'timeout_ms',
  'verbose',
];

/** The most the timer waits at once (its session's limit, about 71 minutes), in milliseconds. */
const MAX_WAIT_MS = 4_000_000;

function between(node: XmlNode, name: string, fallback: number, min: number, max: number): number {
  const value = node.numberAttribute(name, fallback);
  if (value < min || value > max) {
    throw new TwinConfigError(`${node.origin}:${node.line}: ${name}="${value}" must be from ${min} to ${max}`);
  }
  return value;
}

function jitter(node: XmlNode): number {
  const text = node.attribute('retry_jitter');
  if (text === undefined) return TWIN_DEFAULTS.retryJitter;
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new TwinConfigError(
      `${node.origin}:${node.line}: retry_jitter="${text}" must be a fraction from 0 to 1, e.g. retry_jitter="0.5"`,
    );
  }
  return value;
}

/** Splits `host[:port]` (a connection string's host name). */
function endpoint(hostName: string): { host: string; port: number } {
  const at = hostName.indexOf(':');
  return at < 0
    ? { host: hostName, port: TWIN_DEFAULTS.port }
    : { host: hostName.slice(0, at), port: Number(hostName.slice(at + 1)) };
}

/**
 * Reads the twin component's `<config>`: `connection_string` (required), `ca_rom`, `retry_initial_ms`,
 * `retry_max_ms`, `retry_jitter`, `token_lifetime_s`, `keepalive_s`, `timeout_ms`, `verbose`, and `reported`
 * nodes with `rom` and `property` (members of `properties.reported.dynamic` besides `deploy`, each from a ROM).
 * Throws {@link TwinConfigError} naming the attribute that is wrong.
 */
export function parseTwinConfig(node: XmlNode): TwinConfig {
  const where = `${node.origin}:${node.line}`;
  for (const name of node.attributeNames()) {
    if (!ATTRIBUTES.includes(name)) {
      throw new TwinConfigError(`${where}: <config> has unknown attribute ${name}; known: ${ATTRIBUTES.join(', ')}`);
    }
  }
  const text = node.attribute('connection_string');
  if (text === undefined) {
    throw new TwinConfigError(
      `${where}: <config> has no connection_string; write the device's, as "os hub device add ID" prints it: ` +
        'connection_string="HostName=...;DeviceId=...;SharedAccessKey=..."',
    );
  }
  let device: DeviceConnectionString;
  try {
    device = parseDeviceConnectionString(text);
  } catch (error) {
    if (error instanceof ConnectionStringError) throw new TwinConfigError(`${where}: ${error.message}`);
    throw error;
  }
  const initialMs = between(node, 'retry_initial_ms', TWIN_DEFAULTS.retryInitialMs, 1, MAX_WAIT_MS);
  const maxMs = between(node, 'retry_max_ms', Math.max(TWIN_DEFAULTS.retryMaxMs, initialMs), initialMs, MAX_WAIT_MS);
  const caRom = node.attribute('ca_rom');
  if (caRom === '' || caRom?.includes(' -> ')) {
    throw new TwinConfigError(`${where}: ca_rom="${caRom}" is no ROM name; write e.g. ca_rom="hub_ca.pem"`);
  }
  return {
    device,
    ...endpoint(device.gatewayHostName ?? device.hostName),
    caRom,
    backoff: { initialMs, maxMs, jitter: jitter(node) },
    tokenLifetimeS: between(node, 'token_lifetime_s', TWIN_DEFAULTS.tokenLifetimeS, 5, MAX_WAIT_MS / 1000),
    keepaliveS: between(node, 'keepalive_s', TWIN_DEFAULTS.keepaliveS, 5, 1177),
    timeoutMs: between(node, 'timeout_ms', TWIN_DEFAULTS.timeoutMs, 100, 600_000),
    verbose: node.booleanAttribute('verbose', false),
    reported: reportedRoms(node),
  };
}

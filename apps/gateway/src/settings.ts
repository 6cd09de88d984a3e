import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseDeviceConnectionString } from '@os/iothub';
import { parseGenodeNumber } from '@os/runtime';

/** A settings file that cannot be used: names the file, the field and what to write instead. */
export class GatewaySettingsError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'GatewaySettingsError';
  }
}

/** What net lets one deployed component do, by its start name. */
export interface ComponentNetwork {
  /** `host:port` patterns it may connect to (net's `<connect>` rules). */
  readonly connect: readonly { readonly host: string; readonly port: string }[];
  /** Ports it may listen on (net's `<listen>` rules). */
  readonly listen: readonly string[];
}

/** The edge hub's settings: where leaf devices connect, the CA its certificate chains to, store and forward. */
export interface EdgeHubSettings {
  /** The port leaves connect to (MQTT over TLS); 8883 by default. */
  readonly port: number;
  /** The address it listens on: `127.0.0.1` by default; `0.0.0.0` serves leaves on other machines. */
  readonly address: string;
  /** The gateway's name as leaves write it in `GatewayHostName`: the edge hub's certificate is issued for it. */
  readonly hostName: string;
  /**
   * The edge CA (PEM certificate and private key) the edge hub's certificate is issued from; undefined: a quickstart
   * CA the gateway makes in its storage on first start (`certs/edge-ca.pem`), as IoT Edge does without one.
   */
  readonly ca: { readonly certificate: string; readonly key: string } | undefined;
  /** The hub's HTTPS port, where the device-scope API answers (443 for IoT Hub; `os hub` prints its own). */
  readonly apiPort: number;
  /** Bytes of telemetry stored while the hub is unreachable, all leaves together (Genode's `64M`). */
  readonly maxBytes: string;
  /** How long stored telemetry is kept, in seconds. */
  readonly maxAgeS: number;
  /** Publishes per second each leaf may make on average. */
  readonly leafRate: number;
  /** The most leaves connected at once. */
  readonly maxLeaves: number;
}

/** The gateway's settings, read and checked, with paths made absolute. */
export interface GatewaySettings {
  /** The file they came from. */
  readonly file: string;
  /** The device connection string (`HostName=...;DeviceId=...;SharedAccessKey=...`). */
  readonly connectionString: string;
  /** Where twin connects: the host of `GatewayHostName` or `HostName`, and its port (8883 when it names none). */
  readonly hub: { readonly host: string; readonly port: number };
  /** The hub's CA certificate (PEM), when the hub's certificate does not chain to a CA of the host. */
  readonly hubCa: string | undefined;
  /** The depot server's URL (`http://host:port/`). */
  readonly depot: URL;
  /** Trusted depot users and their Ed25519 public keys (base64 SPKI). */
  readonly trust: ReadonlyMap<string, string>;
  /** The gateway's storage directory: the local depot (`depot/`) and the download's quarantine live there. */
  readonly storage: string;
  /** What net lets each deployed component do, by start name. */
  readonly network: ReadonlyMap<string, ComponentNetwork>;
  /** The runtime init's budget for the deployed components. */
  readonly runtime: { readonly ram: string; readonly caps: number };
  /** The edge hub for leaf devices (a transparent gateway); undefined: the gateway serves no leaves. */
  readonly edgeHub: EdgeHubSettings | undefined;
}

/** The settings file `os run apps/gateway` reads: `OS_GATEWAY_SETTINGS`, else `gateway.json` in the working folder. */
export function settingsFile(environment: Readonly<Record<string, string | undefined>> = process.env): string {
  return resolve(environment.OS_GATEWAY_SETTINGS ?? 'gateway.json');
}

type Fields = Readonly<Record<string, unknown>>;

const FIELDS = ['connectionString', 'hubCa', 'depot', 'trust', 'storage', 'network', 'runtime', 'edgeHub'];

const EDGE_HUB_FIELDS = [
  'port',
  'address',
  'hostName',
  'ca',
  'apiPort',
  'maxBytes',
  'maxAgeS',
  'leafRate',
  'maxLeaves',
];

/** A whole number from `min` to `max`, or `fallback` when absent. */
function wholeNumber(value: unknown, fallback: number, min: number, max: number): number | undefined {
  if (value === undefined) return fallback;
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max ? value : undefined;
}

/** The base64 body of a PEM public key, or the value itself when it is base64 already. */
function spkiBody(text: string, where: string): string {
  const body = text
    .replace(/-----(BEGIN|END) PUBLIC KEY-----/g, '')
    .replace(/\s+/g, '')
    .trim();
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(body))
    throw new GatewaySettingsError(
      `${where}: not a PEM public key or base64 SPKI (write the depot user's pubkey file)`,
    );
  return body;
}

/** Reads and checks the settings in `file` (JSON); relative paths in it are relative to the file's directory. */
export function readSettings(file: string): GatewaySettings {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new GatewaySettingsError(
      `no gateway settings at ${file}: write one (apps/gateway/README.md shows its fields) or name it with ` +
        'OS_GATEWAY_SETTINGS',
    );
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new GatewaySettingsError(`${file}: not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new GatewaySettingsError(`${file}: expected a JSON object with ${FIELDS.join(', ')}`);
  return parseSettings(value as Fields, file);
}

/** Checks settings given as a value; `file` names them in errors and anchors relative paths. */
export function parseSettings(fields: Fields, file: string): GatewaySettings {
  const base = dirname(file);
  const fail = (field: string, problem: string): never => {
    throw new GatewaySettingsError(`${file}: "${field}": ${problem}`);
  };
  const unknown = Object.keys(fields).filter((key) => !FIELDS.includes(key));
  if (unknown.length > 0) fail(unknown[0] as string, `unknown field (the fields are ${FIELDS.join(', ')})`);
  const string = (field: string): string => {
    const found = fields[field];
    if (typeof found !== 'string' || found.length === 0) return fail(field, 'expected a non-empty string');
    return found;
  };
  const readText = (field: string, path: string): string => {
    try {
      return readFileSync(resolve(base, path), 'utf8');
    } catch {
      return fail(field, `cannot read ${resolve(base, path)}`);
    }
  };

  const connectionString = string('connectionString');
  let hub: { host: string; port: number };
  try {
    const parsed = parseDeviceConnectionString(connectionString);
    const target = parsed.gatewayHostName ?? parsed.hostName;
    const [host, port] = target.split(':');
    hub = { host: host as string, port: port === undefined ? 8883 : Number(port) };
  } catch (error) {
    return fail('connectionString', error instanceof Error ? error.message : String(error));
  }

  const hubCa = fields.hubCa === undefined ? undefined : readText('hubCa', string('hubCa'));
  if (hubCa !== undefined && !hubCa.includes('-----BEGIN CERTIFICATE-----'))
    fail('hubCa', 'the file holds no PEM certificate (os hub start prints the path of its CA certificate)');

  let depot: URL;
  try {
    depot = new URL(string('depot'));
  } catch {
    return fail('depot', 'not a URL; write the depot server\'s, e.g. "http://127.0.0.1:8000/"');
  }
  if (depot.protocol !== 'http:') fail('depot', `the download speaks http only, not ${depot.protocol}`);

  const trustValue = fields.trust;
  if (typeof trustValue !== 'object' || trustValue === null || Array.isArray(trustValue))
    return fail('trust', 'expected an object of depot user -> public key file (or PEM)');
  const trust = new Map<string, string>();
  for (const [user, key] of Object.entries(trustValue)) {
    if (typeof key !== 'string') return fail('trust', `"${user}": expected a path or a PEM`);
    const pem = key.includes('-----BEGIN') ? key : readText('trust', key);
    trust.set(user, spkiBody(pem, `${file}: "trust": "${user}"`));
  }
  if (trust.size === 0) fail('trust', 'name at least one depot user and its public key');

  const storage = resolve(base, string('storage'));

  const network = new Map<string, ComponentNetwork>();
  const networkValue = fields.network ?? {};
  if (typeof networkValue !== 'object' || networkValue === null || Array.isArray(networkValue))
    return fail('network', 'expected an object of component name -> { connect, listen }');
  for (const [name, rules] of Object.entries(networkValue)) {
    const at = `"${name}"`;
    if (typeof rules !== 'object' || rules === null) return fail('network', `${at}: expected { connect, listen }`);
    const { connect = [], listen = [], ...rest } = rules as { connect?: unknown; listen?: unknown };
    if (Object.keys(rest).length > 0) fail('network', `${at}: unknown rule "${Object.keys(rest)[0]}"`);
    if (!Array.isArray(connect) || !Array.isArray(listen)) return fail('network', `${at}: expected lists`);
    network.set(name, {
      connect: connect.map((target: unknown) => {
        const match = typeof target === 'string' ? /^(.+):([0-9*-]+)$/.exec(target) : null;
        if (match === null) return fail('network', `${at}: connect "${String(target)}" is not host:port`);
        return { host: match[1] as string, port: match[2] as string };
      }),
      listen: listen.map((port: unknown) => {
        if (!/^[0-9*-]+$/.test(String(port))) return fail('network', `${at}: listen "${String(port)}" is no port`);
        return String(port);
      }),
    });
  }

  const runtimeValue = (fields.runtime ?? { ram: '64M', caps: 3000 }) as { ram?: unknown; caps?: unknown };
  if (typeof runtimeValue.ram !== 'string' || parseGenodeNumber(runtimeValue.ram) === undefined)
    fail('runtime', 'expected { "ram": "64M", "caps": 3000 }');
  if (typeof runtimeValue.caps !== 'number' || !Number.isInteger(runtimeValue.caps) || runtimeValue.caps <= 0)
    fail('runtime', 'expected { "ram": "64M", "caps": 3000 }');

  const edgeHub = fields.edgeHub === undefined ? undefined : edgeHubSettings(fields.edgeHub, fail, readText);

  return {
    file,
    connectionString,
    hub,
    hubCa,
    depot,
    trust,
    storage,
    network,
    runtime: { ram: runtimeValue.ram as string, caps: runtimeValue.caps as number },
    edgeHub,
  };
}

/** Checks the `edgeHub` field. */
function edgeHubSettings(
  value: unknown,
  fail: (field: string, problem: string) => never,
  readText: (field: string, path: string) => string,
): EdgeHubSettings {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return fail('edgeHub', `expected an object with ${EDGE_HUB_FIELDS.join(', ')} (all optional)`);
  const fields = value as Fields;
  const unknown = Object.keys(fields).filter((key) => !EDGE_HUB_FIELDS.includes(key));
  if (unknown.length > 0)
    fail('edgeHub', `unknown field "${unknown[0]}" (the fields are ${EDGE_HUB_FIELDS.join(', ')})`);
  const number = (field: string, fallback: number, min: number, max: number): number =>
    wholeNumber(fields[field], fallback, min, max) ??
    fail('edgeHub', `"${field}" must be a whole number from ${min} to ${max}`);
  const hostName = fields.hostName ?? 'localhost';
  if (typeof hostName !== 'string' || !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(hostName))
    fail('edgeHub', '"hostName" must be the host name leaves write in GatewayHostName, e.g. "gateway.local"');
  let ca: EdgeHubSettings['ca'];
  if (fields.ca !== undefined) {
    const given = fields.ca as { certificate?: unknown; key?: unknown };
    if (typeof given !== 'object' || typeof given.certificate !== 'string' || typeof given.key !== 'string')
      return fail('edgeHub', '"ca" must be { "certificate": "edge-ca.pem", "key": "edge-ca.key.pem" }');
    ca = { certificate: readText('edgeHub', given.certificate), key: readText('edgeHub', given.key) };
    if (!ca.certificate.includes('-----BEGIN CERTIFICATE-----'))
      fail('edgeHub', `"ca": ${given.certificate} holds no PEM certificate`);
    if (!/-----BEGIN (EC |RSA )?PRIVATE KEY-----/.test(ca.key))
      fail('edgeHub', `"ca": ${given.key} holds no PEM private key`);
  }
  const address = fields.address ?? '127.0.0.1';
  if (typeof address !== 'string' || !/^[0-9a-fA-F.:]+$/.test(address))
    fail('edgeHub', '"address" must be an IP address to listen on, e.g. "0.0.0.0" for every interface');
  const maxBytes = fields.maxBytes ?? '64M';
  if (typeof maxBytes !== 'string' || parseGenodeNumber(maxBytes) === undefined)
    fail('edgeHub', '"maxBytes" must be a size such as "64M"');
  return {
    port: number('port', 8883, 1, 65535),
    address: address as string,
    hostName: hostName as string,
    ca,
    apiPort: number('apiPort', 443, 1, 65535),
    maxBytes: maxBytes as string,
    maxAgeS: number('maxAgeS', 7200, 1, 30 * 24 * 3600),
    leafRate: number('leafRate', 100, 1, 100_000),
    maxLeaves: number('maxLeaves', 100, 1, 10_000),
  };
}

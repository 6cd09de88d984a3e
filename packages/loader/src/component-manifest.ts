import { parseGenodeNumber } from '@os/runtime';
import { ManifestError } from './errors.js';

/** The package.json field that makes a package a component package. */
export const MANIFEST_FIELD = 'osComponent';

/** A session a component asks its parent for. */
export interface RequiredSession {
  /** The service name (`Timer`, `LOG`, `ROM`, ...). */
  readonly service: string;
  /** The session label, when the component asks under one (a ROM's module name). */
  readonly label?: string;
}

/**
 * What a component package declares in the `osComponent` field of its package.json, so an integrator
 * (and `os run`, before boot) can check a start entry against it.
 */
export interface ComponentManifest {
  /** The RPC wire version (`WIRE_VERSION` of `@os/rpc`) the package was built for. */
  readonly wire: number;
  /** `native`: the entry exports `construct(env)`; `libc`: a Node-style program run under `@os/libc-shim`. */
  readonly type: 'native' | 'libc';
  /** Sessions it asks its parent for; each needs a route. */
  readonly requires: readonly RequiredSession[];
  /** Services it announces. */
  readonly provides: readonly string[];
  /** The RAM quota it needs at least, in bytes; its start entry gives at least this. */
  readonly ram?: number;
  /** The capability quota it needs at least. */
  readonly caps?: number;
}

const FIELDS = ['wire', 'type', 'requires', 'provides', 'ram', 'caps'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function serviceName(value: unknown, fail: (problem: string) => never, at: string): string {
  if (typeof value !== 'string' || !/^[A-Za-z][\w-]*$/.test(value))
    fail(`"${at}": expected a service name such as "Timer", got ${describe(value)}`);
  return value;
}

function requiredSession(value: unknown, index: number, fail: (problem: string) => never): RequiredSession {
  const at = `${MANIFEST_FIELD}.requires[${index}]`;
  if (typeof value === 'string') return { service: serviceName(value, fail, at) };
  if (!isRecord(value))
    fail(`"${at}": expected "Timer" or {"service": "ROM", "label": "config"}, got ${describe(value)}`);
  for (const key of Object.keys(value))
    if (key !== 'service' && key !== 'label') fail(`"${at}": unknown field "${key}" (known: service, label)`);
  const service = serviceName(value.service, fail, `${at}.service`);
  if (value.label === undefined) return { service };
  if (typeof value.label !== 'string') fail(`"${at}.label": expected a string, got ${describe(value.label)}`);
  return { service, label: value.label };
}

function quota(value: unknown, at: string, fail: (problem: string) => never, bytes: boolean): number | undefined {
  if (value === undefined) return undefined;
  const number =
    typeof value === 'number' ? value : bytes && typeof value === 'string' ? parseGenodeNumber(value) : undefined;
  if (number === undefined || !Number.isSafeInteger(number) || number < 0) {
    fail(
      `"${at}": expected ${bytes ? 'a number of bytes or a size such as "2M"' : 'a non-negative integer'}, ` +
        `got ${describe(value)}`,
    );
  }
  return number;
}

/**
 * Reads and checks the `osComponent` manifest of a package.json (`source` names the file in errors).
 * Every field is checked; an unknown one is an error, so a typo does not pass unnoticed.
 */
export function readComponentManifest(
  packageJson: Readonly<Record<string, unknown>>,
  source: string,
): ComponentManifest {
  const fail = (problem: string): never => {
    throw new ManifestError(`${source}: ${problem}`);
  };
  const raw = packageJson[MANIFEST_FIELD];
  if (raw === undefined) {
    fail(
      `package "${String(packageJson.name)}" is not a component package: its package.json has no ` +
        (`"${MANIFEST_FIELD}" field (see the @os/loader README for the schema: {"wire": 1, "type": "native", ` +
          `"requires": ["Timer"]})`),
    );
  }
  if (!isRecord(raw)) return fail(`"${MANIFEST_FIELD}": expected an object, got ${describe(raw)}`);
  for (const key of Object.keys(raw))
    if (!FIELDS.includes(key)) fail(`"${MANIFEST_FIELD}.${key}": unknown field (known: ${FIELDS.join(', ')})`);
  const wire = raw.wire;
  if (typeof wire !== 'number' || !Number.isSafeInteger(wire) || wire < 0)
    fail(
      `"${MANIFEST_FIELD}.wire": expected the RPC wire version the package was built for (a non-negative integer, ` +
        `WIRE_VERSION of @os/rpc), got ${describe(wire)}`,
    );
  const type = raw.type ?? 'native';
  if (type !== 'native' && type !== 'libc')
    fail(`"${MANIFEST_FIELD}.type": expected "native" or "libc", got ${describe(type)}`);
  const requires = raw.requires ?? [];
  if (!Array.isArray(requires)) fail(`"${MANIFEST_FIELD}.requires": expected an array, got ${describe(requires)}`);
  const provides = raw.provides ?? [];
  if (!Array.isArray(provides)) fail(`"${MANIFEST_FIELD}.provides": expected an array, got ${describe(provides)}`);
  const ram = quota(raw.ram, `${MANIFEST_FIELD}.ram`, fail, true);
  const caps = quota(raw.caps, `${MANIFEST_FIELD}.caps`, fail, false);
  return {
    wire: wire as number,
    type: type as 'native' | 'libc',
    requires: (requires as unknown[]).map((value, index) => requiredSession(value, index, fail)),
    provides: (provides as unknown[]).map((value, index) =>
      serviceName(value, fail, `${MANIFEST_FIELD}.provides[${index}]`),
    ),
    ...(ram === undefined ? {} : { ram }),
    ...(caps === undefined ? {} : { caps }),
  };
}

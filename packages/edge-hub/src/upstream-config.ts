import { parseGenodeNumber, type XmlNode } from '@os/runtime';
import { between } from './edge-hub-config.js';
import { EdgeHubConfigError } from './edge-hub-config-error.js';
import { UPSTREAM_DEFAULTS, type UpstreamSettings } from './upstream/upstream-settings.js';

/** What the edge hub's `<upstream>` node says: the store-and-forward bounds, the connections, the reported state. */
export interface UpstreamConfig {
  /** The most bytes of telemetry stored for the hub, all leaves together; beyond it the oldest is dropped. */
  readonly maxBytes: number;
  /** The oldest a stored message may grow before it is dropped, in seconds. */
  readonly maxAgeS: number;
  /** How often the `telemetry_state` report is brought up to date (when it changed), in milliseconds. */
  readonly reportMs: number;
  /** How the connections to the hub behave. */
  readonly settings: UpstreamSettings;
}

/** The defaults: 64 MiB for two hours (IoT Edge's default `timeToLiveSecs` is 7200), reported each second. */
export const UPSTREAM_CONFIG_DEFAULTS = {
  maxBytes: 64 * 1024 * 1024,
  maxAgeS: 7200,
  reportMs: 1000,
} as const;

const ATTRIBUTES = [
  'max_bytes',
  'max_age_s',
  'report_ms',
  'max_in_flight',
  'token_lifetime_s',
  'keepalive_s',
  'timeout_ms',
  'retry_initial_ms',
  'retry_max_ms',
  'retry_jitter',
];

/** The size attribute `name` (Genode's `64M`, `512K`, or bytes), from `min` to `max`. */
function size(node: XmlNode, name: string, fallback: number, min: number, max: number): number {
  const text = node.attribute(name);
  if (text === undefined) return fallback;
  const value = parseGenodeNumber(text);
  if (value === undefined || value < min || value > max) {
    throw new EdgeHubConfigError(
      `${node.origin}:${node.line}: <upstream ${name}="${text}"> must be a size from ${min} to ${max} bytes, ` +
        `e.g. ${name}="64M"`,
    );
  }
  return value;
}

function jitter(node: XmlNode): number {
  const text = node.attribute('retry_jitter');
  if (text === undefined) return UPSTREAM_DEFAULTS.backoff.jitter;
  const value = /^\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new EdgeHubConfigError(
      `${node.origin}:${node.line}: <upstream retry_jitter="${text}"> must be a fraction from 0 to 1, e.g. "0.5"`,
    );
  }
  return value;
}

/**
 * Reads the `<upstream>` node of the edge hub's config (absent: the defaults): `max_bytes`, `max_age_s`, `report_ms`,
 * `max_in_flight`, `token_lifetime_s`, `keepalive_s`, `timeout_ms`, `retry_initial_ms`, `retry_max_ms`,
 * `retry_jitter`. Throws {@link EdgeHubConfigError} naming what is wrong.
 */
export function parseUpstreamConfig(node: XmlNode | undefined): UpstreamConfig {
  if (node === undefined) return { ...UPSTREAM_CONFIG_DEFAULTS, settings: UPSTREAM_DEFAULTS };
  for (const name of node.attributeNames())
    if (!ATTRIBUTES.includes(name))
      throw new EdgeHubConfigError(
        `${node.origin}:${node.line}: <upstream> has unknown attribute ${name}; known: ${ATTRIBUTES.join(', ')}`,
      );
  if (node.subNodes().length > 0)
    throw new EdgeHubConfigError(`${node.origin}:${node.line}: <upstream> takes no sub-nodes`);
  const defaults = UPSTREAM_DEFAULTS;
  const initialMs = between(node, 'retry_initial_ms', defaults.backoff.initialMs, 1, 4_000_000);
  const maxMs = between(node, 'retry_max_ms', Math.max(defaults.backoff.maxMs, initialMs), initialMs, 4_000_000);
  return {
    maxBytes: size(node, 'max_bytes', UPSTREAM_CONFIG_DEFAULTS.maxBytes, 64 * 1024, 2 ** 40),
    maxAgeS: between(node, 'max_age_s', UPSTREAM_CONFIG_DEFAULTS.maxAgeS, 1, 30 * 24 * 3600),
    reportMs: between(node, 'report_ms', UPSTREAM_CONFIG_DEFAULTS.reportMs, 50, 3_600_000),
    settings: {
      maxInFlight: between(node, 'max_in_flight', defaults.maxInFlight, 1, 1024),
      tokenLifetimeS: between(node, 'token_lifetime_s', defaults.tokenLifetimeS, 5, 86_400),
      keepaliveS: between(node, 'keepalive_s', defaults.keepaliveS, 5, 1177),
      timeoutMs: between(node, 'timeout_ms', defaults.timeoutMs, 100, 600_000),
      backoff: { initialMs, maxMs, jitter: jitter(node) },
      expireEveryMs: defaults.expireEveryMs,
    },
  };
}

import type { BackoffPolicy } from '@os/timer';

/** How the upstream side connects and drains. */
export interface UpstreamSettings {
  /** Telemetry messages of one leaf sent and not yet acknowledged by the hub, at most. */
  readonly maxInFlight: number;
  /**
   * Bytes of those messages' bodies, at most (one message is sent whatever its size); 1 MiB by default: what the MQTT
   * client holds until the hub's PUBACK.
   */
  readonly maxInFlightBytes?: number;
  /** How long a SAS token the gateway makes for a leaf is valid, in seconds; renewed after four fifths of it. */
  readonly tokenLifetimeS: number;
  /** MQTT keep-alive of the connections to the hub, in seconds. */
  readonly keepaliveS: number;
  /** Bound on connecting (TCP, TLS, MQTT), in milliseconds. */
  readonly timeoutMs: number;
  /** Reconnects while the hub is unreachable. */
  readonly backoff: BackoffPolicy;
  /** How often messages over the queue's age are dropped, in milliseconds. */
  readonly expireEveryMs: number;
}

/**
 * The defaults: 64 in flight (a hub's PUBACKs take long under load: fewer leave the leaf's messages waiting) and at
 * most 1 MiB of them, one-hour tokens, 60 s keep-alive, 30 s connect timeout, 1 s to 60 s backoff.
 */
export const UPSTREAM_DEFAULTS: UpstreamSettings = {
  maxInFlight: 64,
  maxInFlightBytes: 1024 * 1024,
  tokenLifetimeS: 3600,
  keepaliveS: 60,
  timeoutMs: 30_000,
  backoff: { initialMs: 1000, maxMs: 60_000, jitter: 0.5 },
  expireEveryMs: 60_000,
};

/** How reconnects and retries are spaced: exponential from `initialMs`, capped at `maxMs`, with jitter. */
export interface BackoffPolicy {
  /** The wait before the first retry, in milliseconds. */
  readonly initialMs: number;
  /** The longest wait, in milliseconds. */
  readonly maxMs: number;
  /** The share of each wait, from 0 to 1, that is left to chance: 0.5 waits between half and all of it. */
  readonly jitter: number;
}

/**
 * The wait before retry number `retry` (1 for the first): `initialMs * 2^(retry - 1)` capped at `maxMs`, less a
 * random share of up to `jitter` of it, so that clients that lost the same server do not come back in step. `random`
 * answers a number in [0, 1).
 */
export function backoffDelayMs(policy: BackoffPolicy, retry: number, random: () => number): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const capped = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(capped * (1 - policy.jitter * random()));
}

/** How retries of an unreachable depot are spaced: exponential from `initialMs`, capped at `maxMs`, with jitter. */
export interface BackoffPolicy {
  /** The wait before the first retry, in milliseconds. */
  readonly initialMs: number;
  /** The longest wait between two attempts, in milliseconds. */
  readonly maxMs: number;
}

/**
 * The wait before retry number `retry` (1 for the first): `initialMs * 2^(retry - 1)` capped at `maxMs`, then a random
 * point in its upper half ("equal jitter"), so that gateways that lost the same depot do not come back in step.
 * `random` answers a number in [0, 1).
 */
export function backoffDelayMs(policy: BackoffPolicy, retry: number, random: () => number): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const capped = Math.min(policy.maxMs, policy.initialMs * 2 ** exponent);
  return Math.round(capped / 2 + (capped / 2) * random());
}

import type { TimeoutScheduler } from '@os/timer';

/**
 * What the upstream side waits with (backoff, token renewal, expiry sweeps): `@os/timer`'s `TimeoutScheduler`, or
 * anything that schedules alike.
 */
export type Alarms = Pick<TimeoutScheduler, 'schedule'>;

/** Resolves after `ms` milliseconds of `alarms`. */
export function sleep(alarms: Alarms, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    alarms.schedule(ms, resolve).catch(reject);
  });
}

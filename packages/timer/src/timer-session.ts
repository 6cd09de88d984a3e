import { RpcException, codec, defineInterface, method } from '@os/rpc';

/**
 * The shortest one-shot trigger, in microseconds: `triggerOnce` of less fires after this long, as
 * Genode's timer drivers clamp `trigger_once` (`max(rel_us, 250u)`).
 */
export const TIMER_MIN_ONE_SHOT_US = 250;

/**
 * The shortest period, in microseconds: `triggerPeriodic` of less (but not 0, which stops the
 * trigger) fires this often, as Genode's timer drivers clamp `trigger_periodic` (`max(period_us, 1000u)`).
 */
export const TIMER_MIN_PERIOD_US = 1000;

/** The longest trigger, in microseconds (2^32 - 1, about 71.6 minutes). */
export const TIMER_MAX_DURATION_US = 2 ** 32 - 1;

/**
 * A trigger duration that is not a number from 0 to {@link TIMER_MAX_DURATION_US} microseconds (negative, NaN,
 * infinite, too long).
 */
export class InvalidDuration extends RpcException {}

/**
 * Genode's `Timer::Session`: one-shot and periodic triggers delivered as signals to the handler set
 * with `sigh`, and the time elapsed since the session was opened.
 */
export const TimerSession = defineInterface('Timer', {
  triggerOnce: method([codec.f64], codec.void, { throws: [InvalidDuration] }),
  triggerPeriodic: method([codec.f64], codec.void, { throws: [InvalidDuration] }),
  sigh: method([codec.capability()], codec.void),
  elapsedMs: method([], codec.f64),
  elapsedUs: method([], codec.f64),
});

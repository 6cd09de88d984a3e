import { codec, defineInterface, method } from '@os/rpc';

/**
 * Genode's `Timer::Session`: one-shot and periodic triggers delivered as signals to the handler set
 * with `sigh`, and the time elapsed since the session was opened.
 */
export const TimerSession = defineInterface('Timer', {
  triggerOnce: method([codec.f64], codec.void),
  triggerPeriodic: method([codec.f64], codec.void),
  sigh: method([codec.capability()], codec.void),
  elapsedMs: method([], codec.f64),
  elapsedUs: method([], codec.f64),
});

import { type Clock, VirtualClock } from '@os/kernel';
import { RpcObject, type ServerOf, codec, defineInterface, method } from '@os/rpc';

/**
 * Genode's Rtc session: the wall-clock time. Genode's `current_time` returns a broken-down timestamp;
 * here it is milliseconds since the Unix epoch (UTC), which every JavaScript date takes.
 */
export const Rtc = defineInterface('Rtc', {
  currentTime: method([], codec.f64),
});

/**
 * The wall time an RTC reads at virtual time zero: 2026-01-01T00:00:00Z. On virtual time the RTC
 * starts here and advances with the virtual clock, so runs stay deterministic.
 */
export const VIRTUAL_RTC_EPOCH = Date.UTC(2026, 0, 1);

/** The wall time on `clock`: the real time on a real clock; `VIRTUAL_RTC_EPOCH` plus the elapsed time on virtual time. */
export function wallTime(clock: Clock): number {
  return clock instanceof VirtualClock ? VIRTUAL_RTC_EPOCH + Math.floor(clock.now() / 1000) : Date.now();
}

/** core's Rtc session: reads the wall time off the system's clock. */
export class RtcSessionComponent extends RpcObject<typeof Rtc> implements ServerOf<typeof Rtc> {
  /** Serves the wall time of `clock`. */
  constructor(private readonly clock: Clock) {
    super(Rtc);
  }

  /** Milliseconds since the epoch, UTC (Rtc::current_time). */
  currentTime(): number {
    return wallTime(this.clock);
  }
}

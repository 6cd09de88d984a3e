import { type Clock, VirtualClock } from '@os/kernel';
import { RpcObject, type ServerOf } from '@os/rpc';
import { Rtc, VIRTUAL_RTC_EPOCH } from '../rtc.js';

/**
 * The wall time on `clock`: the real time on a real clock; `VIRTUAL_RTC_EPOCH` plus the elapsed time on virtual time.
 */
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

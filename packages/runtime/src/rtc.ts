import { codec, defineInterface, method } from '@os/rpc';

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

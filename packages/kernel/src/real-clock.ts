import type { Clock, ClockTimer } from './clock.js';

interface RealTimer extends ClockTimer {
  handle: ReturnType<typeof setTimeout> | null;
}

/** The host's monotonic clock: a second of the system is a second of wall time. */
export class RealClock implements Clock {
  /** Always false: this clock follows the host. */
  readonly virtual = false;
  readonly #start = performance.now();

  /** Microseconds since this clock was made. */
  now(): number {
    return Math.floor((performance.now() - this.#start) * 1000);
  }

  /** Fires `fire` at `at` microseconds. */
  schedule(at: number, fire: () => void): ClockTimer {
    const timer: RealTimer = { at, handle: null };
    const delayMs = Math.max(0, (at - this.now()) / 1000);
    timer.handle = setTimeout(() => {
      timer.handle = null;
      fire();
    }, delayMs);
    return timer;
  }

  /** Cancels a pending timer. */
  cancel(timer: ClockTimer): void {
    const real = timer as RealTimer;
    if (real.handle !== null) clearTimeout(real.handle);
    real.handle = null;
  }
}

import type { KernelThread } from '@os/kernel';
import type { TimerConnection } from '@os/timer';

/**
 * The synchronous time a program reads (`performance.now()`, `Date.now()`): the Timer session's
 * elapsed time at start, advanced with the kernel's time source in between, as Genode's
 * `Timer::Connection::curr_time` interpolates between timer calls with the CPU's time stamp counter.
 * It follows virtual time, because the kernel's time does.
 */
export class ProgramClock {
  readonly #thread: KernelThread;
  readonly #startUs: number;
  readonly #baseUs: number;

  private constructor(thread: KernelThread, startUs: number) {
    this.#thread = thread;
    this.#startUs = startUs;
    this.#baseUs = thread.time();
  }

  /** Starts the clock from the timer's elapsed time. */
  static async start(thread: KernelThread, timer: TimerConnection): Promise<ProgramClock> {
    return new ProgramClock(thread, await timer.elapsedUs());
  }

  /** Microseconds on the timer since it started. */
  nowUs(): number {
    return this.#startUs + (this.#thread.time() - this.#baseUs);
  }

  /** Microseconds since this clock started: the program's `performance.now()` times 1000. */
  sinceStartUs(): number {
    return this.#thread.time() - this.#baseUs;
  }
}

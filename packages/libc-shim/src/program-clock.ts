import type { KernelThread } from '@os/kernel';
import type { TimerConnection } from '@os/timer';
import { TimerUnavailableError } from './timer-unavailable-error.js';

/**
 * The program's time and the Timer session it is kept on, which opens at the program's first use of time, as
 * Genode's libc constructs its timer at the first call that needs it (`Kernel_timer_accessor`): a program that never
 * asks for time needs no Timer route.
 *
 * Genode's libc blocks in that first call until the session is there. A synchronous read here (`Date.now()`,
 * `performance.now()`) cannot wait: it starts the open and reads the kernel's time source, which the component has
 * without any session, as Genode's `Timer::Connection::curr_time` interpolates between timer calls with the CPU's
 * time stamp counter (here the kernel counts microseconds already, and follows virtual time). The Timer route is
 * needed all the same, so that a system that runs a program here runs it under Genode's libc too. When the open
 * fails, `onFailure` gets a {@link TimerUnavailableError}; whatever the program did after its first read has happened
 * by then, and the shim ends it with that error (see `runLibcProgram`).
 */
export class ProgramClock {
  readonly #thread: KernelThread;
  readonly #startUs: number;
  readonly #open: () => Promise<TimerConnection>;
  readonly #onFailure: (error: TimerUnavailableError) => void;
  #timer: Promise<TimerConnection> | null = null;

  /** Starts the program's clock now; `open` opens the Timer session when the program first uses time. */
  constructor(
    thread: KernelThread,
    open: () => Promise<TimerConnection>,
    onFailure: (error: TimerUnavailableError) => void,
  ) {
    this.#thread = thread;
    this.#startUs = thread.time();
    this.#open = open;
    this.#onFailure = onFailure;
  }

  /** Microseconds since the program started, read by the program's `use` (`performance.now()`): a use of time. */
  read(use: string): number {
    void this.timer(use);
    return this.sinceStartUs();
  }

  /**
   * Microseconds since the program started, on the kernel's time source, opening nothing: for the timer queue (whose
   * caller opened the session) and the VFS's clock (a RAM file's times and the `<rtc/>` file are the VFS's, which
   * takes no Timer, as Genode's rtc file system reads its Rtc session alone).
   */
  sinceStartUs(): number {
    return this.#thread.time() - this.#startUs;
  }

  /** The Timer session, opened at the first call; `use` names the program's first use of time for the error. */
  timer(use: string): Promise<TimerConnection> {
    if (this.#timer === null) {
      this.#timer = this.#open().catch((cause: unknown) => {
        throw new TimerUnavailableError(use, cause);
      });
      void this.#timer.catch(this.#onFailure);
    }
    return this.#timer;
  }

  /** Settles once the session's open, if the program started one, settled: with its error when it failed. */
  async failure(): Promise<TimerUnavailableError | undefined> {
    if (this.#timer === null) return undefined;
    return this.#timer.then(
      () => undefined,
      (error: TimerUnavailableError) => error,
    );
  }
}

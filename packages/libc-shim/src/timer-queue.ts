import { type Entrypoint, SignalHandler } from '@os/runtime';
import type { TimerConnection } from '@os/timer';
import type { ProgramClock } from './program-clock.js';
import { TimerUnavailableError } from './timer-unavailable-error.js';

interface Entry {
  readonly id: number;
  due: number;
  readonly interval: number | null;
  readonly callback: (...args: unknown[]) => void;
  readonly args: readonly unknown[];
  /** Counts towards keeping the program alive (Node's `ref`). */
  ref: boolean;
}

/**
 * The program's timers (`setTimeout`, `setInterval`, `setImmediate`) multiplexed on its one Timer
 * session, as Genode's `Timer::Connection` schedules many timeouts on one: the session is armed for
 * the earliest, and each signal runs every timer that is due, in order. The session is the clock's,
 * opened by the program's first timer; until it is there, the timers wait for it.
 */
export class TimerQueue {
  readonly #ep: Entrypoint;
  readonly #clock: ProgramClock;
  readonly #entries = new Map<number, Entry>();
  readonly #onError: (error: unknown) => void;
  readonly #onIdle: () => void;
  #timer: Promise<TimerConnection> | null = null;
  #nextId = 1;
  #armedFor = Number.POSITIVE_INFINITY;
  #arming: Promise<void> = Promise.resolve();
  #stopped = false;

  /**
   * A queue on the Timer session of `clock`, whose signals go to `ep`; `onError` gets what a timer callback throws,
   * `onIdle` runs after a signal left no timer that keeps the program alive.
   */
  constructor(ep: Entrypoint, clock: ProgramClock, onError: (error: unknown) => void, onIdle: () => void) {
    this.#ep = ep;
    this.#clock = clock;
    this.#onError = onError;
    this.#onIdle = onIdle;
  }

  /** Timers that keep the program alive. */
  get active(): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.ref) count++;
    return count;
  }

  /** Adds a timer due in `delay` ms, set by the program's `use` (`setTimeout`); `repeat` makes it an interval. */
  add(
    use: string,
    callback: (...args: unknown[]) => void,
    delay: number,
    args: readonly unknown[],
    repeat: boolean,
  ): number {
    if (this.#timer === null && !this.#stopped) {
      this.#timer = this.#clock.timer(use).then(async (timer) => {
        await timer.sigh(new SignalHandler(this.#ep, () => this.#fire()));
        return timer;
      });
      // its failure reaches the program through #arm (or the clock's report); nothing is left unhandled
      void this.#timer.catch(() => undefined);
    }
    const id = this.#nextId++;
    this.#entries.set(id, {
      id,
      due: this.#clock.sinceStartUs() + delay * 1000,
      interval: repeat ? delay : null,
      callback,
      args,
      ref: true,
    });
    this.#arm();
    return id;
  }

  /** Removes a timer; unknown ids are ignored, as Node does. */
  remove(id: unknown): void {
    if (typeof id === 'number') this.#entries.delete(id);
    else if (
      typeof id === 'object' &&
      id !== null &&
      typeof (id as { [Symbol.toPrimitive]?: unknown })[Symbol.toPrimitive] === 'function'
    )
      this.#entries.delete(Number(id));
  }

  /** Marks a timer as keeping the program alive or not (Node's `ref`/`unref`). */
  setRef(id: number, ref: boolean): void {
    const entry = this.#entries.get(id);
    if (entry !== undefined) entry.ref = ref;
  }

  /** Drops every timer for good: the program exited. */
  stop(): void {
    this.#stopped = true;
    this.#entries.clear();
  }

  #arm(): void {
    const timer = this.#timer;
    if (this.#stopped || timer === null) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.#entries.values()) earliest = Math.min(earliest, entry.due);
    if (earliest >= this.#armedFor || earliest === Number.POSITIVE_INFINITY) return;
    this.#armedFor = earliest;
    this.#arming = this.#arming
      .then(async () => {
        const session = await timer;
        await session.triggerOnce(Math.max(0, Math.ceil(earliest - this.#clock.sinceStartUs())));
      })
      // a session that could not be opened is the clock's to report
      .catch((error: unknown) => {
        if (!(error instanceof TimerUnavailableError)) this.#onError(error);
      });
  }

  #fire(): void {
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#clock.sinceStartUs();
    const due = [...this.#entries.values()]
      .filter((entry) => entry.due <= now)
      .sort((a, b) => a.due - b.due || a.id - b.id);
    for (const entry of due) {
      if (this.#stopped) return;
      if (!this.#entries.has(entry.id)) continue;
      if (entry.interval === null) this.#entries.delete(entry.id);
      else entry.due = Math.max(entry.due + entry.interval * 1000, now);
      try {
        entry.callback(...entry.args);
      } catch (error) {
        this.#onError(error);
      }
    }
    this.#arm();
    if (this.active === 0) this.#onIdle();
  }
}

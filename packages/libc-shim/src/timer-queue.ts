import { type Entrypoint, SignalHandler } from '@os/runtime';
import type { TimerConnection } from '@os/timer';
import type { ProgramClock } from './program-clock.js';

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
 * the earliest, and each signal runs every timer that is due, in order.
 */
export class TimerQueue {
  readonly #timer: TimerConnection;
  readonly #clock: ProgramClock;
  readonly #entries = new Map<number, Entry>();
  readonly #onError: (error: unknown) => void;
  readonly #onIdle: () => void;
  #nextId = 1;
  #armedFor = Number.POSITIVE_INFINITY;
  #arming: Promise<void> = Promise.resolve();
  #stopped = false;

  private constructor(
    timer: TimerConnection,
    clock: ProgramClock,
    onError: (error: unknown) => void,
    onIdle: () => void,
  ) {
    this.#timer = timer;
    this.#clock = clock;
    this.#onError = onError;
    this.#onIdle = onIdle;
  }

  /** Creates the queue and registers its signal handler at the timer. */
  static async create(
    ep: Entrypoint,
    timer: TimerConnection,
    clock: ProgramClock,
    onError: (error: unknown) => void,
    onIdle: () => void,
  ): Promise<TimerQueue> {
    const queue = new TimerQueue(timer, clock, onError, onIdle);
    await timer.sigh(new SignalHandler(ep, () => queue.#fire()));
    return queue;
  }

  /** Timers that keep the program alive. */
  get active(): number {
    let count = 0;
    for (const entry of this.#entries.values()) if (entry.ref) count++;
    return count;
  }

  /** Adds a timer due in `delay` ms; `repeat` makes it an interval. */
  add(
    callback: (...args: unknown[]) => void,
    delay: number,
    args: readonly unknown[],
    repeat: boolean,
    ref = true,
  ): number {
    const id = this.#nextId++;
    this.#entries.set(id, {
      id,
      due: this.#clock.nowUs() + delay * 1000,
      interval: repeat ? delay : null,
      callback,
      args,
      ref,
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
    if (this.#stopped) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const entry of this.#entries.values()) earliest = Math.min(earliest, entry.due);
    if (earliest >= this.#armedFor || earliest === Number.POSITIVE_INFINITY) return;
    this.#armedFor = earliest;
    const delay = Math.max(0, Math.ceil(earliest - this.#clock.nowUs()));
    this.#arming = this.#arming
      .then(() => this.#timer.triggerOnce(delay))
      .catch((error: unknown) => this.#onError(error));
  }

  #fire(): void {
    this.#armedFor = Number.POSITIVE_INFINITY;
    const now = this.#clock.nowUs();
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

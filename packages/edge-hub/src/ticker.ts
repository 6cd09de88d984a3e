import { type Env, SignalHandler } from '@os/runtime';
import { Timer } from '@os/timer';

/**
 * The edge hub's clock: one Timer session ticking periodically. Each tick reads the elapsed time once and wakes
 * what waits for it (token buckets refill, keep-alives and timeouts are checked), so no publish costs a Timer call.
 */
export class Ticker {
  readonly #timer: Timer.Connection;
  readonly #periodMs: number;
  readonly #listeners = new Set<(nowMs: number) => void>();
  #nowMs = 0;
  #next: { promise: Promise<void>; resolve: () => void } | undefined;

  private constructor(timer: Timer.Connection, periodMs: number) {
    this.#timer = timer;
    this.#periodMs = periodMs;
  }

  /** Opens a Timer session ticking every `periodMs` milliseconds on the system's clock. */
  static async open(env: Env, periodMs: number): Promise<Ticker> {
    const ticker = new Ticker(await Timer.Connection.open(env), periodMs);
    ticker.#nowMs = await ticker.#timer.elapsedMs();
    await ticker.#timer.sigh(new SignalHandler(env.ep, () => ticker.#tick()));
    await ticker.#timer.triggerPeriodic(periodMs * 1000);
    return ticker;
  }

  /** The period between ticks, in milliseconds. */
  get periodMs(): number {
    return this.#periodMs;
  }

  /** Milliseconds since the timer started, as of the last tick. */
  now(): number {
    return this.#nowMs;
  }

  /** Resolves at the next tick. */
  next(): Promise<void> {
    if (this.#next === undefined) {
      let resolve: () => void = () => undefined;
      const promise = new Promise<void>((done) => (resolve = done));
      this.#next = { promise, resolve };
    }
    return this.#next.promise;
  }

  /** Calls `listener` with the time at each tick; returns the function that stops it. */
  onTick(listener: (nowMs: number) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async #tick(): Promise<void> {
    this.#nowMs = await this.#timer.elapsedMs();
    const next = this.#next;
    this.#next = undefined;
    next?.resolve();
    for (const listener of this.#listeners) listener(this.#nowMs);
  }
}

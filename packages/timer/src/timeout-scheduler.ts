import { type Env, SignalHandler } from '@os/runtime';
import { TimerConnection } from './timer-connection.js';

/** The longest one-shot a Timer session takes (2^32 - 1 µs), in milliseconds: later timeouts are re-armed. */
const MAX_TRIGGER_MS = 4_294_967;

interface Timeout {
  readonly at: number;
  readonly fire: () => void;
}

/**
 * Many timeouts on one Timer session, after Genode's `Timer::Connection` with its `Timeout_scheduler`: the session's
 * one-shot trigger is set for the earliest timeout, and each signal fires what is due and sets it for the next. A
 * component keeps its request timeouts, token renewals and backoff waits on one session (one donation) instead of one
 * session each. Times run on the system's clock, virtual or real.
 */
export class TimeoutScheduler {
  readonly #timer: TimerConnection;
  readonly #pending = new Set<Timeout>();
  #armedAt = Number.POSITIVE_INFINITY;

  private constructor(timer: TimerConnection) {
    this.#timer = timer;
  }

  /** Opens the Timer session whose signals go to the component's entrypoint. */
  static async open(env: Env): Promise<TimeoutScheduler> {
    const scheduler = new TimeoutScheduler(await TimerConnection.open(env));
    await scheduler.#timer.sigh(new SignalHandler(env.ep, () => scheduler.#due()));
    return scheduler;
  }

  /** Calls `fire` after `ms` milliseconds, unless the returned function cancels it first. */
  async schedule(ms: number, fire: () => void): Promise<() => void> {
    const timeout: Timeout = { at: (await this.#timer.elapsedMs()) + Math.max(ms, 0), fire };
    this.#pending.add(timeout);
    if (timeout.at < this.#armedAt) await this.#arm(timeout.at);
    return () => this.#pending.delete(timeout);
  }

  /** Resolves after `ms` milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.schedule(ms, resolve).catch(reject);
    });
  }

  /** How many timeouts wait. */
  get pending(): number {
    return this.#pending.size;
  }

  async #arm(at: number): Promise<void> {
    this.#armedAt = at;
    const wait = Math.min(Math.max(at - (await this.#timer.elapsedMs()), 0), MAX_TRIGGER_MS);
    await this.#timer.triggerOnce(Math.ceil(wait * 1000));
  }

  async #due(): Promise<void> {
    const now = await this.#timer.elapsedMs();
    let next = Number.POSITIVE_INFINITY;
    for (const timeout of [...this.#pending]) {
      if (timeout.at <= now) {
        this.#pending.delete(timeout);
        timeout.fire();
      } else next = Math.min(next, timeout.at);
    }
    this.#armedAt = Number.POSITIVE_INFINITY;
    if (next !== Number.POSITIVE_INFINITY) await this.#arm(next);
  }
}

import { type Env, SignalHandler } from '@os/runtime';
import { Timer } from '@os/timer';

/** Timeouts on the system's clock: what the upstream side waits with (backoff, token renewal, expiry sweeps). */
export interface Alarms {
  /** Calls `fire` after `ms` milliseconds, unless the returned function cancels it first. */
  schedule(ms: number, fire: () => void): Promise<() => void>;
}

/** Resolves after `ms` milliseconds of `alarms`. */
export function sleep(alarms: Alarms, ms: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    alarms.schedule(ms, resolve).catch(reject);
  });
}

/** The longest one-shot a Timer session takes (2^32 - 1 µs), in milliseconds. */
const MAX_TRIGGER_MS = 4_294_967;

interface Alarm {
  readonly at: number;
  readonly fire: () => void;
}

/**
 * Many timeouts on one Timer session (Genode's `Timeout_scheduler`; the twin component's `Alarms` likewise): the
 * session's one-shot trigger is set for the earliest, and each signal fires what is due and sets it for the next.
 */
export class TimerAlarms implements Alarms {
  readonly #timer: Timer.Connection;
  readonly #pending = new Set<Alarm>();
  #armedAt = Number.POSITIVE_INFINITY;

  private constructor(timer: Timer.Connection) {
    this.#timer = timer;
  }

  /** Opens the Timer session whose signals go to the component's entrypoint. */
  static async open(env: Env): Promise<TimerAlarms> {
    const alarms = new TimerAlarms(await Timer.Connection.open(env));
    await alarms.#timer.sigh(new SignalHandler(env.ep, () => alarms.#due()));
    return alarms;
  }

  /** {@inheritDoc Alarms.schedule} */
  async schedule(ms: number, fire: () => void): Promise<() => void> {
    const alarm: Alarm = { at: (await this.#timer.elapsedMs()) + Math.max(ms, 0), fire };
    this.#pending.add(alarm);
    if (alarm.at < this.#armedAt) await this.#arm(alarm.at);
    return () => this.#pending.delete(alarm);
  }

  async #arm(at: number): Promise<void> {
    this.#armedAt = at;
    const wait = Math.min(Math.max(at - (await this.#timer.elapsedMs()), 0), MAX_TRIGGER_MS);
    await this.#timer.triggerOnce(Math.ceil(wait * 1000));
  }

  async #due(): Promise<void> {
    const now = await this.#timer.elapsedMs();
    let next = Number.POSITIVE_INFINITY;
    for (const alarm of [...this.#pending]) {
      if (alarm.at <= now) {
        this.#pending.delete(alarm);
        alarm.fire();
      } else next = Math.min(next, alarm.at);
    }
    this.#armedAt = Number.POSITIVE_INFINITY;
    if (next !== Number.POSITIVE_INFINITY) await this.#arm(next);
  }
}

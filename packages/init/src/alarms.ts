import { type Env, SignalHandler } from '@os/runtime';

interface Alarm {
  readonly at: number;
  readonly fire: () => void;
}

/**
 * Named one-shot alarms multiplexed on the kernel's one timeout of init's entrypoint thread (base-hw's
 * `Kernel::timeout`): what drives heartbeats and rate-limited state reports without a Timer session,
 * which init's own parent (core, for the top init) does not offer. Alarms fire as signal activities
 * of the entrypoint, never inside another handler.
 */
export class Alarms {
  readonly #env: Env;
  readonly #handler: SignalHandler;
  readonly #alarms = new Map<string, Alarm>();

  /** Creates the alarms on `env`'s entrypoint. */
  constructor(env: Env) {
    this.#env = env;
    this.#handler = new SignalHandler(env.ep, () => this.#fireDue());
  }

  /** Fires `fire` once, `delayUs` from now; replaces a pending alarm of the same `name`. */
  set(name: string, delayUs: number, fire: () => void): void {
    this.#alarms.set(name, { at: this.#env.thread.time() + Math.max(0, delayUs), fire });
    this.#arm();
  }

  /** Whether an alarm named `name` is pending. */
  pending(name: string): boolean {
    return this.#alarms.has(name);
  }

  /** Cancels the alarm named `name`, if pending. */
  clear(name: string): void {
    this.#alarms.delete(name);
  }

  #arm(): void {
    let earliest = Number.POSITIVE_INFINITY;
    for (const alarm of this.#alarms.values()) earliest = Math.min(earliest, alarm.at);
    if (earliest === Number.POSITIVE_INFINITY) return;
    this.#env.thread.timeout(Math.max(0, earliest - this.#env.thread.time()), this.#handler.capability.selector);
  }

  #fireDue(): void {
    const now = this.#env.thread.time();
    const due = [...this.#alarms].filter(([, alarm]) => alarm.at <= now);
    for (const [name] of due) this.#alarms.delete(name);
    for (const [, alarm] of due) alarm.fire();
    this.#arm();
  }
}

import type { Env } from '@os/runtime';
import { Timer } from '@os/timer';

/**
 * Sleeps on Timer sessions (`msleep`), one session per sleep under way, reused once it is idle: what the reconnect
 * loop and the retries of a busy hub wait with.
 */
export class Sleepers {
  readonly #env: Env;
  readonly #idle: Timer.Connection[] = [];

  constructor(env: Env) {
    this.#env = env;
  }

  /** Resolves after `ms` milliseconds on the system's clock. */
  async sleep(ms: number): Promise<void> {
    const timer = this.#idle.pop() ?? (await Timer.Connection.open(this.#env));
    try {
      await timer.msleep(ms);
    } finally {
      this.#idle.push(timer);
    }
  }
}

import type { Env } from '@os/runtime';

/**
 * Writes to the component's LOG session in the order text was written, without making the writer
 * wait: what a synchronous `console.log` needs. Each write may hold several lines.
 */
export class OrderedLog {
  readonly #env: Env;
  #queue: Promise<void> = Promise.resolve();

  /** Writes through `env`'s LOG session. */
  constructor(env: Env) {
    this.#env = env;
  }

  /** Queues `text`; a failed write is dropped, as a LOG line that cannot be written has nowhere else to go. */
  write(text: string): void {
    this.#queue = this.#queue.then(() => this.#env.log(text)).catch(() => undefined);
  }

  /** Resolves once everything written so far is in the LOG. */
  flushed(): Promise<void> {
    return this.#queue;
  }
}

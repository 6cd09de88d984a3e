import { type Env, SignalHandler, printable } from '@os/runtime';

/**
 * Work a handler leaves for later, run on the entrypoint as a signal activity once the handler has
 * returned (as Genode components defer work to a signal handler). A handler must not leave an
 * unawaited call running: on a real kernel its thread is back in its receive loop and cannot call.
 * Work that fails is logged (`[init] Error: ...`), and the work after it still runs.
 */
export class DeferredWork {
  readonly #env: Env;
  readonly #queue: (() => Promise<unknown>)[] = [];
  readonly #handler: SignalHandler;

  /** Creates the queue on `env`'s entrypoint. */
  constructor(env: Env) {
    this.#env = env;
    this.#handler = new SignalHandler(env.ep, async () => {
      for (let work = this.#queue.shift(); work !== undefined; work = this.#queue.shift()) {
        await work().catch((error: unknown) =>
          env
            .log(`Error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`)
            .catch(() => undefined),
        );
      }
    });
  }

  /** Runs `work` on the entrypoint after the current activity. */
  defer(work: () => Promise<unknown>): void {
    this.#queue.push(work);
    this.#env.thread.submitSignal(this.#handler.capability.selector);
  }

  /**
   * Logs `text` after the current activity, as one line: what children put in it (labels, arguments) cannot start a
   * line of its own.
   */
  log(text: string): void {
    this.defer(() => this.#env.log(printable(text)));
  }
}

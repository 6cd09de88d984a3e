import type { Capability } from '@os/capability';
import type { KernelThread } from '@os/kernel';
import { type ClientOf, connect } from '@os/rpc';
import type { Env } from '@os/runtime';
import { Root } from '@os/session';

/**
 * The thread init calls one sibling server's roots from (session, upgrade and close requests), so a
 * server that never answers blocks this thread and its own clients' requests, not init's entrypoint.
 * A thread makes one call at a time: the calls queue here in order, as they would at the server.
 */
export class ServerCaller {
  readonly #env: Env;
  readonly #thread: KernelThread;
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  /** Makes the thread for server `name`; throws `OutOfCaps` when init has no capability free for it. */
  constructor(env: Env, name: string) {
    this.#env = env;
    this.#thread = env.createThread(`calls.${name}`);
  }

  /** A client of the root behind `capability` whose calls go out from this thread, one after the other. */
  root(capability: Capability<typeof Root>): ClientOf<typeof Root> {
    const client = connect(Root, this.#thread, capability);
    return {
      session: (args) => this.#queue(() => client.session(args)),
      upgrade: (session, args) => this.#queue(() => client.upgrade(session, args)),
      close: (session) => this.#queue(() => client.close(session)),
    };
  }

  /** Ends the thread (with the server it called): a call still pending on it aborts. */
  destroy(): void {
    this.#env.destroyThread(this.#thread);
  }

  // the common case, nothing in flight, calls at once: no promise chain per call
  async #queue<T>(call: () => Promise<T>): Promise<T> {
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy = true;
    try {
      return await call();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) this.#busy = false;
      else next();
    }
  }
}

import { type Env, SignalHandler } from '@os/runtime';

/**
 * Tells the shim when a program that looks idle (no timer, no handle) has had its pending promise reactions run, so
 * that it ends as a Node process does when its event loop is empty. A kernel timeout of zero on the component's
 * thread fires only after the work of this instant (on virtual time, before the clock moves): it asks no session, so
 * a program that never uses time ends without a Timer. Its signal context costs the component one capability.
 */
export class IdleProbe {
  readonly #env: Env;
  readonly #handler: SignalHandler;

  /** A probe for the component of `env` that calls `onProbe` each time an {@link IdleProbe.arm} fires. */
  constructor(env: Env, onProbe: () => void) {
    this.#env = env;
    this.#handler = new SignalHandler(env.ep, onProbe);
  }

  /** Calls `onProbe` once the work of this instant is done; arming again before then still calls it once. */
  arm(): void {
    this.#env.thread.timeout(0, this.#handler.capability.selector);
  }
}

import { Net, type NetEnv } from '@os/net';
import type { NetConfig } from './net-config.js';

/**
 * The program's one Net session, opened at its first connect or listen (a program that never uses the network asks
 * for none) and shared by all its sockets and servers. A failed open (no route, no policy for the program's label) is
 * the error of that connect or listen, and is tried again at the next.
 */
export class NetAccess {
  readonly #env: NetEnv;
  readonly #config: NetConfig;
  #connection: Promise<Net.Connection> | null = null;

  /** Access for the component of `env`, sized by `config`. */
  constructor(env: NetEnv, config: NetConfig) {
    this.#env = env;
    this.#config = config;
  }

  /** The session, opened on first use. */
  connection(): Promise<Net.Connection> {
    if (this.#connection === null) {
      const opening = Net.Connection.open(this.#env, {
        sockets: this.#config.sockets,
        listeners: this.#config.listeners,
        bufferSize: this.#config.bufferSize,
      });
      this.#connection = opening;
      opening.catch(() => {
        if (this.#connection === opening) this.#connection = null;
      });
    }
    return this.#connection;
  }
}

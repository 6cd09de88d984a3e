import type { Env } from '@os/runtime';
import { LogConnection } from './log-connection.js';

/**
 * The LOG connections `<create_log_connections>` opens (Genode's `Dummy::Log_connections`), labelled
 * `0`, `1`, ... and each upgraded by `ram_upgrade` bytes if given; all closed together.
 */
export class LogConnections {
  readonly #env: Env;
  readonly #connections: LogConnection[] = [];

  /** No connections yet; `open` adds them. */
  constructor(env: Env) {
    this.#env = env;
  }

  /** Opens `count` connections, upgrading each by `ramUpgrade` bytes when that is not 0. */
  async open(count: number, ramUpgrade: number): Promise<void> {
    await this.#env.log(`going to create ${count} LOG connections`);
    for (let i = 0; i < count; i++) {
      const connection = await LogConnection.open(this.#env, String(i));
      this.#connections.push(connection);
      if (ramUpgrade > 0) {
        await this.#env.log(`upgrade connection ${i}`);
        await connection.upgrade({ ram: ramUpgrade });
      }
    }
    await this.#env.log('created all LOG connections');
  }

  /** Closes every connection; the parent returns their donations. */
  async destroy(): Promise<void> {
    for (const connection of this.#connections.splice(0)) await connection.close();
    await this.#env.log('destroyed all LOG connections');
  }
}

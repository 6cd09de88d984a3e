import type { Env } from '@os/runtime';
import { LogServiceRoot, type LogServiceOptions } from './log-service-root.js';

/** dummy's LOG service (Genode's `Dummy::Log_service`): its root, managed and announced to the parent. */
export class LogService {
  readonly #env: Env;
  readonly #root: LogServiceRoot;

  private constructor(env: Env, root: LogServiceRoot) {
    this.#env = env;
    this.#root = root;
  }

  /** Creates the root, announces "LOG" to the parent and logs `created LOG service`. */
  static async start(env: Env, options: LogServiceOptions): Promise<LogService> {
    const root = await LogServiceRoot.create(env, options);
    await root.announce(env);
    await env.log('created LOG service');
    return new LogService(env, root);
  }

  /** Stops serving: the root and its sessions are dissolved. */
  async stop(): Promise<void> {
    this.#env.ep.dissolve(this.#root);
    await this.#root.destroy();
  }
}

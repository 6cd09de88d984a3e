import { type Env, Log } from '@os/runtime';
import { Connection } from '@os/session';

/**
 * A server's LOG session, opened before it announces anything. A server logs from inside session
 * requests, while its parent waits for the answer; opening the LOG session lazily then (as `env.log`
 * does) would ask that waiting parent, and the two would wait for each other for good.
 */
export class ServerLog {
  readonly #connection: Connection<typeof Log>;

  private constructor(connection: Connection<typeof Log>) {
    this.#connection = connection;
  }

  /** Opens the LOG session (labelled like `env.log`'s). */
  static async open(env: Env): Promise<ServerLog> {
    return new ServerLog(await Connection.openSession(env, Log, { service: 'LOG', ram: 0, caps: 1 }));
  }

  /** Writes `text`, one LOG line per line of it. */
  async write(text: string): Promise<void> {
    for (const line of text.split('\n')) await this.#connection.session.write(line);
  }
}

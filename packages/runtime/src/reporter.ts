import type { Capability } from '@os/capability';
import { pageRound } from '@os/kernel';
import { Connection } from '@os/session';
import type { Env } from './env.js';
import { DEFAULT_REPORT_BUFFER, REPORT_SESSION_CAPS } from './report-session.js';
import { Report } from './services.js';

const encoder = new TextEncoder();

/**
 * Publishes reports through a Report session (Genode's `Expanding_reporter`): `report(text)` writes
 * into the session's buffer and submits; a report larger than the buffer reopens the session with
 * one large enough, so callers never size buffers by hand.
 */
export class Reporter {
  readonly #env: Env;
  readonly #label: string;
  #connection: Connection<typeof Report>;
  #buffer: Uint8Array;

  private constructor(env: Env, label: string, connection: Connection<typeof Report>, buffer: Uint8Array) {
    this.#env = env;
    this.#label = label;
    this.#connection = connection;
    this.#buffer = buffer;
  }

  /** Opens a Report session labelled `label` with a buffer of `bufferSize` bytes. */
  static async open(env: Env, label: string, bufferSize = DEFAULT_REPORT_BUFFER): Promise<Reporter> {
    const { connection, buffer } = await Reporter.#session(env, label, bufferSize);
    return new Reporter(env, label, connection, buffer);
  }

  static async #session(env: Env, label: string, bufferSize: number): Promise<{ connection: Connection<typeof Report>; buffer: Uint8Array }> {
    // servers allocate the buffer in whole pages: donate that much
    const connection = await Connection.openSession(env, Report, { service: 'Report', label, ram: pageRound(Math.max(1, bufferSize)), caps: REPORT_SESSION_CAPS, args: { buffer_size: bufferSize } });
    const dataspace: Capability = await connection.session.dataspace();
    return { connection, buffer: env.rm.attach(dataspace.cast()) };
  }

  /** The label the session was opened with. */
  get label(): string {
    return this.#label;
  }

  /** Publishes `content` (text as UTF-8) as the new report. */
  async report(content: string | Uint8Array): Promise<void> {
    const bytes = typeof content === 'string' ? encoder.encode(content) : content;
    if (bytes.length > this.#buffer.length) {
      const size = Math.max(bytes.length, this.#buffer.length * 2);
      await this.#connection.close();
      ({ connection: this.#connection, buffer: this.#buffer } = await Reporter.#session(this.#env, this.#label, size));
    }
    this.#buffer.set(bytes);
    await this.#connection.session.submit(bytes.length);
  }

  /** Closes the Report session. */
  async close(): Promise<void> {
    await this.#connection.close();
  }
}

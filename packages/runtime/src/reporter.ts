import type { Env } from './env.js';
import { ReportConnection } from './report-connection.js';
import { DEFAULT_REPORT_BUFFER } from './report-session.js';

const encoder = new TextEncoder();

/**
 * Publishes reports through a Report session (Genode's `Expanding_reporter`): `report(text)` submits
 * through a {@link ReportConnection}; a report larger than its buffer reopens the session with one
 * large enough, so callers never size buffers by hand.
 */
export class Reporter {
  readonly #env: Env;
  readonly #label: string;
  #connection: ReportConnection;

  private constructor(env: Env, label: string, connection: ReportConnection) {
    this.#env = env;
    this.#label = label;
    this.#connection = connection;
  }

  /** Opens a Report session labelled `label` with a buffer of `bufferSize` bytes. */
  static async open(env: Env, label: string, bufferSize = DEFAULT_REPORT_BUFFER): Promise<Reporter> {
    return new Reporter(env, label, await ReportConnection.open(env, label, bufferSize));
  }

  /** The label the session was opened with. */
  get label(): string {
    return this.#label;
  }

  /** Publishes `content` (text as UTF-8) as the new report. */
  async report(content: string | Uint8Array): Promise<void> {
    const bytes = typeof content === 'string' ? encoder.encode(content) : content;
    const size = this.#connection.bufferSize;
    if (bytes.length > size) {
      await this.#connection.close();
      this.#connection = await ReportConnection.open(this.#env, this.#label, Math.max(bytes.length, size * 2));
    }
    await this.#connection.submit(bytes);
  }

  /** Closes the Report session. */
  async close(): Promise<void> {
    await this.#connection.close();
  }
}

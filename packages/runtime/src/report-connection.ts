import type { Capability } from '@os/capability';
import { pageRound } from '@os/kernel';
import { Connection, type SessionArgs, type SessionEnv, requestSession } from '@os/session';
import type { Env } from './env.js';
import { DEFAULT_REPORT_BUFFER, REPORT_SESSION_CAPS } from './report-session.js';
import { Report, ReportTooLarge } from './services.js';
import type { SignalHandler } from './signal.js';

const encoder = new TextEncoder();

/**
 * A connection to a Report service (Genode's `Report::Connection`) with its buffer attached: `submit`
 * copies a report into the buffer and hands the server its length. The buffer's size is fixed; for
 * reports of any size, `Reporter` reopens with a larger one as needed.
 */
export class ReportConnection extends Connection<typeof Report> {
  #buffer: Uint8Array = new Uint8Array(0);

  private constructor(env: SessionEnv, id: number, capability: Capability, args: SessionArgs) {
    super(env, Report, id, capability, args);
  }

  /**
   * Opens a Report session labelled `label` with a buffer of `bufferSize` bytes, donating the buffer's page-rounded
   * size.
   */
  static async open(env: Env, label: string, bufferSize = DEFAULT_REPORT_BUFFER): Promise<ReportConnection> {
    const { id, capability, args } = await requestSession(env, {
      service: 'Report',
      label,
      ram: pageRound(bufferSize),
      caps: REPORT_SESSION_CAPS,
      args: { buffer_size: bufferSize },
    });
    const connection = new ReportConnection(env, id, capability, args);
    try {
      await connection.#attach(env);
    } catch (error) {
      await connection.close();
      throw error;
    }
    return connection;
  }

  async #attach(env: Env): Promise<void> {
    const dataspace: Capability = await this.session.dataspace();
    this.#buffer = env.rm.attach(dataspace.cast());
  }

  /** The buffer's size in bytes: the largest report `submit` takes. */
  get bufferSize(): number {
    return this.#buffer.length;
  }

  /**
   * Publishes `content` (text as UTF-8); throws `ReportTooLarge` without submitting when it exceeds the buffer
   * (Report::submit).
   */
  async submit(content: string | Uint8Array): Promise<void> {
    const bytes = typeof content === 'string' ? encoder.encode(content) : content;
    if (bytes.length > this.#buffer.length) {
      throw new ReportTooLarge(
        `a report of ${bytes.length} bytes does not fit the buffer of ${this.#buffer.length} bytes (open the ` +
          `connection with a larger bufferSize, or use Reporter, which grows it)`,
      );
    }
    this.#buffer.set(bytes);
    await this.session.submit(bytes.length);
  }

  /** Has the server signal `handler` when it has a response (Report::response_sigh). */
  async responseSigh(handler: SignalHandler): Promise<void> {
    await this.session.responseSigh(handler.capability);
  }

  /** The server's pending response, copied out of the buffer; empty when there is none (Report::obtain_response). */
  async obtainResponse(): Promise<Uint8Array> {
    const length = await this.session.obtainResponse();
    return this.#buffer.slice(0, Math.min(length, this.#buffer.length));
  }
}

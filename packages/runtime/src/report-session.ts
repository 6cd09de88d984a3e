import { Capability } from '@os/capability';
import type { KernelThread, Selector } from '@os/kernel';
import { RpcObject, type ServerOf } from '@os/rpc';
import { Report, ReportTooLarge } from './services.js';

/** Bytes of a Report session's buffer when the client names no `buffer_size`, as Genode's `Report::Connection`. */
export const DEFAULT_REPORT_BUFFER = 4096;

/** Capabilities a Report session costs its server (Genode's `Report::Session::CAP_QUOTA`). */
export const REPORT_SESSION_CAPS = 3;

/**
 * The server side of one Report session (Genode's `Report::Session_component`): owns the buffer
 * dataspace shared with the client and hands each submitted report, copied out of it, to `onSubmit`.
 * core's Report service and `report_rom` serve with it.
 */
export class ReportSessionComponent extends RpcObject<typeof Report> implements ServerOf<typeof Report> {
  /** The session's buffer, in the server's space; the server frees it on close. */
  readonly buffer: Selector;
  readonly #thread: KernelThread;
  readonly #bytes: Uint8Array;
  readonly #onSubmit: (report: Uint8Array) => void;
  #responseSigh: Capability | null = null;
  #response: Uint8Array | null = null;

  /** Allocates a buffer of `size` bytes from `thread`'s PD; each submit goes to `onSubmit`. */
  constructor(thread: KernelThread, size: number, onSubmit: (report: Uint8Array) => void) {
    super(Report);
    this.#thread = thread;
    this.buffer = thread.allocDataspace(Math.max(1, size));
    this.#bytes = thread.attach(this.buffer);
    this.#onSubmit = onSubmit;
  }

  /** The buffer's size in bytes. */
  get size(): number {
    return this.#bytes.length;
  }

  /** Hands the client the buffer it writes reports into (Report::dataspace). */
  dataspace(): Capability {
    return new Capability(this.buffer);
  }

  /** Takes the first `length` bytes of the buffer as the new report (Report::submit). */
  submit(length: number): void {
    if (length > this.#bytes.length)
      throw new ReportTooLarge(
        `a report of ${length} bytes does not fit the session's buffer of ${this.#bytes.length} bytes (open the ` +
          `session with a larger buffer_size)`,
      );
    this.#onSubmit(this.#bytes.slice(0, length));
  }

  /** Registers the signal the client gets when the server has a response (Report::response_sigh). */
  responseSigh(context: Capability): void {
    this.#responseSigh = context.valid() ? context : null;
  }

  /**
   * Copies the pending response into the buffer and returns its length; 0 if there is none (Report::obtain_response).
   */
  obtainResponse(): number {
    const response = this.#response;
    this.#response = null;
    if (response === null) return 0;
    const length = Math.min(response.length, this.#bytes.length);
    this.#bytes.set(response.subarray(0, length));
    return length;
  }

  /** Server side: leaves `response` for the client and signals it. */
  respond(response: Uint8Array): void {
    this.#response = response.slice();
    if (this.#responseSigh !== null && this.#thread.valid(this.#responseSigh.rawSelector))
      this.#thread.submitSignal(this.#responseSigh.rawSelector);
  }
}

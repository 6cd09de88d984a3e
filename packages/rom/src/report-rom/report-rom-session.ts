import type { KernelThread } from '@os/kernel';
import { ReportSessionComponent } from '@os/runtime';

/**
 * One Report session of report_rom: the runtime's `ReportSessionComponent` (buffer, size check,
 * copy), whose submit waits until the report is passed on, so the verbose log and the ROM updates
 * happen before the reporter's `submit` returns.
 */
export class ReportRomSession extends ReportSessionComponent {
  /** The session's label: the name of the report. */
  readonly label: string;
  readonly #inbox: { report: Uint8Array | null };
  readonly #onReport: (report: Uint8Array) => Promise<void>;

  /** A session for report `label` with a buffer of `size` bytes from `thread`'s PD; each report goes to `onReport`. */
  constructor(thread: KernelThread, label: string, size: number, onReport: (report: Uint8Array) => Promise<void>) {
    const inbox: { report: Uint8Array | null } = { report: null };
    super(thread, size, (report) => {
      inbox.report = report;
    });
    this.label = label;
    this.#inbox = inbox;
    this.#onReport = onReport;
  }

  /**
   * Takes the first `length` bytes of the buffer as the new report; `ReportTooLarge` past the buffer (Report::submit).
   */
  override async submit(length: number): Promise<void> {
    super.submit(length);
    const report = this.#inbox.report;
    this.#inbox.report = null;
    if (report !== null) await this.#onReport(report);
  }
}

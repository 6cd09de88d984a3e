import { QuotaExceededError, formatBytes, pageRound } from '@os/kernel';
import {
  DEFAULT_REPORT_BUFFER,
  type Env,
  REPORT_SESSION_CAPS,
  ReportTooLarge,
  RootComponent,
  type SessionCost,
} from '@os/runtime';
import {
  InsufficientRamQuota,
  ServiceDenied,
  type SessionArgs,
  type SessionError,
  type SessionLabel,
} from '@os/session';
import { printLines } from './print-lines.js';
import type { ReportRegistry } from './report-registry.js';
import { ReportRomSession } from './report-rom-session.js';
import type { ServerLog } from './server-log.js';

/** A Report session asked for a buffer of 0 bytes: denied, and logged as report_rom does. */
class ZeroLengthReport extends ServiceDenied {}

/**
 * report_rom's Report service (Genode's `Report::Root`): one session per report, named by the
 * session's full label, with a buffer of `buffer_size` bytes that the client's donation pays for.
 */
export class ReportService extends RootComponent<ReportRomSession> {
  readonly #env: Env;
  readonly #registry: ReportRegistry;
  readonly #log: ServerLog;
  readonly #verbose: () => boolean;

  /** Serves reports into `registry`; `verbose` says whether each is logged. */
  constructor(env: Env, registry: ReportRegistry, log: ServerLog, verbose: () => boolean) {
    super({ service: 'Report', ep: env.ep });
    this.#env = env;
    this.#registry = registry;
    this.#log = log;
    this.#verbose = verbose;
  }

  /**
   * A buffer of `buffer_size` bytes page-rounded in RAM and {@link REPORT_SESSION_CAPS} capabilities; 0 bytes is
   * denied.
   */
  protected override sessionCost(args: SessionArgs, label: SessionLabel): SessionCost {
    const bufferSize = args.number('buffer_size', DEFAULT_REPORT_BUFFER);
    if (bufferSize === 0)
      throw new ZeroLengthReport(
        `Report "${label.text}": buffer_size=0 leaves no room for a report; ask for the largest report's size`,
      );
    return {
      ram: pageRound(bufferSize),
      caps: REPORT_SESSION_CAPS,
      ramFor: `a buffer of ${bufferSize} bytes, page-rounded`,
    };
  }

  /** Opens a Report session with its buffer (Root::session). */
  protected override createSession(args: SessionArgs, sessionLabel: SessionLabel): ReportRomSession {
    const label = sessionLabel.text;
    const bufferSize = args.number('buffer_size', DEFAULT_REPORT_BUFFER);
    this.#registry.attachReporter(label);
    try {
      return new ReportRomSession(this.#env.thread, label, bufferSize, (report) => this.#receive(label, report));
    } catch (error) {
      this.#registry.detachReporter(label);
      throw error;
    }
  }

  /** Frees the session's buffer and forgets its report (Root::close). */
  protected override destroySession(session: ReportRomSession): void {
    this.#env.thread.dissolve(session.buffer);
    this.#registry.detachReporter(session.label);
  }

  /** Logs a donation too small and a zero-length buffer, as Genode's report_rom. */
  protected override async refused(error: SessionError, label: string): Promise<void> {
    if (error instanceof InsufficientRamQuota) await this.#log.write(`Error: insufficient ram donation from ${label}`);
    if (error instanceof ZeroLengthReport) await this.#log.write(`Error: zero-length report requested by ${label}`);
  }

  /**
   * Passes a report on. When report_rom lacks the RAM for the readers' copies, the report is refused
   * as too large (the only error a submit declares) and every reader keeps its version.
   */
  async #receive(label: string, report: Uint8Array): Promise<void> {
    if (this.#verbose())
      await this.#log.write([`report '${label}'`, ...printLines(report).map((line) => `  ${line}`)].join('\n'));
    try {
      this.#registry.write(label, report);
    } catch (error) {
      if (!(error instanceof QuotaExceededError)) throw error;
      await this.#log.write(`Error: report '${label}' of ${report.length} bytes dropped: ${error.message}`);
      throw new ReportTooLarge(
        `report_rom lacks the RAM to hand a report of ${formatBytes(report.length)} to the ROM sessions showing ` +
          'it; give report_rom more RAM or report less',
      );
    }
  }
}

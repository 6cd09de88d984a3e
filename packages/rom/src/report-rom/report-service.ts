import type { Capability } from '@os/capability';
import { QuotaExceededError, type Selector, pageRound } from '@os/kernel';
import { RpcObject, type ServerOf } from '@os/rpc';
import { DEFAULT_REPORT_BUFFER, type Env, REPORT_SESSION_CAPS, ReportTooLarge } from '@os/runtime';
import { InsufficientCapQuota, InsufficientRamQuota, Root, ServiceDenied } from '@os/session';
import { readSessionArgs } from '../session-request.js';
import { printLines } from './print-lines.js';
import type { ReportRegistry } from './report-registry.js';
import { ReportRomSession } from './report-rom-session.js';
import type { ServerLog } from './server-log.js';

/**
 * report_rom's Report service (Genode's `Report::Root`): one session per report, named by the
 * session's full label, with a buffer of `buffer_size` bytes that the client's donation pays for.
 */
export class ReportService extends RpcObject<typeof Root> implements ServerOf<typeof Root> {
  readonly #env: Env;
  readonly #registry: ReportRegistry;
  readonly #log: ServerLog;
  readonly #verbose: () => boolean;
  readonly #sessions = new Map<Selector, ReportRomSession>();

  /** Serves reports into `registry`; `verbose` says whether each is logged. */
  constructor(env: Env, registry: ReportRegistry, log: ServerLog, verbose: () => boolean) {
    super(Root);
    this.#env = env;
    this.#registry = registry;
    this.#log = log;
    this.#verbose = verbose;
  }

  /** Opens a Report session; it needs `buffer_size` page-rounded in RAM and 3 capabilities (Root::session). */
  async session(argsText: string): Promise<Capability> {
    const request = readSessionArgs('Report', argsText, (args) => ({
      label: args.string('label'),
      ram: args.number('ram_quota'),
      caps: args.number('cap_quota'),
      bufferSize: args.number('buffer_size', DEFAULT_REPORT_BUFFER),
    }));
    const { label, bufferSize } = request;
    const needed = pageRound(bufferSize);
    if (request.ram < needed) {
      await this.#log.write(`Error: insufficient ram donation from ${label}`);
      throw new InsufficientRamQuota(
        `Report "${label}": a buffer of ${bufferSize} bytes needs ${needed} bytes of RAM, the request donated ${request.ram}`,
      );
    }
    if (bufferSize === 0) {
      await this.#log.write(`Error: zero-length report requested by ${label}`);
      throw new ServiceDenied(
        `Report "${label}": buffer_size=0 leaves no room for a report; ask for the largest report's size`,
      );
    }
    if (request.caps < REPORT_SESSION_CAPS)
      throw new InsufficientCapQuota(
        `Report "${label}": a Report session needs ${REPORT_SESSION_CAPS} capabilities, the request donated ${request.caps}`,
      );
    this.#registry.attachReporter(label);
    let session: ReportRomSession | null = null;
    try {
      session = new ReportRomSession(this.#env.thread, label, bufferSize, (report) => this.#receive(label, report));
      const capability = this.#env.ep.manage(session);
      this.#sessions.set(capability.rawSelector, session);
      return capability;
    } catch (error) {
      if (session !== null) this.#env.thread.dissolve(session.buffer);
      this.#registry.detachReporter(label);
      if (error instanceof QuotaExceededError) {
        throw error.kind === 'ram'
          ? new InsufficientRamQuota(`Report "${label}": ${error.message}`)
          : new InsufficientCapQuota(`Report "${label}": ${error.message}`);
      }
      throw error;
    }
  }

  /** Accepts the donation; a Report session needs no more (Root::upgrade). */
  upgrade(): void {}

  /** Closes the session, frees its buffer and forgets its report (Root::close). */
  close(capability: Capability): void {
    const session = this.#sessions.get(capability.rawSelector);
    if (session === undefined) return;
    this.#sessions.delete(capability.rawSelector);
    this.#env.ep.dissolve(session);
    this.#env.thread.dissolve(session.buffer);
    this.#registry.detachReporter(session.label);
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
        `report_rom lacks the RAM to hand a report of ${report.length} bytes to the ROM sessions showing it; give report_rom more RAM or report less`,
      );
    }
  }
}

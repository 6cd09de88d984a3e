import { pageRound } from '@os/kernel';
import type { SessionArgs, SessionLabel } from '@os/session';
import { DEFAULT_REPORT_BUFFER, REPORT_SESSION_CAPS, ReportSessionComponent } from '../report-session.js';
import { RootComponent, type SessionCost, type SessionEntrypoint } from '../root-component.js';
import type { Core } from './core.js';

/**
 * core's Report service: keeps each session's latest report by its label (`core.report(label)`) and
 * hands it to the boot's `onReport`, which is how `os run --state` sees the top init's state report.
 */
export class ReportRoot extends RootComponent<ReportSessionComponent> {
  constructor(
    /** The core that keeps the reports. */
    private readonly core: Core,
    ep: SessionEntrypoint,
  ) {
    super({ service: 'Report', ep });
  }
  /** A buffer of `buffer_size` bytes in whole pages, and {@link REPORT_SESSION_CAPS} capabilities. */
  protected override sessionCost(args: SessionArgs): SessionCost {
    const size = args.number('buffer_size', DEFAULT_REPORT_BUFFER);
    return {
      ram: pageRound(Math.max(1, size)),
      caps: REPORT_SESSION_CAPS,
      ramFor: `a buffer of ${size} bytes, in whole pages`,
    };
  }
  /** Opens a Report session with a buffer of `buffer_size` bytes (Root::session). */
  protected override createSession(args: SessionArgs, label: SessionLabel): ReportSessionComponent {
    const size = args.number('buffer_size', DEFAULT_REPORT_BUFFER);
    return new ReportSessionComponent(this.core.thread, size, (report) => this.core.receiveReport(label.text, report));
  }
  /** Frees the session's buffer (Root::close). */
  protected override destroySession(session: ReportSessionComponent): void {
    this.core.freeDataspace(session.buffer);
  }
}

import type { SessionEntrypoint } from '../root-component.js';
import { LogSession } from './log-session.js';
import { OneCapRoot } from './one-cap-root.js';

/** core's LOG service: each session prints its client's lines, labelled, to `sink`, for one capability. */
export class LogRoot extends OneCapRoot<LogSession> {
  /** Serves LOG sessions on `ep` that print to `sink`. */
  constructor(ep: SessionEntrypoint, sink: (line: string) => void) {
    super('LOG', ep, (label) => new LogSession(label.text, sink));
  }
}

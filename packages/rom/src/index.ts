import { ReportConnection, Report as ReportSession, Rom as RomSession } from '@os/runtime';
import { RomConnection } from './rom-connection.js';

export { RomConnection } from './rom-connection.js';
export { ROM_SESSION_CAPS, romSessionRam } from './rom-sessions.js';
export { RomModules, type RomContent, type RomModuleListener } from './rom-modules.js';
export { RomModuleNameError } from './rom-module-name-error.js';
export { RomService } from './rom-service.js';
export { romServer } from './rom-server.js';
export { construct, reportRom } from './report-rom/report-rom.js';
export { Reporter, ReportConnection, ReportTooLarge } from '@os/runtime';

/** Genode's ROM session: `Rom.Connection` for clients, `Rom.Session` the interface. */
export namespace Rom {
  /** A connection to a ROM service. */
  export type Connection = RomConnection;
  /** A connection to a ROM service. */
  export const Connection = RomConnection;
  /** The ROM session interface. */
  export const Session = RomSession;
}

/** Genode's Report session: `Report.Connection` for clients, `Report.Session` the interface. */
export namespace Report {
  /** A connection to a Report service. */
  export type Connection = ReportConnection;
  /** A connection to a Report service. */
  export const Connection = ReportConnection;
  /** The Report session interface. */
  export const Session = ReportSession;
}

// The host-facing part of @os/runtime: booting a machine (core on a kernel, driven by the host's event
// loop), core itself, and core's Rtc, which reads the host's wall clock. Only trusted code (`os run`,
// @os/testing, a program that boots a system) imports it; it is never granted to a confined component.

export { Core, type BinaryResolver } from './core/core.js';
export { PdSession } from './core/pd-session.js';
export { PD_SESSION_CAPS } from './core/pd-root.js';
export {
  boot,
  binaryTable,
  SystemStalledError,
  DEFAULT_MACHINE_RAM,
  DEFAULT_MACHINE_CAPS,
  type SystemDescription,
  type BootOptions,
  type SystemHandle,
} from './boot.js';
export { RtcSessionComponent, wallTime } from './core/rtc-session-component.js';

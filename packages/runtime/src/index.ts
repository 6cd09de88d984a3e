export { Log, Rom, Pd, Report, ReportTooLarge, StartFailed } from './services.js';
export { ReportSessionComponent, DEFAULT_REPORT_BUFFER, REPORT_SESSION_CAPS } from './report-session.js';
export { Reporter } from './reporter.js';
export { ReportConnection } from './report-connection.js';
export { SessionPolicy, NoPolicyDefined } from './session-policy.js';
export {
  RootComponent,
  type RootComponentOptions,
  type SessionCost,
  type SessionEntrypoint,
} from './root-component.js';
export { Entrypoint } from './entrypoint.js';
export { SignalHandler, SignalTransmitter, BlockingSignal, type SignalContextCapability } from './signal.js';
export {
  Env,
  EXPAND_CAPS,
  type EnvParts,
  type ThreadFactory,
  type RamAllocator,
  type RegionMap,
  type DataspaceCapability,
  type DataspaceInterface,
} from './env.js';
export { startComponent, isComponentModule, type ComponentModule } from './component.js';
export {
  Child,
  ENV_PD_SESSION_ID,
  MAX_UNSETTLED_REQUESTS,
  type ChildOptions,
  type ChildPolicy,
  type ChildSession,
  type ChildSessionState,
  type Route,
} from './child.js';
export {
  SessionState,
  type SessionStateOptions,
  type SessionPhase,
  type SessionClient,
  type SessionService,
  type PdAccount,
  refusal,
} from './session-state.js';
export { LocalService } from './local-service.js';
export { ChildService } from './child-service.js';
export { ParentService } from './parent-service.js';
export {
  SessionRequests,
  SessionRequestsRom,
  SessionRequestsRoot,
  SESSION_REQUESTS_ROM,
} from './session-requests.js';
export { AttachedRomDataspace, ROM_SESSION_CAPS, ROM_SESSION_RAM } from './attached-rom.js';
export { XmlNode, XmlError, parseGenodeNumber } from './xml-node.js';
export { printable, logLines } from './printable.js';
export { numberOfBytes } from './number-of-bytes.js';
export { ROM_SESSION_DATASPACES, RomSessionComponent } from './rom-session.js';
export { WaitList } from './wait-list.js';
export { Rtc, VIRTUAL_RTC_EPOCH } from './rtc.js';
export { ComponentThread } from './component-thread.js';
export { suggest } from './suggest.js';

export { init, construct, startChildren } from './init.js';
export { Sandbox } from './sandbox.js';
export {
  renderStateReport,
  type StateSnapshot,
  type ChildState,
  type ChildResources,
  type ResourceFigures,
  type ProvidedSession,
} from './state-report.js';
export { selectPolicy } from './service-policy.js';
export { InitConfigError } from './config-error.js';
export type {
  InitConfig,
  StartEntry,
  RouteRule,
  RouteTarget,
  LabelMatch,
  ChildHeartbeat,
  ServicePolicy,
  ExportedService,
  ReportOptions,
  PreservedResources,
} from './model.js';
export { readInitConfig, initConfigFromNode } from './xml-config.js';
export {
  initConfig,
  type InitConfigValue,
  type StartEntryValue,
  type RouteRuleValue,
  type RouteTargetValue,
} from './typed-config.js';
export { parseInitConfigText } from './config-text.js';
export { checkInitConfig } from './check.js';
export { resolveRoute, labelMatches, type RouteDecision, type ServiceProviders } from './routing.js';
export { ConfigRomService } from './config-rom.js';

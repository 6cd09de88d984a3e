export { construct, deploy } from './deploy-component.js';
export { COMPONENT_NAME_RULE, isComponentName } from './component-name.js';
export {
  DEFAULT_PARENT_PROVIDES,
  readDeployConfig,
  type DeployConfig,
  type RuntimeHeartbeat,
} from './deploy-config.js';
export {
  MAX_DEPLOY_ENTRIES,
  MAX_ENTRY_CONFIG,
  readDesiredDocument,
  type DeployEntry,
  type DesiredDocument,
  type EntryFailure,
} from './desired-document.js';
export { lookUpPkg, type DepotPkg } from './depot-pkg.js';
export { readDownloadState, type ArchiveDownload, type DownloadStep } from './download-state.js';
export { readRuntimeState, type RuntimeChild, type RuntimeState } from './runtime-state.js';
export { startNode, type StartNode } from './start-node.js';
export { ENVIRONMENT_SERVICES, runtimeConfig } from './runtime-config.js';
export { installation } from './installation.js';
export {
  DEPLOY_STATE_LIMIT,
  deployStateText,
  deployStatus,
  type ComponentState,
  type ComponentStep,
  type DeployState,
  type DeployStatus,
} from './deploy-state.js';
export { DeployConfigError } from './errors.js';

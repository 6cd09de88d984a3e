export { EDGE_HUB_DEFAULTS, type EdgeHubConfig, parseEdgeHubConfig } from './edge-hub-config.js';
export { EdgeHubConfigError } from './edge-hub-config-error.js';
export type {
  LeafIdentity,
  LeafLink,
  LeafTelemetry,
  LeafTelemetryState,
  Upstream,
  UpstreamEvents,
} from './upstream-link.js';

export { EDGE_HUB_DEFAULTS, type EdgeHubConfig, parseEdgeHubConfig } from './edge-hub-config.js';
export { EdgeHubConfigError } from './edge-hub-config-error.js';
export type { BackoffPolicy } from '@os/timer';
export { UPSTREAM_DEFAULTS, type UpstreamSettings } from './upstream/upstream-settings.js';
export { parseUpstreamConfig, UPSTREAM_CONFIG_DEFAULTS, type UpstreamConfig } from './upstream-config.js';
export type {
  LeafIdentity,
  LeafLink,
  LeafTelemetry,
  LeafTelemetryState,
  Upstream,
  UpstreamEvents,
} from './upstream-link.js';

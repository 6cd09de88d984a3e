// The edge hub component of @os/edge-hub: trusted host-side code. It reaches the network only through its Net session
// (TLS listening in the net server; the device-scope API over Node's HTTP client on a NetStream of @os/net/stream) and
// imports neither node:net, node:tls nor node:fs. Never granted to a confined component.

export { DEVICE_SCOPE_API_VERSION, DeviceScopeError, type ScopeIdentity } from './device-scope-client.js';
export {
  type EdgeHubComponentOptions,
  edgeHubComponent,
  type UpstreamContext,
  type UpstreamFactory,
} from './edge-hub-component.js';
export type { EdgeHubConfig } from './edge-hub-config.js';
export { EdgeHubServer, type EdgeHubServerParts, edgeHubSockets, SPARE_CONNECTIONS } from './edge-hub-server.js';
export { edgeHub } from './edge-hub.js';
export { FileIdentityStore, type IdentityStore } from './identity-store.js';
export { CONNACK } from './leaf-authentication.js';
export { MAX_KEEPALIVE_S, MAX_PACKET_BYTES } from './leaf-connection.js';
export {
  QueueBusy,
  QueueClosed,
  QueueMessageTooLarge,
  QueueRefused,
  QueueStorageFailed,
  QueueStorageFull,
} from './queue/queue-errors.js';
export {
  type QueueCounts,
  type QueuedMessage,
  TelemetryQueue,
  type TelemetryQueueOptions,
} from './queue/telemetry-queue.js';
export { StoredUpstream } from './stored-upstream.js';
export { TELEMETRY_REPORT_BYTES, TelemetryReport, twinKey } from './telemetry-report.js';
export { Ticker } from './ticker.js';
export type { Alarms } from './upstream/alarms.js';
export type { HubEndpoint } from './upstream/hub-connection.js';
export { HubUpstream, type HubUpstreamOptions } from './upstream/hub-upstream.js';
export {
  HubConnectionDown,
  UpstreamError,
  UpstreamLinkClosed,
  UpstreamMessageTooLarge,
  UpstreamNotConnected,
  UpstreamSubscriptionRefused,
} from './upstream/upstream-errors.js';
export { UPSTREAM_DEFAULTS, type UpstreamSettings } from './upstream/upstream-settings.js';
export type {
  LeafIdentity,
  LeafLink,
  LeafTelemetry,
  LeafTelemetryState,
  Upstream,
  UpstreamEvents,
} from './upstream-link.js';

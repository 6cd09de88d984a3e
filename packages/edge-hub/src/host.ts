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
export { CONNACK } from './leaf-authentication.js';
export { MAX_KEEPALIVE_S, MAX_PACKET_BYTES } from './leaf-connection.js';
export { Ticker } from './ticker.js';
export type {
  LeafIdentity,
  LeafLink,
  LeafTelemetry,
  LeafTelemetryState,
  Upstream,
  UpstreamEvents,
} from './upstream-link.js';

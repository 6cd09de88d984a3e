export type { TelemetryMessage } from './telemetry-message.js';
export type { TelemetryEvent } from './telemetry-stream.js';
export { type HubResponse, HubServiceClient } from './hub-service-client.js';
export { HUB_USAGE, hubCommand, type HubCommandFlags, type HubCommandIo } from './hub-command.js';
export { HubNotRunningError, HubRequestError, HubStartError } from './hub-errors.js';
export { MAX_PACKET_BYTES } from './message-limits.js';
export { hubServiceAgent } from './service-agent.js';
export { type Hub, type HubOptions, startHub } from './start-hub.js';
export { type HubStateFile, readHubState } from './hub-state-file.js';
// IoT Hub's protocol facts live in @os/iothub, shared with the device side (@os/twin); re-exported as before
export {
  API_VERSION,
  type ConnectionString,
  createSharedAccessSignature,
  type JsonObject,
  type JsonValue,
  MAX_MESSAGE_BYTES,
  MAX_METHOD_PAYLOAD_BYTES,
  parseConnectionString,
  TWIN_LIMITS,
} from '@os/iothub';

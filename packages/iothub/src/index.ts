export { API_VERSION } from './api-version.js';
export {
  type ConnectionString,
  ConnectionStringError,
  type DeviceConnectionString,
  deviceConnectionString,
  parseConnectionString,
  parseDeviceConnectionString,
  parseServiceConnectionString,
  type ServiceConnectionString,
  serviceConnectionString,
} from './connection-string.js';
export { DEVICE_ID, isDeviceId } from './device-id.js';
export { allowedFilters, type DeviceRequest, deviceRequest, propertyBag } from './device-topics.js';
export { isJsonObject, type JsonObject, type JsonValue, parseJson } from './json.js';
export { applyMergePatch, jsonEqual, mergePatchBetween } from './merge-patch.js';
export { MAX_MESSAGE_BYTES, MAX_METHOD_PAYLOAD_BYTES } from './message-limits.js';
export {
  createSharedAccessSignature,
  isSignedWith,
  parseSharedAccessSignature,
  type SharedAccessSignature,
  signResource,
} from './shared-access-signature.js';
export { patchProblem, sectionProblem, sizeProblem, TWIN_LIMITS } from './twin-limits.js';
export {
  DESIRED_PATCH_FILTER,
  desiredPatchTopic,
  MAX_RID_LENGTH,
  parseDesiredPatchTopic,
  parseTwinResponseTopic,
  reportedPatchTopic,
  TWIN_RESPONSE_FILTER,
  type TwinResponse,
  twinGetTopic,
  twinResponseTopic,
} from './twin-topics.js';
export { utf8Length } from './utf8-length.js';

/** IoT Hub's largest device-to-cloud message: 256 KB. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** IoT Hub's largest direct method payload: 128 KB. */
export const MAX_METHOD_PAYLOAD_BYTES = 128 * 1024;

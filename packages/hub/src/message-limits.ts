/** The longest MQTT packet the broker reads: IoT Hub's 256 KB message, its topic and headers. */
export const MAX_PACKET_BYTES = 256 * 1024 + 64 * 1024;

import type { DeviceRecord } from './device-record.js';

/** The prefix of an IoT Edge device's scope (`ms-azure-iot-edge://{deviceId}-{number}`), as IoT Hub makes it. */
export const DEVICE_SCOPE_PREFIX = 'ms-azure-iot-edge://';

/**
 * The scope of an IoT Edge device: IoT Hub makes it of the device id and a number of the device's generation, so
 * that a gateway deleted and added again under the same id is another scope and does not inherit the children.
 */
export function edgeScope(deviceId: string, generationId: string): string {
  const digits = /^\d+$/.test(generationId)
    ? generationId
    : (BigInt(`0x${generationId.replace(/[^0-9a-f]/gi, '') || '0'}`) % 10n ** 18n).toString().padStart(18, '0');
  return `${DEVICE_SCOPE_PREFIX}${deviceId}-${digits}`;
}

/** The device's `deviceScope` as IoT Hub shows it: its own for an edge device, its parent's for a leaf, or ''. */
export function deviceScope(record: DeviceRecord): string {
  return record.iotEdge ? edgeScope(record.deviceId, record.generationId) : (record.deviceScope ?? '');
}

/**
 * The device's `parentScopes`: a leaf device's is its `deviceScope` (IoT Hub fills it in), an edge device's is what
 * was set (the scope of the edge device above it in a nested hierarchy), each at most one entry.
 */
export function parentScopes(record: DeviceRecord): string[] {
  if (record.iotEdge) return [...(record.parentScopes ?? [])];
  return record.deviceScope === undefined || record.deviceScope === '' ? [] : [record.deviceScope];
}

/** The scope of this device's parent, or undefined when it has none. */
export function parentScope(record: DeviceRecord): string | undefined {
  return parentScopes(record)[0];
}

/** A device identity as the hub's registry keeps it. */
export interface DeviceRecord {
  readonly deviceId: string;
  readonly generationId: string;
  /** Counts updates of the identity; the device etag is made of it. */
  readonly revision: number;
  readonly status: 'enabled' | 'disabled';
  readonly statusReason: string | null;
  readonly statusUpdatedTime: string;
  readonly primaryKey: string;
  readonly secondaryKey: string;
  readonly iotEdge: boolean;
  /** A leaf device's parent: the `deviceScope` of its IoT Edge parent; absent or '' for none. */
  readonly deviceScope?: string;
  /** An edge device's parent in a nested hierarchy: the scope of the edge device above it. */
  readonly parentScopes?: readonly string[];
}

export { DEVICE_ID } from '@os/iothub';

/** The device etag: the revision, base64 of its decimal digits (IoT Hub's form, `MA==` for 0). */
export function deviceEtag(record: DeviceRecord): string {
  return Buffer.from(String(record.revision)).toString('base64');
}

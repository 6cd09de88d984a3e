import { isJsonObject, type JsonObject, type JsonValue } from '@os/iothub';

/** A twin section with IoT Hub's bookkeeping: its version and a `$lastUpdated` metadata tree. */
export interface TwinSection {
  readonly properties: JsonObject;
  readonly metadata: JsonObject;
  readonly version: number;
}

/** Everything the hub keeps of one device twin. */
export interface TwinState {
  readonly tags: JsonObject;
  readonly desired: TwinSection;
  readonly reported: TwinSection;
  /** The twin's version: one more on every change of tags, desired or reported; the etag is made of it. */
  readonly version: number;
}

/** Whether a section's metadata carries `$lastUpdatedVersion` (desired and tags do, reported does not). */
type Stamp = { readonly $lastUpdated: string; readonly $lastUpdatedVersion?: number };

type Mutable = { [key: string]: JsonValue };

/** A twin as a new device's: empty sections at version 1, twin version 1. */
export function emptyTwin(now: string): TwinState {
  return {
    tags: {},
    desired: { properties: {}, metadata: { $lastUpdated: now, $lastUpdatedVersion: 1 }, version: 1 },
    reported: { properties: {}, metadata: { $lastUpdated: now }, version: 1 },
    version: 1,
  };
}

function mergeInto(target: Mutable, metadata: Mutable, patch: JsonObject, stamp: Stamp): void {
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) {
      delete target[key];
      delete metadata[key];
    } else if (isJsonObject(value)) {
      const child = isJsonObject(target[key]) ? { ...target[key] } : {};
      const childMetadata = isJsonObject(metadata[key]) && isJsonObject(target[key]) ? { ...metadata[key] } : {};
      mergeInto(child, childMetadata, value, stamp);
      target[key] = child;
      metadata[key] = { ...childMetadata, ...stamp };
    } else {
      target[key] = structuredClone(value);
      metadata[key] = { ...stamp };
    }
  }
}

/**
 * `section` after the JSON merge patch `patch` (`null` deletes), at the next version, with `$lastUpdated`
 * (and, where `withVersion`, `$lastUpdatedVersion`) set on every member the patch touched.
 */
export function patchSection(section: TwinSection, patch: JsonObject, now: string, withVersion: boolean): TwinSection {
  const version = section.version + 1;
  const stamp: Stamp = withVersion ? { $lastUpdated: now, $lastUpdatedVersion: version } : { $lastUpdated: now };
  const properties: Mutable = { ...section.properties };
  const metadata: Mutable = { ...section.metadata };
  mergeInto(properties, metadata, patch, stamp);
  return { properties, metadata: { ...metadata, ...stamp }, version };
}

/** `section` replaced whole by `properties`, at the next version. */
export function replaceSection(section: TwinSection, properties: JsonObject, now: string): TwinSection {
  return patchSection({ ...section, properties: {}, metadata: {} }, properties, now, true);
}

/** The patch that turns `before` into `after` at the top level: every new or changed member, `null` for removed. */
export function topLevelDifference(before: JsonObject, after: JsonObject): JsonObject {
  const patch: Mutable = {};
  for (const key of Object.keys(before)) if (!(key in after)) patch[key] = null;
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) patch[key] = value;
  }
  return patch;
}

/** A section as IoT Hub shows it: the properties, then `$metadata` (unless left out) and `$version`. */
export function sectionDocument(section: TwinSection, withMetadata: boolean): JsonObject {
  return withMetadata
    ? { ...section.properties, $metadata: section.metadata, $version: section.version }
    : { ...section.properties, $version: section.version };
}

/** The twin's etag: its version as 8 bytes, big-endian, base64 (IoT Hub's form, `AAAAAAAAAAE=`). */
export function twinEtag(twin: TwinState): string {
  const bytes = Buffer.alloc(8);
  bytes.writeBigUInt64BE(BigInt(twin.version));
  return bytes.toString('base64');
}

import { isJsonObject, type JsonObject, type JsonValue } from './json.js';

type Mutable = { [key: string]: JsonValue };

/** Sets `object[key]` as an own member, also for the key `__proto__` (an assignment would set the prototype). */
function put(object: Mutable, key: string, value: JsonValue): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

/**
 * `target` after the JSON merge patch `patch` (RFC 7396, as IoT Hub applies twin patches): a `null` member deletes,
 * an object member merges into the object there (or into an empty one), anything else replaces. Neither argument is
 * changed; the result shares no objects with `patch`.
 */
export function applyMergePatch(target: JsonObject, patch: JsonObject): JsonObject {
  const result: Mutable = { ...target };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else if (isJsonObject(value)) {
      const current = Object.hasOwn(result, key) ? result[key] : undefined;
      put(result, key, applyMergePatch(isJsonObject(current) ? current : {}, value));
    } else put(result, key, structuredClone(value));
  }
  return result;
}

/** `object`'s own member `key`, never one of its prototype's (`constructor`, `toString`). */
function member(object: JsonObject, key: string): JsonValue | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Whether two JSON values are equal (members in any order; arrays in order). */
export function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => jsonEqual(item, b[index]));
  }
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  const other = b as JsonObject;
  return keys.every((key) => Object.hasOwn(other, key) && jsonEqual((a as JsonObject)[key], other[key]));
}

/**
 * The JSON merge patch that turns `before` into `after` (with `applyMergePatch`): `null` for each member `after`
 * lacks, the changed members (objects patched member by member, arrays and other values whole). A `null` member of
 * `after` counts as absent: a twin cannot hold `null`. Empty when nothing changed.
 */
export function mergePatchBetween(before: JsonObject, after: JsonObject): JsonObject {
  const patch: Mutable = {};
  for (const [key, value] of Object.entries(before)) {
    const next = member(after, key);
    if (value !== null && (next === undefined || next === null)) put(patch, key, null);
  }
  for (const [key, value] of Object.entries(after)) {
    if (value === null) continue;
    const old = member(before, key);
    if (isJsonObject(value) && isJsonObject(old)) {
      const inner = mergePatchBetween(old, value);
      if (Object.keys(inner).length > 0) put(patch, key, inner);
    } else if (!jsonEqual(old, value)) put(patch, key, value);
  }
  return patch;
}

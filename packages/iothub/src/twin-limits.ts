import { isJsonObject, type JsonObject, type JsonValue } from './json.js';
import { utf8Length } from './utf8-length.js';

/** IoT Hub's limits on tags, desired and reported properties (Microsoft Learn, "Understand device twins"). */
export const TWIN_LIMITS = {
  /** Bytes of UTF-8 in a key. */
  keyBytes: 1024,
  /** Bytes of UTF-8 in a string value. */
  stringBytes: 4096,
  /** Nested objects below a section's root. */
  depth: 10,
  /** Bytes of a desired or reported section as compact JSON, without `$metadata` and `$version`. */
  sectionBytes: 32 * 1024,
  /** Bytes of the tags as compact JSON. */
  tagsBytes: 8 * 1024,
  /** The largest integer IoT Hub stores exactly. */
  maxInteger: 4503599627370495,
  /** The smallest integer IoT Hub stores exactly. */
  minInteger: -4503599627370496,
} as const;

/** The first character IoT Hub does not allow in a key (C0 and C1 controls, '.', '$', space), if any. */
function badKeyCharacter(key: string): string | undefined {
  for (const character of key) {
    const code = character.charCodeAt(0);
    if (code <= 0x1f || (code >= 0x7f && code <= 0x9f) || character === '.' || character === '$' || character === ' ') {
      return character;
    }
  }
  return undefined;
}

function checkKey(key: string, path: string): string | undefined {
  if (key.length === 0) return `${path}: a key is empty`;
  if (utf8Length(key) > TWIN_LIMITS.keyBytes) return `${path}: key "${key.slice(0, 32)}..." is over 1 KB`;
  const bad = badKeyCharacter(key);
  if (bad !== undefined) {
    const rule = "keys must not hold control characters, '.', '$' or space";
    return `${path}: key "${key}" holds ${JSON.stringify(bad)}: ${rule}`;
  }
  return undefined;
}

function checkValue(value: JsonValue, path: string, depth: number, patch: boolean, arrays = 0): string | undefined {
  if (value === null) return patch ? undefined : `${path}: null is allowed only in a patch (it deletes)`;
  if (typeof value === 'string') {
    return utf8Length(value) > TWIN_LIMITS.stringBytes ? `${path}: the string is over 4 KB` : undefined;
  }
  if (typeof value === 'number') {
    if (Number.isInteger(value) && (value > TWIN_LIMITS.maxInteger || value < TWIN_LIMITS.minInteger)) {
      return `${path}: ${value} is outside IoT Hub's integer range`;
    }
    return undefined;
  }
  if (typeof value === 'boolean') return undefined;
  if (Array.isArray(value)) {
    // arrays in arrays do not count as objects do, but are bounded alike, so a hostile document cannot nest deeper
    // than the checker's stack
    if (arrays >= TWIN_LIMITS.depth) return `${path}: arrays nest deeper than ${TWIN_LIMITS.depth} levels`;
    for (const [index, item] of value.entries()) {
      if (item === null) return `${path}[${index}]: arrays must not hold null`;
      const problem = checkValue(item, `${path}[${index}]`, depth, false, arrays + 1);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (depth >= TWIN_LIMITS.depth) return `${path}: objects nest deeper than ${TWIN_LIMITS.depth} levels`;
  return checkObject(value as JsonObject, path, depth + 1, patch);
}

function checkObject(object: JsonObject, path: string, depth: number, patch: boolean): string | undefined {
  for (const [key, value] of Object.entries(object)) {
    const problem = checkKey(key, path) ?? checkValue(value, `${path}.${key}`, depth, patch);
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/**
 * Why `patch` is not a valid patch of the twin section named `section` (keys, string lengths, integer range,
 * depth), or undefined when it is valid. `null` values are allowed: they delete.
 */
export function patchProblem(patch: unknown, section: string): string | undefined {
  if (!isJsonObject(patch)) return `${section}: the patch must be a JSON object`;
  return checkObject(patch, section, 0, true);
}

/** Why the section `document` is over its size limit, or undefined. */
export function sizeProblem(document: JsonObject, section: string, limit: number): string | undefined {
  const bytes = utf8Length(JSON.stringify(document));
  return bytes > limit ? `${section}: ${bytes} bytes, over IoT Hub's limit of ${limit} bytes` : undefined;
}

/**
 * Why `document`, a whole desired or reported section as a device receives it (its members, with `$version` and
 * perhaps `$metadata` at the top, which are left out), breaks IoT Hub's rules (keys, strings, integers, depth, no
 * `null`, 32 KB), or undefined when it keeps them. What a device checks before it acts on a twin it was sent.
 */
export function sectionProblem(document: unknown, section: string): string | undefined {
  if (!isJsonObject(document)) return `${section}: the section must be a JSON object`;
  const { $version: _version, $metadata: _metadata, ...members } = document;
  return checkObject(members, section, 0, false) ?? sizeProblem(members, section, TWIN_LIMITS.sectionBytes);
}

/**
 * What a deployed component's name may be: a letter or digit, then letters, digits, `_` and `-`, at most 64 characters.
 * Stricter than init's start names on purpose: the name is also a key of the twin's reported properties, where IoT Hub
 * refuses `.`, `$`, spaces and control characters, and part of session labels, where `" -> "` separates parents.
 */
export const COMPONENT_NAME_RULE = 'a letter or digit, then letters, digits, "_" and "-", at most 64 characters';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Whether `name` may name a deployed component (see {@link COMPONENT_NAME_RULE}). */
export function isComponentName(name: string): boolean {
  return NAME.test(name);
}

import { InitConfigError } from './config-error.js';
import type { InitConfig } from './model.js';
import { initConfig } from './typed-config.js';
import { readInitConfig } from './xml-config.js';

/**
 * `text` without the NULs that pad a ROM dataspace to its size. A scan from the end: the regular
 * expression `/\0+$/` it replaces retried from every NUL of a run that does not reach the end,
 * quadratic in the run (100 000 NULs inside a config took 13 s).
 */
function withoutNulPadding(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 0) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * Reads init's "config" ROM: Genode's XML when the text starts with `<`, else JSON of an
 * `InitConfigValue` (how a system written in TypeScript hands init its typed configuration).
 */
export function parseInitConfigText(text: string, origin = 'init config'): InitConfig {
  const content = withoutNulPadding(text);
  const trimmed = content.trim();
  if (trimmed.startsWith('<')) return readInitConfig(content, origin);
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    throw new InitConfigError(
      `${origin}: neither XML (it does not start with "<") nor ` +
        `JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  return initConfig(value);
}

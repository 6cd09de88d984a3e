import { InitConfigError } from './config-error.js';
import type { InitConfig } from './model.js';
import { initConfig } from './typed-config.js';
import { readInitConfig } from './xml-config.js';

/**
 * Reads init's "config" ROM: Genode's XML when the text starts with `<`, else JSON of an
 * `InitConfigValue` (how a system written in TypeScript hands init its typed configuration).
 */
export function parseInitConfigText(text: string, origin = 'init config'): InitConfig {
  const content = text.replace(/\0+$/, '');
  const trimmed = content.trim();
  if (trimmed.startsWith('<')) return readInitConfig(content, origin);
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch (error) {
    throw new InitConfigError(`${origin}: neither XML (it does not start with "<") nor JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return initConfig(value);
}

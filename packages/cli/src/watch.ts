import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { dirname } from 'node:path';
import type { Core } from '@os/runtime/host';
import { prepareInitConfig } from './prepare-config.js';
import type { RunOutput } from './run.js';
import { initConfigLoader } from './xml-system.js';

/** How often `--watch` looks at the config file, in milliseconds. */
export const WATCH_INTERVAL_MS = 100;

/**
 * Applies each saved edit of the init config `file` to the running system: the new text is checked
 * first, as before boot (an error is printed and the system keeps its config), then handed to init
 * as a new version of its "config" ROM. Returns the function that stops watching.
 */
export function watchConfig(file: string, core: Core, output: RunOutput): () => void {
  let last = readFileSync(file, 'utf8');
  const changed = (): void => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      output.stderr(`os run: cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    if (text === last) return;
    last = text;
    let prepared: string;
    try {
      prepared = prepareInitConfig(text, file, initConfigLoader(text, { directory: dirname(file), origin: file }));
    } catch (error) {
      output.stderr(`os run: the edit is not applied: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    output.stderr(`os run: applying the edit of ${file}`);
    core.updateRom('config', new TextEncoder().encode(prepared));
  };
  watchFile(file, { interval: WATCH_INTERVAL_MS }, changed);
  return () => unwatchFile(file, changed);
}

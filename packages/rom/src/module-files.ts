import { type FSWatcher, watch } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { RomModules } from './rom-modules.js';

/** How `watchRomDirectory` reports trouble. */
export interface WatchOptions {
  /** Told when a rescan fails (unreadable file, directory gone); default: a process warning. The watch goes on. */
  readonly onError?: (error: unknown) => void;
}

/** The regular files of `dir`, by file name; subdirectories and other entries are left out. */
export async function readModuleFiles(dir: string): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  const entries = await readdir(dir, { withFileTypes: true });
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (entry.isFile()) files.set(entry.name, new Uint8Array(await readFile(join(dir, entry.name))));
  }
  return files;
}

function sameBytes(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function warn(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(String(error)), 'RomModulesWatchWarning');
}

/**
 * Keeps `modules` in step with `dir`: each file-system event rescans the directory (events coalesce
 * while a rescan runs), sets modules whose file is new or changed and deletes those whose file went
 * away. Only modules that came from the directory are ever deleted. Returns the stop function.
 */
export function watchModuleFiles(dir: string, modules: RomModules, options: WatchOptions): () => void {
  const onError = options.onError ?? warn;
  const fromDirectory = new Set<string>();
  let stopped = false;
  let running: Promise<void> | null = null;
  let again = false;

  const rescan = async (): Promise<void> => {
    const files = await readModuleFiles(dir);
    if (stopped) return;
    for (const [name, content] of files) {
      fromDirectory.add(name);
      if (!sameBytes(modules.get(name), content)) modules.set(name, content);
    }
    for (const name of [...fromDirectory]) {
      if (files.has(name)) continue;
      fromDirectory.delete(name);
      modules.delete(name);
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    if (running !== null) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await rescan();
        } catch (error) {
          if (!stopped) onError(error);
        }
      } while (again && !stopped);
      running = null;
    })();
  };

  const watcher: FSWatcher = watch(dir, () => schedule());
  watcher.on('error', (error) => {
    if (!stopped) onError(error);
  });
  schedule();
  return () => {
    stopped = true;
    watcher.close();
  };
}

// The host-facing part of @os/rom: ROM modules read from and kept in step with a directory of the
// host's file system (node:fs). Only trusted code (`os run`, a program that boots a system) imports
// it; it is never granted to a confined component, which reads ROMs only through its ROM sessions.

import { readModuleFiles, type WatchOptions, watchModuleFiles } from './module-files.js';
import { RomModules } from './rom-modules.js';

export type { WatchOptions } from './module-files.js';

/**
 * ROM modules from each regular file of directory `dir`, named by file name (host side: the program
 * that boots the system reads the files; components themselves have no file access).
 */
export async function romModulesFromDirectory(dir: string): Promise<RomModules> {
  const modules = new RomModules();
  for (const [name, content] of await readModuleFiles(dir)) modules.set(name, content);
  return modules;
}

/**
 * Keeps `modules` in step with directory `dir` (node:fs): a file that appears or changes is `set`, one
 * that disappears is deleted; only modules that came from the directory are ever deleted. Returns the
 * function that stops watching.
 */
export function watchRomDirectory(modules: RomModules, dir: string, options: WatchOptions = {}): () => void {
  return watchModuleFiles(dir, modules, options);
}

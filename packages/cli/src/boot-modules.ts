import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BinaryResolver, ComponentModule, SystemDescription } from '@os/runtime';

/** Extensions tried, in order, when a binary is named without one. */
export const BINARY_EXTENSIONS = ['', '.mjs', '.js'];

/**
 * The boot modules of a system directory: every regular file directly in it, by its name, as
 * Genode's run scripts make every boot module a ROM. Dot files are left out.
 */
export function directoryRoms(directory: string): Map<string, Uint8Array> {
  const roms = new Map<string, Uint8Array>();
  for (const name of readdirSync(directory).sort()) {
    if (name.startsWith('.')) continue;
    const path = join(directory, name);
    if (statSync(path).isFile()) roms.set(name, new Uint8Array(readFileSync(path)));
  }
  return roms;
}

/**
 * The module file a binary name denotes, relative to `directory`: `app`, `app.mjs`, `./app.mjs`,
 * `../lib/app.js`, or an absolute path; `.mjs` and `.js` files only.
 */
export function binaryFile(directory: string, name: string): string | undefined {
  if (name.length === 0) return undefined;
  for (const extension of BINARY_EXTENSIONS) {
    const path = resolve(directory, name + extension);
    if (existsSync(path) && statSync(path).isFile() && /\.(mjs|js)$/.test(path)) return path;
  }
  return undefined;
}

/** Imports a component module from `path`; it must export `construct(env)`. */
export async function importComponent(path: string): Promise<ComponentModule> {
  const module = (await import(pathToFileURL(path).href)) as { construct?: unknown };
  if (typeof module.construct !== 'function') throw new Error(`${path} is not a component: it does not export "construct(env)"`);
  return module as ComponentModule;
}

/**
 * The system with its directory's files added as boot modules: each file is a ROM (the system's
 * own `roms` win on a name clash), and a binary the system's table does not know is looked up as
 * a module file in the directory.
 */
export function withBootModules(system: SystemDescription, directory: string): SystemDescription {
  const roms = new Map([...directoryRoms(directory), ...(system.roms ?? new Map<string, Uint8Array>())]);
  const table = system.binaries;
  const binaries: BinaryResolver = async (name) => {
    try {
      return await table(name);
    } catch (error) {
      const file = binaryFile(directory, name);
      if (file === undefined) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${reason}; nor is there a module file "${name}" (or "${name}.mjs", "${name}.js") in ${directory}`);
      }
      return importComponent(file);
    }
  };
  return { ...system, roms, binaries };
}

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryLoader } from '@os/loader';
import type { BinaryResolver, SystemDescription } from '@os/runtime/host';

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
 * The system with its directory's files added as boot modules: each file is a ROM (the system's
 * own `roms` win on a name clash), and a binary the system's table does not know is loaded, confined,
 * as a module file or component package from the directory.
 */
export function withBootModules(system: SystemDescription, directory: string): SystemDescription {
  const roms = new Map([...directoryRoms(directory), ...(system.roms ?? new Map<string, Uint8Array>())]);
  const table = system.binaries;
  const loader = new BinaryLoader({ directory });
  const binaries: BinaryResolver = async (name) => {
    try {
      return await table(name);
    } catch (error) {
      try {
        return await loader.resolve(name);
      } catch (fallback) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`${reason}; ${fallback instanceof Error ? fallback.message : String(fallback)}`);
      }
    }
  };
  return { ...system, roms, binaries };
}

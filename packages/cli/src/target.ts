import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorCode } from '@os/kernel';
import type { ComponentModule } from '@os/runtime';
import type { SystemDescription } from '@os/runtime/host';
import { withBootModules } from './boot-modules.js';
import { xmlSystem } from './xml-system.js';

/** A target that is not a system: names the path and what was looked for. */
export class TargetError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_TARGET`: compare it, not the class, to recognise an error from another copy of
   * this package.
   */
  readonly code: string;

  /** The code of this class's errors (`TargetError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'TargetError';
    this.code = errorCode(new.target.name);
  }
}

/** Files a system directory may keep its system module or its init config in, in the order they are tried. */
export const SYSTEM_MODULE_FILES = ['system.mjs', 'system.js', 'dist/system.js', 'system.xml'];

/** The module file a target names: the file itself, the directory's `osSystem` in package.json, or a known file. */
export function systemModulePath(target: string): string {
  const path = resolve(target);
  if (!existsSync(path)) throw new TargetError(`target "${target}" does not exist`);
  if (statSync(path).isFile()) return path;
  const manifest = join(path, 'package.json');
  if (existsSync(manifest)) {
    // not "os": package managers read that field as the platforms a package installs on
    const declared = (JSON.parse(readFileSync(manifest, 'utf8')) as { osSystem?: unknown }).osSystem;
    if (typeof declared === 'string') return join(path, declared);
  }
  for (const file of SYSTEM_MODULE_FILES) if (existsSync(join(path, file))) return join(path, file);
  throw new TargetError(
    `target "${target}" is a directory without a system module: add "osSystem": "<file>" to its package.json, or ` +
      `one of ${SYSTEM_MODULE_FILES.join(', ')}`,
  );
}

/** The directory whose files are the system's boot modules: the target directory, or the system module's. */
export function systemDirectory(target: string): string {
  const path = resolve(target);
  return statSync(path).isDirectory() ? path : dirname(path);
}

/**
 * Loads a target's system: an init config (`.xml`), or a module exporting `system`, a
 * `SystemDescription`. The files of the system's directory are added as boot modules (ROMs, and
 * binaries by module file). `warn` is told what the checks before boot of an init config find doubtful; `builtins`
 * are the binaries an init config knows by name (default `BUILTIN_BINARIES`).
 */
export async function loadSystem(
  target: string,
  warn?: (message: string) => void,
  builtins?: Readonly<Record<string, ComponentModule>>,
): Promise<SystemDescription> {
  const file = systemModulePath(target);
  if (file.endsWith('.xml')) return xmlSystem(file, warn, builtins);
  const module = (await import(pathToFileURL(file).href)) as { system?: unknown };
  const system = module.system;
  if (
    typeof system !== 'object' ||
    system === null ||
    typeof (system as { init?: unknown }).init !== 'string' ||
    typeof (system as { binaries?: unknown }).binaries !== 'function'
  ) {
    throw new TargetError(
      `${file} does not export a system: expected "export const system = { init: 'init', binaries, roms }"`,
    );
  }
  return withBootModules(system as SystemDescription, systemDirectory(target));
}

import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InitConfigError, init, readInitConfig } from '@os/init';
import { type BinaryResolver, type ComponentModule, type SystemDescription } from '@os/runtime';
import { timerDriver } from '@os/timer';
import { dummy } from '@os/dummy';
import { reportRom } from '@os/rom';
import { binaryFile, directoryRoms, importComponent } from './boot-modules.js';

/** The components `os run system.xml` knows by their Genode names. */
export const BUILTIN_BINARIES: Readonly<Record<string, ComponentModule>> = { init, timer: timerDriver, dummy, report_rom: reportRom };

/**
 * The system an init config file describes: core starts the built-in init with the file as its
 * "config" ROM; every file beside it is a boot module; binaries are the built-ins or module files
 * relative to the config's directory. The config and its binaries are checked before anything boots.
 */
export function xmlSystem(file: string): SystemDescription {
  const text = readFileSync(file, 'utf8');
  const directory = dirname(file);
  const config = readInitConfig(text, file);
  for (const child of config.children) {
    if (Object.hasOwn(BUILTIN_BINARIES, child.binary) || binaryFile(directory, child.binary) !== undefined) continue;
    throw new InitConfigError(
      `${file}:${child.line}: <start name="${child.name}">: binary "${child.binary}" cannot be resolved: it is not built in (${Object.keys(BUILTIN_BINARIES).join(', ')}) and there is no module file "${child.binary}" (or with .mjs, .js) relative to ${directory}`,
    );
  }
  const binaries: BinaryResolver = async (name) => {
    if (Object.hasOwn(BUILTIN_BINARIES, name)) return BUILTIN_BINARIES[name] as ComponentModule;
    const path = binaryFile(directory, name);
    if (path === undefined) throw new Error(`no binary "${name}": not built in (${Object.keys(BUILTIN_BINARIES).join(', ')}) and no module file relative to ${directory}`);
    return importComponent(path);
  };
  const roms = directoryRoms(directory);
  roms.set('config', new TextEncoder().encode(text));
  return { init: 'init', binaries, roms };
}

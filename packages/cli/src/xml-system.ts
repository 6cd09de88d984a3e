import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { InitConfigError, init, readInitConfig } from '@os/init';
import { BinaryLoader, LoaderError } from '@os/loader';
import { type ComponentModule, type SystemDescription, XmlNode } from '@os/runtime';
import { timerDriver } from '@os/timer';
import { dummy } from '@os/dummy';
import { reportRom } from '@os/rom';
import { directoryRoms } from './boot-modules.js';
import { checkAgainstManifest } from './manifest-check.js';

/** The components `os run system.xml` knows by their Genode names. */
export const BUILTIN_BINARIES: Readonly<Record<string, ComponentModule>> = { init, timer: timerDriver, dummy, report_rom: reportRom };

/** The binaries the top config trusts to run unconfined: `<binary name="..." confined="no"/>` in a start entry. */
export function unconfinedBinaries(config: XmlNode): Set<string> {
  const names = new Set<string>();
  for (const start of config.subNodes('start')) {
    const binary = start.subNodes('binary')[0];
    if (binary !== undefined && !binary.booleanAttribute('confined', true)) names.add(binary.stringAttribute('name', start.stringAttribute('name', '')));
  }
  return names;
}

/**
 * The system an init config file describes: core starts the built-in init with the file as its
 * "config" ROM; every file beside it is a boot module; binaries are the built-ins, module files
 * relative to the config's directory, or component packages installed there. Before anything boots,
 * each start entry's binary is found and checked: it looks like a component, and a package's
 * manifest agrees with its start entry (quota, provided services, a route for each required session).
 */
export function xmlSystem(file: string): SystemDescription {
  const text = readFileSync(file, 'utf8');
  const directory = dirname(file);
  const config = readInitConfig(text, file);
  const node = XmlNode.parse(text, file);
  const loader = new BinaryLoader({ directory, builtins: BUILTIN_BINARIES, unconfined: unconfinedBinaries(node), modules: {} });
  const startNodes = new Map(node.subNodes('start').map((start) => [start.stringAttribute('name', ''), start]));
  for (const child of config.children) {
    try {
      const located = loader.check(child.binary, startNodes.get(child.name)?.subNodes('config')[0]);
      if (located.kind === 'module' && located.manifest !== undefined) checkAgainstManifest(config, child, located.manifest, file);
    } catch (error) {
      if (error instanceof LoaderError) throw new InitConfigError(`${file}:${child.line}: <start name="${child.name}">: ${error.message}`);
      throw error;
    }
  }
  const roms = directoryRoms(directory);
  roms.set('config', new TextEncoder().encode(text));
  return { init: 'init', binaries: loader.resolve, roms };
}

import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { init } from '@os/init';
import { BinaryLoader } from '@os/loader';
import type { ComponentModule, XmlNode } from '@os/runtime';
import type { SystemDescription } from '@os/runtime/host';
import { timerDriver } from '@os/timer';
import { dummy } from '@os/dummy';
import { reportRom } from '@os/rom';
import { netServer } from '@os/net/host';
import { createLxFs, lxFs } from '@os/fs/host';
import { depotDownload } from '@os/depot/download';
import { twin } from '@os/twin/host';
import { directoryRoms } from './boot-modules.js';
import { type MachineQuota, parseConfig, prepareInitConfig } from './prepare-config.js';

/** lx_fs as `os run` starts it on real time: `sync` waits for the disk off the one thread. */
const lxFsOnRealTime = createLxFs({ realTime: true });

/**
 * The components `os run system.xml` knows by their Genode names, for a run on real or virtual time: `net` (the
 * network, from `@os/net/host`) refuses to start on virtual time; `lx_fs` waits for the disk off the thread on real
 * time only.
 */
export function builtinBinaries(options: { readonly virtualTime: boolean }): Readonly<Record<string, ComponentModule>> {
  return { ...BUILTIN_BINARIES, net: netServer(options), ...(options.virtualTime ? {} : { lx_fs: lxFsOnRealTime }) };
}

/** The components `os run system.xml` knows by their Genode names, as on virtual time (see {@link builtinBinaries}). */
export const BUILTIN_BINARIES: Readonly<Record<string, ComponentModule>> = {
  init,
  timer: timerDriver,
  dummy,
  report_rom: reportRom,
  lx_fs: lxFs,
  net: netServer({ virtualTime: true }),
  depot_download: depotDownload,
  twin,
};

/** The binaries the top config trusts to run unconfined: `<binary name="..." confined="no"/>` in a start entry. */
export function unconfinedBinaries(config: XmlNode): Set<string> {
  const names = new Set<string>();
  for (const start of config.subNodes('start')) {
    const binary = start.subNodes('binary')[0];
    if (binary !== undefined && !binary.booleanAttribute('confined', true))
      names.add(binary.stringAttribute('name', start.stringAttribute('name', '')));
  }
  return names;
}

/** What {@link initConfigSystem} needs besides the config text. */
export interface InitConfigSystemOptions {
  /** The directory binary names resolve from; its regular files become boot modules (ROMs). */
  readonly directory: string;
  /** Names the text in errors (the file's path). */
  readonly origin: string;
  /** Binaries known by name, in place of {@link BUILTIN_BINARIES}. */
  readonly builtins?: Readonly<Record<string, ComponentModule>>;
  /** ROMs besides the directory's files; they win on a name clash. */
  readonly roms?: ReadonlyMap<string, Uint8Array>;
  /** Told what the checks before boot find doubtful but not wrong (a start entry too small to start its component). */
  readonly warn?: (message: string) => void;
  /** The machine the system boots on; the description names it (`ram`, `caps`). Default: `boot`'s. */
  readonly machine?: MachineQuota;
}

/**
 * The loader for an init config (its text, or its parsed XML): built-ins, the directory's modules and packages, and the
 * unconfined binaries the config names.
 */
export function initConfigLoader(config: string | XmlNode, options: InitConfigSystemOptions): BinaryLoader {
  const node = typeof config === 'string' ? parseConfig(config, options.origin) : config;
  const builtins = options.builtins ?? BUILTIN_BINARIES;
  const realTime = builtins['lx_fs'] === lxFsOnRealTime;
  return new BinaryLoader({
    directory: options.directory,
    // lx_fs takes a relative directory from the system's, as Genode runs it in the boot directory
    builtins:
      builtins['lx_fs'] === lxFs || realTime
        ? { ...builtins, lx_fs: createLxFs({ base: options.directory, realTime }) }
        : builtins,
    unconfined: unconfinedBinaries(node),
    modules: {},
  });
}

/**
 * The system an init config describes: core starts the built-in init with the config (after
 * {@link prepareInitConfig}: checked, and packages' default quotas filled in) as its "config" ROM;
 * every file in the directory is a boot module; binaries are the built-ins, module files relative
 * to the directory, or component packages installed there.
 */
export function initConfigSystem(text: string, options: InitConfigSystemOptions): SystemDescription {
  const node = parseConfig(text, options.origin);
  const loader = initConfigLoader(node, options);
  const prepared = prepareInitConfig(text, options.origin, loader, node, options.warn, options.machine);
  const roms = directoryRoms(options.directory);
  for (const [name, content] of options.roms ?? []) roms.set(name, content);
  roms.set('config', new TextEncoder().encode(prepared));
  const machine = options.machine === undefined ? {} : { ram: options.machine.ram, caps: options.machine.caps };
  return { init: 'init', binaries: loader.resolve, roms, ...machine };
}

/**
 * The system of an init config file (see {@link initConfigSystem}); the file's directory holds its boot modules.
 * `builtins` replace {@link BUILTIN_BINARIES} (`os run` passes those of its clock).
 */
export function xmlSystem(
  file: string,
  warn?: (message: string) => void,
  builtins?: Readonly<Record<string, ComponentModule>>,
): SystemDescription {
  return initConfigSystem(readFileSync(file, 'utf8'), {
    directory: dirname(file),
    origin: file,
    ...(warn === undefined ? {} : { warn }),
    ...(builtins === undefined ? {} : { builtins }),
  });
}

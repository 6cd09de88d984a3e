import { lstatSync, mkdirSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { AttachedRomDataspace, type ComponentModule, type Env, SignalHandler, XmlError, XmlNode } from '@os/runtime';
import { ServiceDenied } from '@os/session';
import { errnoOf } from './host-errors.js';
import { LxFsRoot } from './lx-fs-root.js';

/** How {@link createLxFs} makes an lx_fs. */
export interface LxFsOptions {
  /**
   * The host directory a relative `<config directory="...">` is taken from. `os run` passes the system's directory
   * (where the config and the boot modules are, as Genode runs lx_fs in its boot directory); default: the process's
   * working directory when the component starts.
   */
  readonly base?: string;
  /**
   * Whether the system runs on real time (default: no). Then `sync` waits for the disk on Node's thread pool and the
   * one JavaScript thread runs other components meanwhile; on virtual time every call stays synchronous, since the
   * clock would jump ahead (or the system look stalled) while the disk works.
   */
  readonly realTime?: boolean;
}

/** The host directory lx_fs serves from, or why it cannot. */
type Directory = { readonly path: string } | { readonly refusal: string };

const EMPTY_CONFIG = '<config/>';

/** Makes (if missing) and resolves the directory `config` names below `base`. */
function openDirectory(config: XmlNode, base: string): { directory: Directory; created: boolean } {
  const named = config.stringAttribute('directory', '.');
  const path = resolve(base, named);
  let created = false;
  try {
    if (lstatSync(path, { throwIfNoEntry: false }) === undefined) {
      mkdirSync(path, { recursive: true, mode: 0o755 });
      created = true;
    }
    const real = realpathSync(path);
    if (!lstatSync(real).isDirectory()) return { directory: { refusal: `${path} is no directory` }, created };
    return { directory: { path: real }, created };
  } catch (error) {
    const code = errnoOf(error);
    if (code === undefined) throw error;
    return { directory: { refusal: `the host refuses directory ${path} (${code})` }, created };
  }
}

/**
 * lx_fs: serves the `File_system` service from a directory of the host, to each client confined to the root its
 * policy names. The directory is the config's `directory` attribute (default `.`), relative to `base`; it is made
 * when missing. A config update applies to sessions opened after it; a malformed config is logged and the previous
 * one stays (before any valid one, every session is denied).
 */
async function construct(env: Env, base: string, realTime: boolean): Promise<void> {
  const log = (line: string) => env.log(line);
  const configRom = await AttachedRomDataspace.open(env, 'config');
  let config = XmlNode.parse(EMPTY_CONFIG, 'lx_fs');
  let directory: Directory = { refusal: 'lx_fs has no valid config yet' };
  const apply = async (): Promise<void> => {
    let parsed: XmlNode;
    try {
      parsed = configRom.xml();
    } catch (error) {
      if (!(error instanceof XmlError)) throw error;
      await log(`Error: ${error.message}; lx_fs keeps its previous config`);
      return;
    }
    const opened = openDirectory(parsed, base);
    config = parsed;
    directory = opened.directory;
    if ('refusal' in directory) await log(`Error: ${directory.refusal}; every session is denied until it is fixed`);
    else if (opened.created) await log(`created ${directory.path}`);
  };
  await apply();
  await configRom.sigh(
    new SignalHandler(env.ep, async () => {
      await configRom.update();
      await apply();
    }),
  );
  await new LxFsRoot(env, {
    config: () => config,
    directory: () => {
      if ('refusal' in directory) throw new ServiceDenied(`File_system: lx_fs cannot serve: ${directory.refusal}`);
      return directory.path;
    },
    log,
    waitsOnDisk: realTime,
  }).announce(env);
}

/** An lx_fs component whose relative directories are taken from `options.base`. */
export function createLxFs(options: LxFsOptions = {}): ComponentModule {
  return { construct: (env) => construct(env, options.base ?? process.cwd(), options.realTime === true) };
}

/**
 * Genode's `lx_fs` (binary `lx_fs`), for binary tables: relative directories are taken from the process's working
 * directory (`os run` gives its own, taken from the system's directory).
 */
export const lxFs: ComponentModule = createLxFs();

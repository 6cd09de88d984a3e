import { readFileSync, readdirSync, realpathSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve as resolvePath, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WIRE_VERSION } from '@os/rpc';
import { type ComponentModule, type XmlNode, suggest } from '@os/runtime';
import type { BinaryResolver } from '@os/runtime/host';
import {
  type BinaryLocation,
  depotRoot,
  findPackageDirectory,
  isDepotBinaryName,
  locateBinary,
  locateDepotBinary,
} from './binary-location.js';
import { type ComponentManifest, readComponentManifest } from './component-manifest.js';
import { exportsConstruct } from './confined-import.js';
import { BinaryNotFound, NotAComponent, WireVersionMismatch } from './errors.js';
import { requireHardenedRealm } from './harden-realm.js';
import { moduleBinary } from './module-binary.js';
import { ModuleSources } from './module-sources.js';
import { systemModules } from './system-modules.js';

/** How a system's binaries are found and loaded. */
export interface BinaryLoaderOptions {
  /** The directory binary names resolve from: the init config's. */
  readonly directory: string;
  /** Binaries known by name (`init`, `timer`, ...); they run in the host realm as part of the system. */
  readonly builtins?: Readonly<Record<string, ComponentModule>>;
  /** Binary names the integrator trusts to run unconfined (`<binary name="..." confined="no"/>` in the top config). */
  readonly unconfined?: Iterable<string>;
  /** Modules compartments may import besides the default `@os/*` set, by specifier. */
  readonly modules?: Readonly<Record<string, object>>;
  /**
   * A local depot: binary names of the form `<user>/bin/js/<name>/<version>` load the component package extracted
   * there (what the gateway's download put there after verifying its signature). Without it such names are refused.
   */
  readonly depot?: string;
}

/** A binary found for a name: a built-in, or a module file with its package's manifest. */
export type LocatedBinary =
  | { readonly kind: 'builtin'; readonly module: ComponentModule }
  | { readonly kind: 'module'; readonly location: BinaryLocation; readonly manifest?: ComponentManifest };

/** The real directory of this loader's own `@os/rpc`, once asked for. */
let hostRpcDirectory: string | undefined;

/** The real directory of the `@os/rpc` copy this loader runs with, found once per process. */
function hostRpc(): string {
  hostRpcDirectory ??= realpathSync(dirname(createRequire(import.meta.url).resolve('@os/rpc/package.json')));
  return hostRpcDirectory;
}

/**
 * The wire version of the `@os/rpc` copy a package would load itself, when it brings its own; `known` is where the
 * copy was found from directories looked at before (`findPackageDirectory`).
 */
function ownRpcWire(
  packageDirectory: string,
  known: Map<string, string | undefined>,
): { readonly directory: string; readonly wire: unknown } | undefined {
  const own = findPackageDirectory(packageDirectory, '@os/rpc', known);
  if (own === undefined || own === hostRpc()) return undefined;
  const manifest = JSON.parse(readFileSync(join(own, 'package.json'), 'utf8')) as { osWire?: unknown };
  return { directory: own, wire: manifest.osWire };
}

/**
 * Finds, checks and loads a system's binaries: built-ins by name, module files by path, component
 * packages by Node's resolution from the config's directory, each package checked against its
 * manifest and the RPC wire version. `resolve` is the system's `BinaryResolver`.
 */
export class BinaryLoader {
  /** The parsed module sources, shared by every component loaded from here. */
  readonly sources = new ModuleSources();
  readonly #options: BinaryLoaderOptions;
  readonly #unconfined: ReadonlySet<string>;
  readonly #located = new Map<string, LocatedBinary>();
  /** The component module of each module binary resolved so far: every start of a binary after its first uses it. */
  readonly #loaded = new Map<string, ComponentModule>();
  /** Where a package's own `@os/rpc` would come from, by directory looked at (see `ownRpcWire`). */
  readonly #rpcFrom = new Map<string, string | undefined>();
  #modules: Promise<ReadonlyMap<string, object>> | null = null;
  #depotRoot: string | undefined;
  #systemDirectory: string | undefined;

  /** Creates the loader. */
  constructor(options: BinaryLoaderOptions) {
    this.#options = options;
    this.#unconfined = new Set(options.unconfined ?? []);
  }

  /** Whether binary `name` runs unconfined. */
  unconfined(name: string): boolean {
    return this.#unconfined.has(name);
  }

  /**
   * Finds binary `name`: a built-in, a module file, or a package (whose manifest is read and whose wire
   * version is checked). Throws `BinaryNotFound`, `ManifestError` or `WireVersionMismatch`, naming it.
   */
  locate(name: string): LocatedBinary {
    const known = this.#located.get(name);
    if (known !== undefined) return known;
    const builtins = this.#options.builtins ?? {};
    let located: LocatedBinary;
    if (Object.hasOwn(builtins, name)) {
      located = { kind: 'builtin', module: builtins[name] as ComponentModule };
    } else if (isDepotBinaryName(name)) {
      if (this.#options.depot === undefined)
        throw new BinaryNotFound(
          `binary "${name}" names a depot archive, but this system has no local depot to load it from`,
        );
      located = this.#checkedPackage(name, locateDepotBinary(name, this.#depot(this.#options.depot)));
    } else {
      let location: BinaryLocation;
      try {
        location = locateBinary(name, this.#options.directory);
      } catch (error) {
        if (!(error instanceof BinaryNotFound)) throw error;
        const known = Object.keys(builtins);
        const builtIn = known.length > 0 ? `; nor is it built in (${known.join(', ')})` : '';
        const meant = suggest(name, [...known, ...moduleFileNames(this.#options.directory)]);
        throw new BinaryNotFound(
          `${error.message}${builtIn}${meant === undefined ? '' : `; did you mean "${meant}"?`}`,
        );
      }
      located = this.#checkedPackage(name, location);
    }
    this.#located.set(name, located);
    return located;
  }

  /** The real path of the local depot, found once it exists (its path is the loader's for good). */
  #depot(depot: string): string {
    this.#depotRoot ??= depotRoot(depot);
    return this.#depotRoot ?? resolvePath(depot);
  }

  /** A located module, with its package's manifest read and wire version checked when it is a package. */
  #checkedPackage(name: string, location: BinaryLocation): LocatedBinary {
    if (location.packageDirectory === undefined || location.packageJson === undefined)
      return { kind: 'module', location };
    const source = join(location.packageDirectory, 'package.json');
    const manifest = readComponentManifest(location.packageJson, source);
    if (manifest.wire !== WIRE_VERSION) {
      throw new WireVersionMismatch(
        `package "${name}" (${location.packageDirectory}) was built for RPC wire version ${manifest.wire}, but ` +
          (`this system's @os/rpc speaks wire version ${WIRE_VERSION}: install a release of it built for wire ` +
            `version ${WIRE_VERSION}`),
      );
    }
    const own = ownRpcWire(location.packageDirectory, this.#rpcFrom);
    if (own !== undefined && own.wire !== WIRE_VERSION) {
      throw new WireVersionMismatch(
        `package "${name}" brings its own @os/rpc (${own.directory}) speaking wire version ${String(own.wire)}, ` +
          `but this system speaks wire version ${WIRE_VERSION}: make @os/rpc a peer dependency of the package`,
      );
    }
    return { kind: 'module', location, manifest };
  }

  /**
   * The check before boot: binary `name` exists and looks like a component for a start entry with
   * `config`: it exports `construct` (read without evaluating it), or it is a libc program (its config
   * has `<libc>`, or its package says `"type": "libc"`). Throws naming the binary.
   */
  check(name: string, config?: XmlNode): LocatedBinary {
    const located = this.locate(name);
    if (located.kind === 'builtin') return located;
    const libc = located.manifest?.type === 'libc' || config?.hasSubNode('libc') === true;
    const described =
      located.location.packageDirectory === undefined
        ? `binary "${name}" (${located.location.file})`
        : `package "${name}" (${located.location.packageDirectory})`;
    if (libc) {
      if (this.unconfined(name))
        throw new NotAComponent(
          `${described} is a libc program, which runs only confined (the shim's fs, timers and process are given to ` +
            `a compartment): remove confined="no"`,
        );
      this.sources.get(pathToFileURL(located.location.file).href);
      return located;
    }
    if (this.unconfined(name)) return located;
    const found = exportsConstruct(located.location.file, this.sources, this.#root(located.location));
    if (found === false) {
      throw new NotAComponent(
        `${described} does not look like a component: its module does not export construct(env), and its start ` +
          `entry's <config> has no <libc> node (add <libc/> to run it as a plain Node program)`,
      );
    }
    return located;
  }

  /**
   * Where a module binary's own modules come from: its package, else the system's directory when the file is in it,
   * else the file's own directory.
   */
  #root(location: BinaryLocation): string {
    if (location.packageDirectory !== undefined) return location.packageDirectory;
    this.#systemDirectory ??= realpathSync(this.#options.directory);
    const system = this.#systemDirectory;
    const path = relative(system, location.file);
    return path === '..' || path.startsWith(`..${sep}`) || isAbsolute(path) ? dirname(location.file) : system;
  }

  /**
   * The `BinaryResolver` of the system: built-ins as they are, module binaries loaded per component (one component
   * module per binary, whose `construct` gives each component a compartment of its own).
   */
  readonly resolve: BinaryResolver = async (name) => {
    const located = this.locate(name);
    if (located.kind === 'builtin') return located.module;
    const confined = !this.unconfined(name);
    if (confined) requireHardenedRealm(`binary "${name}"`);
    const loaded = this.#loaded.get(name);
    if (loaded !== undefined) return loaded;
    const modules = confined
      ? await (this.#modules ??= systemModules(this.#options.modules))
      : new Map<string, object>();
    const imported =
      confined || located.manifest?.type === 'libc'
        ? undefined
        : ((await import(pathToFileURL(located.location.file).href)) as Record<string, unknown>);
    const module = moduleBinary({
      location: located.location,
      root: this.#root(located.location),
      ...(located.manifest === undefined ? {} : { manifest: located.manifest }),
      confined,
      sources: this.sources,
      modules,
      ...(imported === undefined ? {} : { imported }),
    });
    this.#loaded.set(name, module);
    return module;
  };
}

/**
 * The module files of `directory` by the names a config gives them (`app` for `app.mjs`); none when it cannot be read.
 */
function moduleFileNames(directory: string): string[] {
  try {
    return readdirSync(directory)
      .filter((file) => /\.m?js$/.test(file))
      .map((file) => file.replace(/\.m?js$/, ''));
  } catch {
    return [];
  }
}

import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describeEntryOutside, packageImport, splitPackageName } from './binary-location.js';
import { ConfinementError } from './errors.js';
import { isInside } from './package-folder.js';

/** A directory a component's modules come from, and the packages the modules there may import by name. */
export interface ModuleRoot {
  /** The package's (or the system's) directory, symlinks resolved. */
  readonly directory: string;
  /** The packages its package.json declares (dependencies, optional and peer dependencies). */
  readonly dependencies: ReadonlySet<string>;
  /**
   * For the modules of a self-contained package (a depot archive) and of the packages it brings: its folder, which
   * every package they import must be installed in (never the host's folders above it). Unset: Node's resolution.
   */
  readonly within?: string;
}

const DEPENDENCY_FIELDS = ['dependencies', 'optionalDependencies', 'peerDependencies'] as const;

function declaredDependencies(directory: string): ReadonlySet<string> {
  const file = join(directory, 'package.json');
  if (!existsSync(file)) return new Set();
  try {
    return dependenciesOf(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return new Set();
  }
}

/** The packages the parsed package.json `manifest` declares. */
function dependenciesOf(manifest: unknown): ReadonlySet<string> {
  const names = new Set<string>();
  if (typeof manifest !== 'object' || manifest === null) return names;
  for (const field of DEPENDENCY_FIELDS) {
    const declared = (manifest as Record<string, unknown>)[field];
    if (typeof declared === 'object' && declared !== null) for (const name of Object.keys(declared)) names.add(name);
  }
  return names;
}

/**
 * The root of the modules under `directory`: its real path and what its package.json declares. Read once per binary,
 * not per component, by a loader that starts the binary many times.
 */
export function readModuleRoot(directory: string): ModuleRoot {
  const real = realpathSync.native(directory);
  return { directory: real, dependencies: declaredDependencies(real) };
}

/**
 * The root of the modules of the package at `directory` (a real path) whose package.json reads `packageJson`; a
 * self-contained package (a depot archive) imports only packages installed in its folder.
 */
export function packageModuleRoot(
  directory: string,
  packageJson: Readonly<Record<string, unknown>>,
  selfContained = false,
): ModuleRoot {
  const dependencies = dependenciesOf(packageJson);
  return selfContained ? { directory, dependencies, within: directory } : { directory, dependencies };
}

/** Whether `specifier` is written relative to the importing module (`./x.js`, `../lib/y.mjs`, `.`, `..`). */
export function isRelativeSpecifier(specifier: string): boolean {
  return specifier === '.' || specifier === '..' || specifier.startsWith('./') || specifier.startsWith('../');
}

/**
 * Which modules one component may load into its compartment, besides the modules its system grants:
 * its own. A component's modules live under its root (its package's directory, or the system's
 * directory for a module file of the system); a module imports files of its own root by relative
 * specifiers, and packages its root's package.json declares by name (each such package is a root of
 * its own; those of a depot archive must be installed in its folder, and a package's entry must lie in the package's
 * folder). Absolute paths, `file:` and other URLs, relative paths that leave the root (also through a
 * symlink) and undeclared packages are refused with one `ConfinementError` that says nothing about the
 * host's files: whether the target exists is never told.
 */
export class ModuleScope {
  readonly #label: string;
  readonly #roots = new Map<string, ModuleRoot>();

  /** The scope of component `label` whose entry module is `entry` (a real path) under `root` (`readModuleRoot`). */
  constructor(label: string, entry: string, root: ModuleRoot) {
    this.#label = label;
    this.#roots.set(pathToFileURL(entry).href, root);
  }

  /**
   * The `file:` URL of the module `specifier` names, imported by the module at `referrer`; throws `ConfinementError`
   * when it is not the component's own.
   */
  resolve(specifier: string, referrer: string): string {
    const root = this.#roots.get(referrer);
    if (root === undefined) throw this.#refusal(specifier);
    if (isRelativeSpecifier(specifier)) return this.#relative(specifier, referrer, root);
    const bare = splitPackageName(specifier);
    if (bare === undefined || !root.dependencies.has(bare.packageName)) throw this.#refusal(specifier);
    let file: ReturnType<typeof packageImport>;
    try {
      file = packageImport(specifier, root.directory, root.within);
    } catch {
      throw new ConfinementError(
        `"${this.#label}" imports "${specifier}": its package declares "${bare.packageName}" as a dependency, but ` +
          `it is not installed with it (or does not export that path)`,
      );
    }
    if (typeof file !== 'string')
      throw new ConfinementError(
        `"${this.#label}" imports "${specifier}": package "${bare.packageName}": ${describeEntryOutside(file, false)}`,
      );
    const url = pathToFileURL(file).href;
    if (!this.#roots.has(url)) {
      const directory = realpathSync(packageDirectoryOf(file));
      const dependencies = declaredDependencies(directory);
      const within = root.within;
      this.#roots.set(url, within === undefined ? { directory, dependencies } : { directory, dependencies, within });
    }
    return url;
  }

  /** Whether `url` was resolved by this scope (so the module is the component's own). */
  has(url: string): boolean {
    return this.#roots.has(url);
  }

  #relative(specifier: string, referrer: string, root: ModuleRoot): string {
    const url = new URL(specifier === '.' || specifier === '..' ? `${specifier}/` : specifier, referrer);
    if (url.protocol !== 'file:' || url.search !== '' || url.hash !== '') throw this.#refusal(specifier);
    const file = fileURLToPath(url);
    if (!isInside(root.directory, file)) throw this.#refusal(specifier);
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      throw new ConfinementError(
        `"${this.#label}" imports "${specifier}" ` +
          (`from ${relative(root.directory, fileURLToPath(referrer)) || 'its entry'}: there is no such module ` +
            `in its package`),
      );
    }
    if (!isInside(root.directory, real)) throw this.#refusal(specifier);
    const resolved = pathToFileURL(real).href;
    this.#roots.set(resolved, root);
    return resolved;
  }

  #refusal(specifier: string): ConfinementError {
    const shown = specifier.length > 200 ? `${specifier.slice(0, 200)}...` : specifier;
    return new ConfinementError(
      `"${this.#label}" imports ${JSON.stringify(shown)}: a confined component imports only the @os packages its ` +
        (`system grants, its own modules by relative path inside its package, and the packages its package.json ` +
          `declares`),
    );
  }
}

/** The directory of the package that holds `file`: the nearest one up with a package.json. */
function packageDirectoryOf(file: string): string {
  for (let at = dirname(file); ; at = dirname(at)) {
    if (existsSync(join(at, 'package.json'))) return at;
    if (dirname(at) === at) return dirname(file);
  }
}

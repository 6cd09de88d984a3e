import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { exports as resolveExports } from 'resolve.exports';
import { BinaryNotFound } from './errors.js';

/** Extensions tried, in order, when a module file is named without one. */
export const MODULE_EXTENSIONS = ['', '.mjs', '.js'];

/** Where a binary name led: a module file, and the package it belongs to when it was named as one. */
export interface BinaryLocation {
  /** The binary name as written in the config. */
  readonly name: string;
  /** The module file (real path, symlinks resolved). */
  readonly file: string;
  /** The package's directory (real path), when the name was a package. */
  readonly packageDirectory?: string;
  /** The package's parsed package.json, when the name was a package. */
  readonly packageJson?: Readonly<Record<string, unknown>>;
}

/** Whether `name` is written as a path (`./app.mjs`, `../lib/app.js`, `/abs/app.mjs`, `dist/app.js`), not a package. */
export function isPathName(name: string): boolean {
  return name.startsWith('./') || name.startsWith('../') || isAbsolute(name) || /\.(mjs|cjs|js)$/.test(name);
}

/** The package name and subpath of a bare specifier: `@acme/blinker/extra` is `@acme/blinker` and `./extra`. */
export function splitPackageName(name: string): { readonly packageName: string; readonly subpath: string } | undefined {
  const parts = name.split('/');
  const scoped = name.startsWith('@');
  if (parts.length < (scoped ? 2 : 1) || parts.some((part, index) => part.length === 0 && index < (scoped ? 2 : 1)))
    return undefined;
  const packageName = parts.slice(0, scoped ? 2 : 1).join('/');
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(packageName)) return undefined;
  const rest = parts.slice(scoped ? 2 : 1);
  return { packageName, subpath: rest.length === 0 ? '.' : `./${rest.join('/')}` };
}

/** The module file `name` denotes relative to `directory`, trying `.mjs` and `.js`; `.mjs`/`.js` files only. */
export function moduleFile(directory: string, name: string): string | undefined {
  if (name.length === 0) return undefined;
  for (const extension of MODULE_EXTENSIONS) {
    const path = resolve(directory, name + extension);
    if (/\.(mjs|js)$/.test(path) && isFile(path)) return realpathSync.native(path);
  }
  return undefined;
}

/** Whether `path` is a file (after symlinks); `false` when it cannot be looked at. */
function isFile(path: string): boolean {
  try {
    return statSync(path, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/**
 * The directory of package `packageName` as Node finds it from `directory`: the nearest `node_modules` up the tree.
 * `known` holds what earlier walks for the same package found from the directories they passed: a walk stops at the
 * first one it holds, and adds its own (many packages side by side share every directory above their own).
 */
export function findPackageDirectory(
  directory: string,
  packageName: string,
  known?: Map<string, string | undefined>,
): string | undefined {
  const passed: string[] = [];
  let found: string | undefined;
  for (let at = resolve(directory); ; at = dirname(at)) {
    if (known?.has(at) === true) {
      found = known.get(at);
      break;
    }
    passed.push(at);
    const candidate = join(at, 'node_modules', packageName);
    if (existsSync(join(candidate, 'package.json'))) {
      found = realpathSync(candidate);
      break;
    }
    if (dirname(at) === at) break;
  }
  if (known !== undefined) for (const at of passed) known.set(at, found);
  return found;
}

/**
 * The package `packageName` by Node's self-reference: when the nearest package.json up from
 * `directory` is that package's and has an `exports` map, a package finds itself by its own name
 * (so a component package's tests boot it as `@acme/blinker` before it is installed anywhere).
 */
export function selfReferencedPackage(directory: string, packageName: string): string | undefined {
  for (let at = resolve(directory); ; at = dirname(at)) {
    if (existsSync(join(at, 'package.json'))) {
      const packageJson = readPackageJson(at);
      return packageJson.name === packageName && packageJson.exports !== undefined ? realpathSync(at) : undefined;
    }
    if (dirname(at) === at) return undefined;
  }
}

/**
 * The directory of package `packageName` as Node resolves it from `directory`: itself by self-reference, else the
 * nearest `node_modules` up the tree.
 */
function resolvePackageDirectory(directory: string, packageName: string): string | undefined {
  return selfReferencedPackage(directory, packageName) ?? findPackageDirectory(directory, packageName);
}

function readPackageJson(directory: string): Record<string, unknown> {
  const file = join(directory, 'package.json');
  try {
    const value: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    throw new BinaryNotFound(
      `${file} cannot be read as JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  throw new BinaryNotFound(`${file} does not hold a JSON object`);
}

/**
 * The entry file of a package for `subpath`, by its `exports` map (conditions `import`, `node`, `default`) or `main`.
 */
function packageEntry(name: string, directory: string, packageJson: Record<string, unknown>, subpath: string): string {
  let target: string | undefined;
  if (packageJson.exports !== undefined) {
    try {
      target = resolveExports(packageJson, subpath, { conditions: ['node', 'import'] })?.[0];
    } catch (error) {
      throw new BinaryNotFound(
        `binary "${name}": package ${directory} does not export ` +
          `"${subpath}": ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  } else if (subpath === '.') {
    target = typeof packageJson.main === 'string' ? packageJson.main : 'index.js';
  } else {
    target = subpath;
  }
  const file = target === undefined ? undefined : moduleFile(directory, target);
  if (file === undefined)
    throw new BinaryNotFound(
      `binary "${name}": package ${directory} names its entry "${target ?? subpath}", but there is no such .mjs or ` +
        `.js file`,
    );
  return file;
}

/** A depot binary archive's path: `<user>/bin/js/<name>/<version>`, each part a depot name (Genode's characters). */
const DEPOT_BINARY = /^([A-Za-z0-9_.-]+)\/bin\/js\/([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+)$/;

/** Whether `name` is written as a depot binary archive path, `<user>/bin/js/<name>/<version>`. */
export function isDepotBinaryName(name: string): boolean {
  const match = DEPOT_BINARY.exec(name);
  return match?.slice(1).every((part) => part !== '.' && part !== '..') === true;
}

/** The real path of the local depot `depot`, or `undefined` while it cannot be found (it is made on first use). */
export function depotRoot(depot: string): string | undefined {
  try {
    return realpathSync.native(depot);
  } catch {
    return undefined;
  }
}

/**
 * The component package a depot binary archive path names in the local depot whose real path is `root` (`depotRoot`;
 * Genode's `<user>/bin/<arch>/<name>/<version>`, the architecture being `js`): the extracted archive is a component
 * package folder whose package.json names its entry. The folder must be inside the depot after symlinks are resolved.
 */
export function locateDepotBinary(name: string, root: string): BinaryLocation {
  const folder = join(root, name);
  if (!existsSync(join(folder, 'package.json')))
    throw new BinaryNotFound(
      `binary "${name}": the depot ${root} holds no archive ${name} (no ${join(folder, 'package.json')}); ` +
        'deploy downloads it before it starts a component of it',
    );
  const real = realpathSync.native(folder);
  if (real !== folder && !real.startsWith(`${root}/`))
    throw new BinaryNotFound(`binary "${name}": ${folder} leads out of the depot ${root} (to ${real})`);
  const packageJson = readPackageJson(real);
  return { name, file: packageEntry(name, real, packageJson, '.'), packageDirectory: real, packageJson };
}

/**
 * Finds the module a binary name denotes, from the directory of the config that names it: a path
 * (`./app.mjs`) or a module file in that directory (`app` for `app.mjs`), else a package by Node's
 * resolution (`@acme/blinker`, `@acme/blinker/extra`; the enclosing package by its own name, then
 * `node_modules`) through its `exports` map.
 */
export function locateBinary(name: string, directory: string): BinaryLocation {
  const file = moduleFile(directory, name);
  if (file !== undefined) return { name, file };
  if (isPathName(name))
    throw new BinaryNotFound(
      `binary "${name}": there is no module file ${resolve(directory, name)} (nor with .mjs or .js)`,
    );
  const bare = splitPackageName(name);
  if (bare === undefined)
    throw new BinaryNotFound(`binary "${name}" is neither a module file in ${directory} nor a valid package name`);
  const packageDirectory = resolvePackageDirectory(directory, bare.packageName);
  if (packageDirectory === undefined) {
    throw new BinaryNotFound(
      `binary "${name}": no module file "${name}" in ${directory}, and no package "${bare.packageName}" is ` +
        `installed there (looked in node_modules from ${directory} up)`,
    );
  }
  const packageJson = readPackageJson(packageDirectory);
  return { name, file: packageEntry(name, packageDirectory, packageJson, bare.subpath), packageDirectory, packageJson };
}

/**
 * The file a bare import (`lodash-es`, `@acme/util/x`) in module code at `directory` loads, by Node's package
 * resolution.
 */
export function resolvePackageImport(specifier: string, directory: string): string {
  const bare = splitPackageName(specifier);
  if (bare === undefined) throw new BinaryNotFound(`import "${specifier}" is not a valid package name`);
  const packageDirectory = resolvePackageDirectory(directory, bare.packageName);
  if (packageDirectory === undefined)
    throw new BinaryNotFound(
      `import "${specifier}": package "${bare.packageName}" is not installed (looked in node_modules ` +
        `from ${directory} up)`,
    );
  return packageEntry(specifier, packageDirectory, readPackageJson(packageDirectory), bare.subpath);
}

import {
  closeSync,
  existsSync,
  constants as fsConstants,
  openSync,
  readFileSync,
  realpathSync,
  statSync,
} from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { exports as resolveExports } from 'resolve.exports';
import { BinaryNotFound } from './errors.js';
import { isInside } from './package-folder.js';

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
  /**
   * Whether the package brings all its code (a depot archive): the packages its modules import are looked for inside
   * its folder only, never in the host's folders above it.
   */
  readonly selfContained?: boolean;
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
 * The directory of package `packageName` as Node finds it from `directory`: the nearest `node_modules` up the tree,
 * but not above `within` when given. `known` holds what earlier walks for the same package found from the directories
 * they passed: a walk stops at the first one it holds, and adds its own (many packages side by side share every
 * directory above their own).
 */
export function findPackageDirectory(
  directory: string,
  packageName: string,
  known?: Map<string, string | undefined>,
  within?: string,
): string | undefined {
  const passed: string[] = [];
  let found: string | undefined;
  for (let at = resolve(directory); within === undefined || isInside(within, at); at = dirname(at)) {
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
 * nearest `node_modules` up the tree. With `within` (a self-contained package's folder), only a package whose real
 * folder lies inside it: one installed above, or through a symbolic link that leads out, is not found.
 */
function resolvePackageDirectory(directory: string, packageName: string, within?: string): string | undefined {
  const found =
    selfReferencedPackage(directory, packageName) ?? findPackageDirectory(directory, packageName, undefined, within);
  return within === undefined || found === undefined || isInside(within, found) ? found : undefined;
}

/** Opens a file for reading without following a symbolic link as its last part (`ELOOP` when it is one). */
const READ_NO_FOLLOW = fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0);

/**
 * The text of `file` in the folder `directory` (a real path, so only a symlink of the file's own can lead out): one
 * open that does not follow a symlink; a symlink is read only when it leads to a file inside the folder.
 */
function readInside(file: string, directory: string): string {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(file, READ_NO_FOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOOP') throw error;
  }
  if (descriptor !== undefined) {
    try {
      return readFileSync(descriptor, 'utf8');
    } finally {
      closeSync(descriptor);
    }
  }
  let real: string | undefined;
  try {
    real = realpathSync.native(file);
  } catch {
    // a symlink that leads nowhere
  }
  if (real === undefined || !isInside(directory, real))
    throw new BinaryNotFound(`${file} leaves the package's folder ${directory} through a symbolic link`);
  return readFileSync(real, 'utf8');
}

/** The parsed package.json of the package at `directory` (a real path), which must be a file inside it. */
function readPackageJson(directory: string): Record<string, unknown> {
  const file = join(directory, 'package.json');
  let text: string;
  try {
    text = readInside(file, directory);
  } catch (error) {
    if (error instanceof BinaryNotFound) throw error;
    throw new BinaryNotFound(`${file} cannot be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch (error) {
    throw new BinaryNotFound(
      `${file} cannot be read as JSON: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  throw new BinaryNotFound(`${file} does not hold a JSON object`);
}

/**
 * A package entry refused for leaving the package's folder, as its package.json (or the subpath asked for) names it:
 * words that name no host path, so a refusal told to a confined component says nothing of the host's files.
 */
export interface EntryOutside {
  /** What named the entry: `package.json "exports" target "../x.mjs"`, its default entry, or the subpath. */
  readonly named: string;
  /** Whether it leaves only after symbolic links are followed. */
  readonly throughLink: boolean;
  /** The package's folder (a real path): for the host's messages, never for a component's. */
  readonly folder: string;
}

/**
 * `outside` in words, after the subject: `package.json "main" target "../x.mjs" leaves the package's folder`, and the
 * folder when `showFolder`.
 */
export function describeEntryOutside(outside: EntryOutside, showFolder: boolean): string {
  return (
    `${outside.named} leaves the package's folder${showFolder ? ` ${outside.folder}` : ''}` +
    (outside.throughLink ? ' through a symbolic link' : '')
  );
}

/**
 * The module file entry `target` of the package in `directory` (a real path) names, trying `.mjs` and `.js` as
 * `moduleFile` does; `undefined` when there is none. A candidate path that lies outside the folder is refused before
 * anything is looked at there (so the refusal is the same whether the file exists), and a file whose real path lies
 * outside (through a symbolic link in the package) is refused too.
 */
function entryFile(directory: string, target: string): string | { readonly throughLink: boolean } | undefined {
  if (target.length === 0) return undefined;
  for (const extension of MODULE_EXTENSIONS) {
    const path = resolve(directory, target + extension);
    if (!isInside(directory, path)) return { throughLink: false };
    if (!/\.(mjs|js)$/.test(path) || !isFile(path)) continue;
    const real = realpathSync.native(path);
    return isInside(directory, real) ? real : { throughLink: true };
  }
  return undefined;
}

/**
 * The entry file of a package for `subpath`, by its `exports` map (conditions `import`, `node`, `default`) or `main`
 * (else `index.js`); a package without `exports` gives any subpath as a file of its. An entry that leaves the package's
 * folder, before or after symbolic links, is returned as `EntryOutside` and never looked at (Node refuses such an
 * `exports` target too). `subject` starts the messages: `binary "acme/bin/js/x/1"`, `import "lodash-es"`.
 */
function packageEntry(
  subject: string,
  directory: string,
  packageJson: Record<string, unknown>,
  subpath: string,
): string | EntryOutside {
  let target: string | undefined;
  let named: string;
  if (packageJson.exports !== undefined) {
    try {
      target = resolveExports(packageJson, subpath, { conditions: ['node', 'import'] })?.[0];
    } catch (error) {
      throw new BinaryNotFound(
        `${subject}: package ${directory} does not export ` +
          `"${subpath}": ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    named = `package.json "exports" target "${target}"`;
  } else if (subpath !== '.') {
    target = subpath;
    named = `the subpath "${subpath}" (package.json has no "exports")`;
  } else if (typeof packageJson.main === 'string') {
    target = packageJson.main;
    named = `package.json "main" target "${target}"`;
  } else {
    target = 'index.js';
    named = 'its default entry "index.js" (package.json has no "exports" or "main")';
  }
  const file = target === undefined ? undefined : entryFile(directory, target);
  if (file === undefined)
    throw new BinaryNotFound(
      `${subject}: package ${directory} names its entry "${target ?? subpath}", but there is no such .mjs or .js file`,
    );
  return typeof file === 'string' ? file : { named, throughLink: file.throughLink, folder: directory };
}

/** The entry file `entry`, or its refusal for leaving the package's folder: a `BinaryNotFound` naming the folder. */
function insideOrRefused(subject: string, entry: string | EntryOutside): string {
  if (typeof entry !== 'string') throw new BinaryNotFound(`${subject}: ${describeEntryOutside(entry, true)}`);
  return entry;
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
 * package folder whose package.json names its entry. The folder must be inside the depot after symlinks are resolved,
 * and its entry inside the folder; it brings all its code (`selfContained`).
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
  const subject = `binary "${name}"`;
  const file = insideOrRefused(subject, packageEntry(subject, real, packageJson, '.'));
  return { name, file, packageDirectory: real, packageJson, selfContained: true };
}

/**
 * Finds the module a binary name denotes, from the directory of the config that names it: a path
 * (`./app.mjs`) or a module file in that directory (`app` for `app.mjs`), else a package by Node's
 * resolution (`@acme/blinker`, `@acme/blinker/extra`; the enclosing package by its own name, then
 * `node_modules`) through its `exports` map.
 */
export function locateBinary(name: string, directory: string): BinaryLocation {
  const moduleFileNamed = moduleFile(directory, name);
  if (moduleFileNamed !== undefined) return { name, file: moduleFileNamed };
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
  const subject = `binary "${name}"`;
  const file = insideOrRefused(subject, packageEntry(subject, packageDirectory, packageJson, bare.subpath));
  return { name, file, packageDirectory, packageJson };
}

/**
 * The file a bare import (`lodash-es`, `@acme/util/x`) in module code at `directory` loads, by Node's package
 * resolution, or how the package's entry leaves its folder. With `within` (a self-contained package's folder), the
 * package must be installed inside it.
 */
export function packageImport(specifier: string, directory: string, within?: string): string | EntryOutside {
  const subject = `import "${specifier}"`;
  const bare = splitPackageName(specifier);
  if (bare === undefined) throw new BinaryNotFound(`${subject} is not a valid package name`);
  const packageDirectory = resolvePackageDirectory(directory, bare.packageName, within);
  if (packageDirectory === undefined)
    throw new BinaryNotFound(
      `${subject}: package "${bare.packageName}" is not installed (looked in node_modules from ${directory} up` +
        `${within === undefined ? '' : ` to ${within}`})`,
    );
  return packageEntry(subject, packageDirectory, readPackageJson(packageDirectory), bare.subpath);
}

/**
 * The file a bare import (`lodash-es`, `@acme/util/x`) in module code at `directory` loads, by Node's package
 * resolution; a package whose entry for it leaves the package's folder is a `BinaryNotFound`. With `within` (a
 * self-contained package's folder), the package must be installed inside it.
 */
export function resolvePackageImport(specifier: string, directory: string, within?: string): string {
  return insideOrRefused(`import "${specifier}"`, packageImport(specifier, directory, within));
}

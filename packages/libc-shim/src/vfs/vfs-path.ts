import { VfsArgumentTypeError, VfsArgumentValueError } from './argument-errors.js';

/**
 * A path as the VFS walks it: the caller's text (for messages, as Node shows it) and the
 * components it names, `.`, `..` and duplicate slashes resolved lexically against the cwd.
 */
export interface VfsPath {
  /** The path as the caller wrote it. */
  readonly given: string;
  /** The names from the root to the path's last component; empty for the root. */
  readonly components: readonly string[];
  /** Whether the caller's text ends in `/`, `/.` or `/..`, so it can only name a directory. */
  readonly mustBeDirectory: boolean;
}

/**
 * `value` as a path string; throws Node's `ERR_INVALID_ARG_TYPE` for anything else (the VFS takes
 * no URLs or Buffers: it runs where neither exists) and `ERR_INVALID_ARG_VALUE` for a NUL byte.
 */
export function checkPathArgument(value: unknown, name = 'path'): string {
  if (typeof value !== 'string') throw new VfsArgumentTypeError(name, 'of type string', value);
  if (value.includes('\0')) throw new VfsArgumentValueError(name, 'must be a string without null bytes', value);
  return value;
}

/** `given` resolved against the directory `cwd` (its components). */
export function resolvePath(given: string, cwd: readonly string[]): VfsPath {
  const segments = given.split('/');
  const components = given.startsWith('/') ? [] : [...cwd];
  for (const segment of segments) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') components.pop();
    else components.push(segment);
  }
  const last = segments[segments.length - 1];
  const mustBeDirectory = segments.length > 1 && (last === '' || last === '.' || last === '..');
  return { given, components, mustBeDirectory };
}

/** The absolute text of `components`: `/a/b`, or `/` for the root. */
export function pathText(components: readonly string[]): string {
  return `/${components.join('/')}`;
}

import { InvalidName, NameTooLong } from './file-system-errors.js';

/** The longest name of one node, in UTF-8 bytes (Genode's `MAX_NAME_LEN`, Linux's `NAME_MAX`). */
export const MAX_NAME_LEN = 255;

/**
 * The longest session path, in UTF-8 bytes. Genode's is 1024; here it is 512 so that a path and a name fit one
 * message on every kernel (seL4's IPC buffer carries 920 bytes).
 */
export const MAX_PATH_LEN = 512;

const encoder = new TextEncoder();

/** Checks one node name: not empty, not `.` or `..`, no `/` or NUL, at most {@link MAX_NAME_LEN} bytes. */
export function checkName(name: string, where: string): void {
  if (name === '' || name === '.' || name === '..')
    throw new InvalidName(`${where}: the name "${name}" names no node of its own; use a plain name`);
  if (name.includes('/')) throw new InvalidName(`${where}: the name "${name}" holds a "/"; a name is one path element`);
  if (name.includes('\0')) throw new InvalidName(`${where}: the name holds a NUL byte, which no host name may hold`);
  const length = encoder.encode(name).length;
  if (length > MAX_NAME_LEN)
    throw new NameTooLong(`${where}: a name of ${length} bytes is longer than ${MAX_NAME_LEN}; shorten it`);
}

/**
 * The elements of a session path: absolute (`/depot/x`, `/` for the session's root), at most {@link MAX_PATH_LEN}
 * bytes, one trailing `/` allowed; each element a valid name ({@link checkName}). Throws `InvalidName` or
 * `NameTooLong` naming the path.
 */
export function pathElements(path: string): string[] {
  const where = `path "${printablePath(path)}"`;
  if (!path.startsWith('/'))
    throw new InvalidName(`${where} is not absolute; session paths start at the session's root, "/"`);
  const length = encoder.encode(path).length;
  if (length > MAX_PATH_LEN)
    throw new NameTooLong(`${where}: a path of ${length} bytes is longer than ${MAX_PATH_LEN}; shorten it`);
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(1, -1) : path.slice(1);
  if (trimmed === '') return [];
  const elements = trimmed.split('/');
  for (const element of elements) checkName(element, where);
  return elements;
}

/** The session path of `elements`: `/` joined. */
export function joinElements(elements: readonly string[]): string {
  return `/${elements.join('/')}`;
}

/** A path as it may be printed in a message: NUL bytes and other control characters written out. */
export function printablePath(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this writes out
  return path.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

import { InvalidName, NameTooLong } from './file-system-errors.js';

/** The longest name of one node, in UTF-8 bytes (Genode's `MAX_NAME_LEN`, Linux's `NAME_MAX`). */
export const MAX_NAME_LEN = 255;

/**
 * The longest session path, in UTF-8 bytes. Genode's is 1024; here it is 512 so that a path and a name fit one
 * message on every kernel (seL4's IPC buffer carries 920 bytes).
 */
export const MAX_PATH_LEN = 512;

/** UTF-8 bytes of `text` (a lone surrogate counts 3, as `TextEncoder` writes U+FFFD for it), without encoding it. */
function utf8Length(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const unit = text.charCodeAt(index);
    if (unit < 0x80) continue;
    if (unit < 0x800) bytes += 1;
    else if (unit >= 0xd800 && unit < 0xdc00 && (text.charCodeAt(index + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a pair: two units, four bytes
      index++;
    } else bytes += 2;
  }
  return bytes;
}

/** Whether `text` is longer than `limit` UTF-8 bytes; counted only where its UTF-16 units (3 bytes at most) may be. */
function longerThan(text: string, limit: number): boolean {
  return text.length * 3 > limit && utf8Length(text) > limit;
}

/** Whether path element `name` (no `/` in it) passes {@link checkName} for sure, in a few comparisons. */
function isPlainElement(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && name.length * 3 <= MAX_NAME_LEN && !name.includes('\0');
}

/** Checks one node name: not empty, not `.` or `..`, no `/` or NUL, at most {@link MAX_NAME_LEN} bytes. */
export function checkName(name: string, where: string): void {
  if (name === '' || name === '.' || name === '..')
    throw new InvalidName(`${where}: the name "${name}" names no node of its own; use a plain name`);
  if (name.includes('/')) throw new InvalidName(`${where}: the name "${name}" holds a "/"; a name is one path element`);
  if (name.includes('\0')) throw new InvalidName(`${where}: the name holds a NUL byte, which no host name may hold`);
  if (longerThan(name, MAX_NAME_LEN))
    throw new NameTooLong(`${where}: a name of ${utf8Length(name)} bytes is longer than ${MAX_NAME_LEN}; shorten it`);
}

/**
 * The elements of a session path: absolute (`/depot/x`, `/` for the session's root), at most {@link MAX_PATH_LEN}
 * bytes, one trailing `/` allowed; each element a valid name ({@link checkName}). Throws `InvalidName` or
 * `NameTooLong` naming the path.
 */
export function pathElements(path: string): string[] {
  if (!path.startsWith('/'))
    throw new InvalidName(
      `path "${printablePath(path)}" is not absolute; session paths start at the session's root, "/"`,
    );
  if (longerThan(path, MAX_PATH_LEN))
    throw new NameTooLong(
      `path "${printablePath(path)}": a path of ${utf8Length(path)} bytes is longer than ${MAX_PATH_LEN}; shorten it`,
    );
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(1, -1) : path.slice(1);
  if (trimmed === '') return [];
  const elements = trimmed.split('/');
  // the message's text is made only for a name that fails
  for (const element of elements) if (!isPlainElement(element)) checkName(element, `path "${printablePath(path)}"`);
  return elements;
}

/** The session path of `elements`: `/` joined. */
export function joinElements(elements: readonly string[]): string {
  return `/${elements.join('/')}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this finds
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A path as it may be printed in a message: NUL bytes and other control characters written out. */
export function printablePath(path: string): string {
  // most paths hold none: one scan, no copy
  if (!CONTROL.test(path)) return path;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this writes out
  return path.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

import { VfsArgumentRangeError, VfsArgumentTypeError } from './argument-errors.js';
import type { VfsEntry } from './vfs-tree.js';

/** The first descriptor handed out: 0 to 2 are the standard streams, which the VFS does not own. */
const FIRST_FD = 3;
const MAX_FD = 2 ** 31 - 1;

/** An open file or directory behind a descriptor. */
export interface OpenFile {
  /** What was opened (a file keeps being reachable here after it is unlinked). */
  readonly target: VfsEntry;
  readonly readable: boolean;
  readonly writable: boolean;
  /** Whether every write goes to the end, whatever position it names (as Linux does for `O_APPEND`). */
  readonly append: boolean;
  /** Where the next read or write without a position starts. */
  position: number;
}

/** The VFS's file descriptors: small numbers, the lowest free one first, as POSIX hands them out. */
export class FdTable {
  readonly #open = new Map<number, OpenFile>();

  /** A descriptor for `file`. */
  add(file: OpenFile): number {
    let fd = FIRST_FD;
    while (this.#open.has(fd)) fd++;
    this.#open.set(fd, file);
    return fd;
  }

  /** The open file behind `fd`, if any. */
  get(fd: number): OpenFile | undefined {
    return this.#open.get(fd);
  }

  /** Forgets `fd`; returns what it had open, if anything. */
  remove(fd: number): OpenFile | undefined {
    const file = this.#open.get(fd);
    this.#open.delete(fd);
    return file;
  }
}

/** `value` as a descriptor number; throws Node's argument errors for a non-integer or one out of range. */
export function checkFd(value: unknown): number {
  if (typeof value !== 'number') throw new VfsArgumentTypeError('fd', 'of type number', value);
  if (!Number.isInteger(value)) throw new VfsArgumentRangeError('fd', 'an integer', value);
  if (value < 0 || value > MAX_FD) throw new VfsArgumentRangeError('fd', `>= 0 && <= ${MAX_FD}`, value);
  return value;
}

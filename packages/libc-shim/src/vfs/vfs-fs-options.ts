import type { VfsEncoding } from './vfs-data.js';
import type { VfsError } from './vfs-error.js';

/**
 * How a file is opened: Node's flag strings (`'r'`, `'r+'`, `'w'`, `'w+'`, `'a'`, `'a+'`, `'wx'`, ...) or `O_*` bits of
 * `constants`.
 */
export type VfsOpenFlag = string | number;

/** Options of `readFile`: with an `encoding` the content comes as text, without as a `Uint8Array`. */
export interface VfsReadFileOptions {
  /** `'utf8'` (or `'utf-8'`) to get the content as text; without, it comes as bytes. */
  readonly encoding?: VfsEncoding | null | undefined;
  /** How to open the file; `'r'` when absent. */
  readonly flag?: VfsOpenFlag | undefined;
}

/** Options of `writeFile` and `appendFile`. */
export interface VfsWriteFileOptions {
  /** How a string is encoded; UTF-8 is the one encoding there is. */
  readonly encoding?: VfsEncoding | null | undefined;
  /** How to open the file; `'w'` for `writeFile`, `'a'` for `appendFile` when absent. */
  readonly flag?: VfsOpenFlag | undefined;
  /** Accepted for Node compatibility; `<ram/>` files are always `rw-r--r--`. */
  readonly mode?: number | undefined;
}

/** Options of `readdir`. */
export interface VfsReaddirOptions {
  /** Names are strings; the option is accepted for Node compatibility. */
  readonly encoding?: VfsEncoding | null | undefined;
  /** Whether to list {@link VfsDirent}s instead of names. */
  readonly withFileTypes?: boolean | undefined;
}

/** Options of `mkdir`. */
export interface VfsMkdirOptions {
  /** Whether to create missing parents too and accept an existing directory. */
  readonly recursive?: boolean | undefined;
  /** Accepted for Node compatibility; directories are always `rwxr-xr-x`. */
  readonly mode?: number | undefined;
}

/** Options of `statSync` and `lstatSync`. */
export interface VfsStatOptions {
  /** When false, a missing entry yields `undefined` instead of an `ENOENT` error. */
  readonly throwIfNoEntry?: boolean | undefined;
}

/** Where `readSync` puts what it reads, as an options object. */
export interface VfsReadOptions {
  /** Where in the buffer to start; 0 when absent. */
  readonly offset?: number | undefined;
  /** How many bytes at most; the rest of the buffer when absent. */
  readonly length?: number | undefined;
  /** Where in the file to read; the descriptor's position (which then advances) when absent or `null`. */
  readonly position?: number | null | undefined;
}

/**
 * Node's error-first callback, called asynchronously (in a microtask). The error is a
 * {@link VfsError}, except that a backend's own failure (a `RamStore` error other than
 * `RamExhausted`) passes through as thrown.
 */
export type VfsCallback<T> = (error: VfsError | null, value: T) => void;

/** The callback of an operation that yields nothing. */
export type VfsDoneCallback = (error: VfsError | null) => void;

/** The callback of `read` and `write`: the byte count and the buffer (or string) passed in. */
export type VfsIoCallback<B> = (error: VfsError | null, bytes: number, buffer: B) => void;

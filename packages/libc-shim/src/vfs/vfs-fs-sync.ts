import type { VfsData, VfsEncoding } from './vfs-data.js';
import type { VfsDirent } from './vfs-dirent.js';
import type {
  VfsMkdirOptions,
  VfsOpenFlag,
  VfsReadFileOptions,
  VfsReaddirOptions,
  VfsReadOptions,
  VfsStatOptions,
  VfsWriteFileOptions,
} from './vfs-fs-options.js';
import type { VfsStats } from './vfs-stats.js';

/**
 * The synchronous half of Node's `fs` over a {@link Vfs}: same names, arguments and errors
 * ({@link VfsError}), so a module written for Node runs on it. Every function works detached
 * (`const { readFileSync } = vfs.fs`).
 *
 * @remarks
 * Paths are strings (absolute, or relative to the VFS's cwd); a URL or Buffer is a `TypeError`
 * with Node's `ERR_INVALID_ARG_TYPE`. Contents come as `Uint8Array`, not Node's `Buffer`, which the
 * VFS's confined compartment does not have; with an encoding they come as text.
 */
export interface VfsFsSync {
  /** The whole content of a file, decoded as UTF-8 text. */
  readFileSync(path: string, options: VfsEncoding | (VfsReadFileOptions & { readonly encoding: VfsEncoding })): string;
  /**
   * The whole content of a file as a fresh `Uint8Array` (not a Buffer). A character device is read up to its end or 64
   * KiB.
   */
  readFileSync(
    path: string,
    options?: (VfsReadFileOptions & { readonly encoding?: null | undefined }) | null,
  ): Uint8Array;
  /** The whole content of a file: text with an encoding, else a fresh `Uint8Array`. */
  readFileSync(path: string, options?: VfsEncoding | VfsReadFileOptions | null): string | Uint8Array;
  /** Replaces a file's content (creating the file in a `<ram/>`); all or nothing, `ENOSPC` when RAM runs out. */
  writeFileSync(path: string, data: VfsData, options?: VfsEncoding | VfsWriteFileOptions | null): void;
  /** Appends to a file (creating it in a `<ram/>`); all or nothing, `ENOSPC` when RAM runs out. */
  appendFileSync(path: string, data: VfsData, options?: VfsEncoding | VfsWriteFileOptions | null): void;
  /**
   * The entries of a directory as {@link VfsDirent}s: the config's entries in config order, then the `<ram/>`'s in
   * creation order.
   */
  readdirSync(path: string, options: VfsReaddirOptions & { readonly withFileTypes: true }): VfsDirent[];
  /** The names in a directory: the config's entries in config order, then the `<ram/>`'s in creation order. */
  readdirSync(
    path: string,
    options?: VfsEncoding | (VfsReaddirOptions & { readonly withFileTypes?: false | undefined }) | null,
  ): string[];
  /** The names in a directory, or with `withFileTypes` its {@link VfsDirent}s. */
  readdirSync(path: string, options?: VfsEncoding | VfsReaddirOptions | null): string[] | VfsDirent[];
  /** The status of a file or directory, or `undefined` when there is none. */
  statSync(path: string, options: VfsStatOptions & { readonly throwIfNoEntry: false }): VfsStats | undefined;
  /** The status of a file or directory; `ENOENT` when there is none. */
  statSync(path: string, options?: VfsStatOptions & { readonly throwIfNoEntry?: true | undefined }): VfsStats;
  /** The status of a file or directory; with `throwIfNoEntry: false`, `undefined` when there is none. */
  statSync(path: string, options?: VfsStatOptions): VfsStats | undefined;
  /** `statSync` with `throwIfNoEntry: false` (the VFS has no symbolic links to stop at). */
  lstatSync(path: string, options: VfsStatOptions & { readonly throwIfNoEntry: false }): VfsStats | undefined;
  /** `statSync` (the VFS has no symbolic links to stop at). */
  lstatSync(path: string, options?: VfsStatOptions & { readonly throwIfNoEntry?: true | undefined }): VfsStats;
  /** `statSync` (the VFS has no symbolic links to stop at). */
  lstatSync(path: string, options?: VfsStatOptions): VfsStats | undefined;
  /** Whether the path names something; never throws, as in Node. */
  existsSync(path: unknown): boolean;
  /**
   * Checks that the path exists and allows `mode` (`constants.R_OK` etc.; `F_OK` when absent): `EACCES` or `EROFS`
   * otherwise.
   */
  accessSync(path: string, mode?: number): void;
  /**
   * Creates a directory in a `<ram/>` and its missing parents; returns the first one it created, `undefined` when all
   * existed.
   */
  mkdirSync(path: string, options: VfsMkdirOptions & { readonly recursive: true }): string | undefined;
  /** Creates a directory in a `<ram/>` (`EROFS` elsewhere, `EEXIST` when the name is taken). */
  mkdirSync(
    path: string,
    options?: number | (VfsMkdirOptions & { readonly recursive?: false | undefined }) | null,
  ): undefined;
  /** Creates a directory in a `<ram/>`; `recursive` also its parents, returning the first one it created. */
  mkdirSync(path: string, options?: number | VfsMkdirOptions | null): string | undefined;
  /** Removes a `<ram/>` file; its RAM comes back (after its last descriptor closes). */
  unlinkSync(path: string): void;
  /** Removes an empty `<ram/>` directory. */
  rmdirSync(path: string): void;
  /**
   * Moves a file or directory within one `<ram/>` (`EXDEV` across), replacing a file or empty directory at `newPath`.
   */
  renameSync(oldPath: string, newPath: string): void;
  /**
   * Opens a file (`'r'` when no flags) or, read-only, a directory; returns a descriptor. `mode` is accepted and
   * ignored.
   */
  openSync(path: string, flags?: VfsOpenFlag, mode?: number): number;
  /**
   * Reads into `buffer` from `offset`, at most `length` bytes from file `position` (`null`: the descriptor's position,
   * which advances); returns the count.
   */
  readSync(fd: number, buffer: ArrayBufferView, offset?: number, length?: number, position?: number | null): number;
  /** Reads into `buffer` where `options` say; returns the count. */
  readSync(fd: number, buffer: ArrayBufferView, options?: VfsReadOptions): number;
  /**
   * Writes `length` bytes of `buffer` from `offset` at file `position` (`null`: the descriptor's position, which
   * advances); returns the count.
   */
  writeSync(
    fd: number,
    buffer: ArrayBufferView,
    offset?: number | null,
    length?: number | null,
    position?: number | null,
  ): number;
  /**
   * Writes `text` as UTF-8 at file `position` (`null`: the descriptor's position, which advances); returns the byte
   * count.
   */
  writeSync(fd: number, text: string, position?: number | null, encoding?: VfsEncoding | null): number;
  /** The status of what a descriptor has open. */
  fstatSync(fd: number): VfsStats;
  /** Closes a descriptor. */
  closeSync(fd: number): void;
}

import type { VfsData, VfsEncoding } from './vfs-data.js';
import type { VfsDirent } from './vfs-dirent.js';
import type { VfsMkdirOptions, VfsReadFileOptions, VfsReaddirOptions, VfsWriteFileOptions } from './vfs-fs-options.js';
import type { VfsStats } from './vfs-stats.js';

/**
 * Node's `fs/promises` over a {@link Vfs}, for the operations on paths: each does what its
 * `...Sync` sibling in {@link VfsFsSync} does and settles afterwards; any error, an argument error
 * too, rejects (as Node's do).
 */
export interface VfsFsPromises {
  /** `readFileSync(path, options)` with an encoding: the content as text. */
  readFile(
    path: string,
    options: VfsEncoding | (VfsReadFileOptions & { readonly encoding: VfsEncoding }),
  ): Promise<string>;
  /** `readFileSync(path, options)` without an encoding: the content as a `Uint8Array`. */
  readFile(
    path: string,
    options?: (VfsReadFileOptions & { readonly encoding?: null | undefined }) | null,
  ): Promise<Uint8Array>;
  /** `readFileSync(path, options)`: text or bytes. */
  readFile(path: string, options?: VfsEncoding | VfsReadFileOptions | null): Promise<string | Uint8Array>;
  /** `writeFileSync`, as a promise. */
  writeFile(path: string, data: VfsData, options?: VfsEncoding | VfsWriteFileOptions | null): Promise<void>;
  /** `appendFileSync`, as a promise. */
  appendFile(path: string, data: VfsData, options?: VfsEncoding | VfsWriteFileOptions | null): Promise<void>;
  /** `readdirSync(path, { withFileTypes: true })`: the {@link VfsDirent}s. */
  readdir(path: string, options: VfsReaddirOptions & { readonly withFileTypes: true }): Promise<VfsDirent[]>;
  /** `readdirSync(path, options)`: the names. */
  readdir(
    path: string,
    options?: VfsEncoding | (VfsReaddirOptions & { readonly withFileTypes?: false | undefined }) | null,
  ): Promise<string[]>;
  /** `readdirSync(path, options)`: names or {@link VfsDirent}s. */
  readdir(path: string, options?: VfsEncoding | VfsReaddirOptions | null): Promise<string[] | VfsDirent[]>;
  /** `statSync`, as a promise. */
  stat(path: string): Promise<VfsStats>;
  /** `lstatSync`, as a promise. */
  lstat(path: string): Promise<VfsStats>;
  /** `mkdirSync(path, { recursive: true })`: the first directory created, if any. */
  mkdir(path: string, options: VfsMkdirOptions & { readonly recursive: true }): Promise<string | undefined>;
  /** `mkdirSync(path, options)`, as a promise. */
  mkdir(
    path: string,
    options?: number | (VfsMkdirOptions & { readonly recursive?: false | undefined }) | null,
  ): Promise<undefined>;
  /** `mkdirSync(path, options)`: with `recursive`, the first directory created. */
  mkdir(path: string, options?: number | VfsMkdirOptions | null): Promise<string | undefined>;
  /** `unlinkSync`, as a promise. */
  unlink(path: string): Promise<void>;
  /** `rmdirSync`, as a promise. */
  rmdir(path: string): Promise<void>;
  /** `renameSync`, as a promise. */
  rename(oldPath: string, newPath: string): Promise<void>;
  /** `accessSync`, as a promise. */
  access(path: string, mode?: number): Promise<void>;
}

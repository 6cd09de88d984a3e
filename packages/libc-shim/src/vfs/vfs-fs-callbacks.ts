import type { VfsData, VfsEncoding } from './vfs-data.js';
import type { VfsDirent } from './vfs-dirent.js';
import type {
  VfsCallback,
  VfsDoneCallback,
  VfsIoCallback,
  VfsMkdirOptions,
  VfsOpenFlag,
  VfsReadFileOptions,
  VfsReaddirOptions,
  VfsReadOptions,
  VfsWriteFileOptions,
} from './vfs-fs-options.js';
import type { VfsStats } from './vfs-stats.js';

/**
 * The callback half of Node's `fs` over a {@link Vfs}: each function does what its `...Sync`
 * sibling in {@link VfsFsSync} does and calls back error-first in a microtask, never before it
 * returns. Arguments of the wrong type throw at once, as in Node.
 */
export interface VfsFsCallbacks {
  /** `readFileSync(path)`, called back with a `Uint8Array`. */
  readFile(path: string, callback: VfsCallback<Uint8Array>): void;
  /** `readFileSync(path, options)` with an encoding, called back with text. */
  readFile(
    path: string,
    options: VfsEncoding | (VfsReadFileOptions & { readonly encoding: VfsEncoding }),
    callback: VfsCallback<string>,
  ): void;
  /** `readFileSync(path, options)` without an encoding, called back with a `Uint8Array`. */
  readFile(
    path: string,
    options: (VfsReadFileOptions & { readonly encoding?: null | undefined }) | null | undefined,
    callback: VfsCallback<Uint8Array>,
  ): void;
  /** `readFileSync(path, options)`, called back with text or bytes. */
  readFile(
    path: string,
    options: VfsEncoding | VfsReadFileOptions | null | undefined,
    callback: VfsCallback<string | Uint8Array>,
  ): void;
  /** `writeFileSync(path, data)`, called back. */
  writeFile(path: string, data: VfsData, callback: VfsDoneCallback): void;
  /** `writeFileSync(path, data, options)`, called back. */
  writeFile(
    path: string,
    data: VfsData,
    options: VfsEncoding | VfsWriteFileOptions | null | undefined,
    callback: VfsDoneCallback,
  ): void;
  /** `appendFileSync(path, data)`, called back. */
  appendFile(path: string, data: VfsData, callback: VfsDoneCallback): void;
  /** `appendFileSync(path, data, options)`, called back. */
  appendFile(
    path: string,
    data: VfsData,
    options: VfsEncoding | VfsWriteFileOptions | null | undefined,
    callback: VfsDoneCallback,
  ): void;
  /** `readdirSync(path)`, called back with the names. */
  readdir(path: string, callback: VfsCallback<string[]>): void;
  /** `readdirSync(path, { withFileTypes: true })`, called back with the {@link VfsDirent}s. */
  readdir(
    path: string,
    options: VfsReaddirOptions & { readonly withFileTypes: true },
    callback: VfsCallback<VfsDirent[]>,
  ): void;
  /** `readdirSync(path, options)`, called back with the names. */
  readdir(
    path: string,
    options: VfsEncoding | (VfsReaddirOptions & { readonly withFileTypes?: false | undefined }) | null | undefined,
    callback: VfsCallback<string[]>,
  ): void;
  /** `statSync(path)`, called back. */
  stat(path: string, callback: VfsCallback<VfsStats>): void;
  /** `statSync(path)`, called back; `options` (Node's `bigint`) are ignored. */
  stat(path: string, options: object | undefined, callback: VfsCallback<VfsStats>): void;
  /** `lstatSync(path)`, called back. */
  lstat(path: string, callback: VfsCallback<VfsStats>): void;
  /** `lstatSync(path)`, called back; `options` (Node's `bigint`) are ignored. */
  lstat(path: string, options: object | undefined, callback: VfsCallback<VfsStats>): void;
  /** `accessSync(path)`, called back. */
  access(path: string, callback: VfsDoneCallback): void;
  /** `accessSync(path, mode)`, called back. */
  access(path: string, mode: number | undefined, callback: VfsDoneCallback): void;
  /** `mkdirSync(path)`, called back. */
  mkdir(path: string, callback: VfsCallback<string | undefined>): void;
  /** `mkdirSync(path, options)`, called back with the first directory created when `recursive`. */
  mkdir(
    path: string,
    options: number | VfsMkdirOptions | null | undefined,
    callback: VfsCallback<string | undefined>,
  ): void;
  /** `unlinkSync(path)`, called back. */
  unlink(path: string, callback: VfsDoneCallback): void;
  /** `rmdirSync(path)`, called back. */
  rmdir(path: string, callback: VfsDoneCallback): void;
  /** `renameSync(oldPath, newPath)`, called back. */
  rename(oldPath: string, newPath: string, callback: VfsDoneCallback): void;
  /** `openSync(path)`, called back with the descriptor. */
  open(path: string, callback: VfsCallback<number>): void;
  /** `openSync(path, flags)`, called back with the descriptor. */
  open(path: string, flags: VfsOpenFlag | undefined, callback: VfsCallback<number>): void;
  /** `openSync(path, flags, mode)`, called back with the descriptor. */
  open(path: string, flags: VfsOpenFlag | undefined, mode: number | undefined, callback: VfsCallback<number>): void;
  /** `readSync(fd, buffer, offset, length, position)`, called back with the count and the buffer. */
  read<B extends ArrayBufferView>(
    fd: number,
    buffer: B,
    offset: number,
    length: number,
    position: number | null,
    callback: VfsIoCallback<B>,
  ): void;
  /** `readSync(fd, buffer, options)`, called back with the count and the buffer. */
  read<B extends ArrayBufferView>(fd: number, buffer: B, options: VfsReadOptions, callback: VfsIoCallback<B>): void;
  /** `readSync(fd, buffer)`, called back with the count and the buffer. */
  read<B extends ArrayBufferView>(fd: number, buffer: B, callback: VfsIoCallback<B>): void;
  /** `writeSync(fd, buffer, offset, length, position)`, called back with the count and the buffer. */
  write<B extends ArrayBufferView>(
    fd: number,
    buffer: B,
    offset: number | null | undefined,
    length: number | null | undefined,
    position: number | null | undefined,
    callback: VfsIoCallback<B>,
  ): void;
  /** `writeSync(fd, buffer, offset, length)`, called back with the count and the buffer. */
  write<B extends ArrayBufferView>(
    fd: number,
    buffer: B,
    offset: number | null | undefined,
    length: number | null | undefined,
    callback: VfsIoCallback<B>,
  ): void;
  /** `writeSync(fd, buffer, offset)`, called back with the count and the buffer. */
  write<B extends ArrayBufferView>(
    fd: number,
    buffer: B,
    offset: number | null | undefined,
    callback: VfsIoCallback<B>,
  ): void;
  /** `writeSync(fd, buffer)`, called back with the count and the buffer. */
  write<B extends ArrayBufferView>(fd: number, buffer: B, callback: VfsIoCallback<B>): void;
  /** `writeSync(fd, text, position, encoding)`, called back with the byte count and the text. */
  write(
    fd: number,
    text: string,
    position: number | null | undefined,
    encoding: VfsEncoding | null | undefined,
    callback: VfsIoCallback<string>,
  ): void;
  /** `writeSync(fd, text, position)`, called back with the byte count and the text. */
  write(fd: number, text: string, position: number | null | undefined, callback: VfsIoCallback<string>): void;
  /** `writeSync(fd, text)`, called back with the byte count and the text. */
  write(fd: number, text: string, callback: VfsIoCallback<string>): void;
  /** `fstatSync(fd)`, called back. */
  fstat(fd: number, callback: VfsCallback<VfsStats>): void;
  /**
   * `closeSync(fd)`, called back; without a callback an error is thrown in a microtask, as Node's default callback
   * does.
   */
  close(fd: number, callback?: VfsDoneCallback): void;
}

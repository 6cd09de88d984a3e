import type { FileStatus } from './file-node.js';
import { fsConstants } from './fs-constants.js';

const BLOCK_SIZE = 4096;

/**
 * What `stat` returns: the fields and predicates of Node's `fs.Stats`. Owner and group are 0 (a
 * component has no users), `nlink` 1, `atime` equals `mtime`; `isSymbolicLink()` is always false
 * (the VFS has no links).
 */
export class VfsStats {
  /** The file system's number: 1 for the config's files, one per `<ram/>` after. */
  readonly dev: number;
  /** The node's number, unique within the VFS. */
  readonly ino: number;
  /** File type (`S_IFREG`, `S_IFDIR`, `S_IFCHR`) and permission bits. */
  readonly mode: number;
  /** Hard links: always 1. */
  readonly nlink = 1;
  /** Owner: always 0. */
  readonly uid = 0;
  /** Group: always 0. */
  readonly gid = 0;
  /** Device number of a device file: always 0. */
  readonly rdev = 0;
  /** Content length in bytes (0 for directories and most devices, 20 for `<rtc/>`). */
  readonly size: number;
  /** The block size Node reports, 4096. */
  readonly blksize = BLOCK_SIZE;
  /** 512-byte blocks in use, as Node counts them. */
  readonly blocks: number;
  /** Last access, ms since the epoch: the VFS does not track reads, so `mtimeMs`. */
  readonly atimeMs: number;
  /** Last content change, ms since the epoch: the last write of a `<ram/>` file, the VFS's start for the config's. */
  readonly mtimeMs: number;
  /** Last status change, ms since the epoch: `mtimeMs`. */
  readonly ctimeMs: number;
  /** Creation, ms since the epoch. */
  readonly birthtimeMs: number;
  /** `atimeMs` as a `Date`. */
  readonly atime: Date;
  /** `mtimeMs` as a `Date`. */
  readonly mtime: Date;
  /** `ctimeMs` as a `Date`. */
  readonly ctime: Date;
  /** `birthtimeMs` as a `Date`. */
  readonly birthtime: Date;

  /** Stats for `status`. */
  constructor(status: FileStatus) {
    this.dev = status.dev;
    this.ino = status.ino;
    this.mode = status.mode;
    this.size = status.size;
    this.blocks = Math.ceil(status.size / BLOCK_SIZE) * (BLOCK_SIZE / 512);
    this.atimeMs = status.mtimeMs;
    this.mtimeMs = status.mtimeMs;
    this.ctimeMs = status.ctimeMs;
    this.birthtimeMs = status.birthtimeMs;
    this.atime = new Date(status.mtimeMs);
    this.mtime = new Date(status.mtimeMs);
    this.ctime = new Date(status.ctimeMs);
    this.birthtime = new Date(status.birthtimeMs);
  }

  /** True for `<rom>`, `<inline>` and `<ram/>` files. */
  isFile(): boolean {
    return this.#type() === fsConstants.S_IFREG;
  }

  /** True for the config's directories and `<ram/>` directories. */
  isDirectory(): boolean {
    return this.#type() === fsConstants.S_IFDIR;
  }

  /** True for `<log/>`, `<rtc/>`, `<null/>` and `<zero/>`. */
  isCharacterDevice(): boolean {
    return this.#type() === fsConstants.S_IFCHR;
  }

  /** Always false: the VFS has no links. */
  isSymbolicLink(): boolean {
    return false;
  }

  /** Always false: the VFS has no block devices. */
  isBlockDevice(): boolean {
    return false;
  }

  /** Always false: the VFS has no pipes. */
  isFIFO(): boolean {
    return false;
  }

  /** Always false: the VFS has no sockets. */
  isSocket(): boolean {
    return false;
  }

  #type(): number {
    return this.mode & fsConstants.S_IFMT;
  }
}

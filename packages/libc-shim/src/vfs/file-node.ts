import type { VfsErrorCode } from './vfs-error.js';

/** What `stat` reports about a file, before {@link VfsStats} adds Node's fixed fields. */
export interface FileStatus {
  readonly size: number;
  /** File type and permission bits, as `Stats.mode`. */
  readonly mode: number;
  readonly ino: number;
  /** The file system's number: one for the config's files, one per `<ram/>`. */
  readonly dev: number;
  readonly mtimeMs: number;
  readonly ctimeMs: number;
  readonly birthtimeMs: number;
}

/** How a file is being opened. */
export interface FileAccess {
  readonly read: boolean;
  readonly write: boolean;
}

/**
 * A file of the VFS, whatever holds it: a ROM, an inline text, a device, a `<ram/>` file. The
 * operations on paths and descriptors work on this interface alone; each kind says here what it
 * allows and what it holds.
 */
export interface FileNode {
  /** Whether `stat` calls it a character device (log, rtc, null, zero) rather than a regular file. */
  readonly characterDevice: boolean;
  /** Its status now, or `undefined` while it is absent (a ROM that is not available): `ENOENT`. */
  status(): FileStatus | undefined;
  /** The error opening it for `access` gets, or `undefined` when that is allowed. */
  refusal(access: FileAccess): VfsErrorCode | undefined;
  /** Copies bytes from `position` into `target`; returns how many (0 at the end). */
  read(target: Uint8Array, position: number): number;
  /**
   * Writes `data` at `position` (devices ignore the position). Throws `RamExhausted` when RAM does
   * not cover it, having changed nothing.
   */
  write(data: Uint8Array, position: number): void;
  /** Cuts or zero-extends it to `size` bytes (opening with `w`); devices ignore it. */
  truncate(size: number): void;
}

/** The identity and time of a file that the config made: it never changes after the VFS is built. */
export interface NodeStamp {
  readonly ino: number;
  readonly dev: number;
  readonly timeMs: number;
}

/** The status of a config-made file of `size` bytes and `mode`, stamped with `stamp`. */
export function stampedStatus(stamp: NodeStamp, size: number, mode: number): FileStatus {
  return {
    size,
    mode,
    ino: stamp.ino,
    dev: stamp.dev,
    mtimeMs: stamp.timeMs,
    ctimeMs: stamp.timeMs,
    birthtimeMs: stamp.timeMs,
  };
}

/** Copies the part of `content` from `position` into `target`; returns how many bytes. */
export function readFrom(content: Uint8Array, target: Uint8Array, position: number): number {
  if (position >= content.length) return 0;
  const part = content.subarray(position, position + target.length);
  target.set(part);
  return part.length;
}

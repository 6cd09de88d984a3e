import { hasErrorCode } from '@os/kernel';
import { type FileNode, type FileStatus, readFrom } from './file-node.js';
import { fsConstants } from './fs-constants.js';
import { RamExhausted } from './ram-exhausted.js';
import type { RamFs } from './ram-fs.js';
import type { RamBlock } from './vfs-backends.js';

/** The smallest block a file's content gets. */
const MIN_BLOCK = 4096;

/** Whether `error` is the store's {@link RamExhausted} (from any copy of this package). */
export function isRamExhausted(error: unknown): error is RamExhausted {
  return hasErrorCode(error, RamExhausted.code);
}

/**
 * A file inside a `<ram/>`: its content in one block from the file system's store. Growing
 * allocates a block of at least double the capacity (and at least 4 KiB), copies and frees the old
 * one; shrinking by half or more moves to a smaller block; an empty file holds none. Every change
 * allocates before it touches the content, so when the quota runs out (`RamExhausted`) the file
 * keeps what it had. The block is freed when the file has no name and no open descriptor left.
 */
export class RamFile implements FileNode {
  readonly characterDevice = false;
  readonly ino: number;
  readonly #fs: RamFs;
  readonly #birthtimeMs: number;
  #mtimeMs: number;
  #block: RamBlock | undefined;
  #size = 0;
  #links = 0;
  #opens = 0;

  /** An empty, unnamed file of `fs`. */
  constructor(fs: RamFs) {
    this.#fs = fs;
    this.ino = fs.nextIno();
    this.#birthtimeMs = fs.now();
    this.#mtimeMs = this.#birthtimeMs;
  }

  /** The file system it belongs to. */
  get fs(): RamFs {
    return this.#fs;
  }

  status(): FileStatus {
    const time = this.#mtimeMs;
    return {
      size: this.#size,
      mode: fsConstants.S_IFREG | 0o644,
      ino: this.ino,
      dev: this.#fs.dev,
      mtimeMs: time,
      ctimeMs: time,
      birthtimeMs: this.#birthtimeMs,
    };
  }

  refusal(): undefined {
    return undefined;
  }

  read(target: Uint8Array, position: number): number {
    return this.#block === undefined ? 0 : readFrom(this.#block.bytes.subarray(0, this.#size), target, position);
  }

  write(data: Uint8Array, position: number): void {
    if (data.length === 0) return;
    const end = position + data.length;
    this.#reserve(end);
    const bytes = (this.#block as RamBlock).bytes;
    if (position > this.#size) bytes.fill(0, this.#size, position);
    bytes.set(data, position);
    this.#size = Math.max(this.#size, end);
    this.#touch();
  }

  /** Makes `data` the whole content at once, for `writeFile`: on `RamExhausted` the old content stays. */
  replace(data: Uint8Array): void {
    const capacity = this.#capacity;
    if (data.length === 0) {
      this.#swap(undefined);
    } else if (data.length <= capacity && !this.#wouldShrink(data.length)) {
      (this.#block as RamBlock).bytes.set(data);
    } else {
      const next = this.#alloc(Math.max(MIN_BLOCK, data.length), data.length <= capacity);
      if (next === undefined) (this.#block as RamBlock).bytes.set(data);
      else {
        next.bytes.set(data);
        this.#swap(next);
      }
    }
    this.#size = data.length;
    this.#touch();
  }

  truncate(size: number): void {
    if (size > this.#size) {
      this.#reserve(size);
      (this.#block as RamBlock).bytes.fill(0, this.#size, size);
    } else if (size === 0) {
      this.#swap(undefined);
    } else if (size < this.#size && this.#wouldShrink(size)) {
      const next = this.#alloc(Math.max(MIN_BLOCK, size), true);
      if (next !== undefined) {
        next.bytes.set((this.#block as RamBlock).bytes.subarray(0, size));
        this.#swap(next);
      }
    }
    this.#size = size;
    this.#touch();
  }

  /** Notes a new name for the file (created, or renamed into place). */
  linked(): void {
    this.#links++;
  }

  /** Notes a name gone (unlinked, or replaced by a rename); frees the content when nothing refers to it. */
  unlinked(): void {
    this.#links--;
    this.#releaseIfUnused();
  }

  /** Notes an open descriptor. */
  opened(): void {
    this.#opens++;
  }

  /** Notes a closed descriptor; frees the content of an unlinked file when it was the last. */
  closed(): void {
    this.#opens--;
    this.#releaseIfUnused();
  }

  get #capacity(): number {
    return this.#block?.bytes.length ?? 0;
  }

  #wouldShrink(size: number): boolean {
    return Math.max(MIN_BLOCK, size) <= this.#capacity / 2;
  }

  /** Makes the block hold at least `end` bytes, growing by at least double. */
  #reserve(end: number): void {
    const capacity = this.#capacity;
    if (end <= capacity) return;
    const next = this.#alloc(Math.max(end, capacity * 2, MIN_BLOCK), false) as RamBlock;
    if (this.#block !== undefined) next.bytes.set(this.#block.bytes.subarray(0, this.#size));
    this.#swap(next);
  }

  /** A block of `size` bytes; `undefined` when the quota is out and `optional` (the change can do without). */
  #alloc(size: number, optional: boolean): RamBlock | undefined {
    try {
      return this.#fs.store.alloc(size);
    } catch (error) {
      if (optional && isRamExhausted(error)) return undefined;
      throw error;
    }
  }

  #swap(next: RamBlock | undefined): void {
    const old = this.#block;
    this.#block = next;
    old?.free();
  }

  #touch(): void {
    this.#mtimeMs = this.#fs.now();
  }

  #releaseIfUnused(): void {
    if (this.#links === 0 && this.#opens === 0) {
      this.#swap(undefined);
      this.#size = 0;
    }
  }
}

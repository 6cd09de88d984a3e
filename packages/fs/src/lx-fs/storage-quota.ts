import { lstatSync, opendirSync } from 'node:fs';
import { join } from 'node:path';
import { numberOfBytes } from '@os/runtime';
import { NoSpace } from '../file-system-errors.js';

/** Bytes the regular files below real host directory `path` hold (symbolic links are not followed). */
export function storedBytes(path: string): number {
  let total = 0;
  const pending = [path];
  for (let directory = pending.pop(); directory !== undefined; directory = pending.pop()) {
    const listing = opendirSync(directory);
    try {
      for (let entry = listing.readSync(); entry !== null; entry = listing.readSync()) {
        const child = join(directory, entry.name);
        const stats = lstatSync(child, { throwIfNoEntry: false });
        if (stats?.isDirectory() === true) pending.push(child);
        else if (stats?.isFile() === true) total += stats.size;
      }
    } finally {
      listing.closeSync();
    }
  }
  return total;
}

/** The bytes stored below one root, shared by every session on it (counted once, then kept up to date). */
export class StoredBytes {
  /** The count now. */
  used: number;
  /** Sessions using it; the root forgets it when none is left, and counts afresh for the next. */
  sessions = 0;

  /** Starts at `used` bytes. */
  constructor(used: number) {
    this.used = used;
  }
}

/**
 * What a policy's `quota` lets a session store below its root: the sizes of the root's regular files (counted when
 * the first session on the root opens, shared by all sessions on it, and kept up to date by every write, truncate,
 * unlink and move through lx_fs) may not pass `limit`.
 */
export class StorageQuota {
  /** The most bytes the root may hold for this session's policy. */
  readonly limit: number;
  readonly #stored: StoredBytes;

  /** A quota of `limit` bytes over the root's count `stored`. */
  constructor(limit: number, stored: StoredBytes) {
    this.limit = limit;
    this.#stored = stored;
  }

  /** Takes `bytes` more, or refuses with `NoSpace` naming `what` when they do not fit. */
  charge(bytes: number, what: string): void {
    if (bytes <= 0) return;
    const left = Math.max(0, this.limit - this.#stored.used);
    if (bytes > left)
      throw new NoSpace(
        `${what}: the policy's quota of ${numberOfBytes(this.limit)} has ${numberOfBytes(left)} left, ` +
          `${numberOfBytes(bytes)} more were asked; remove files first`,
      );
    this.#stored.used += bytes;
  }

  /** Gives back `bytes` (a file shrank or went away). */
  release(bytes: number): void {
    if (bytes > 0) this.#stored.used = Math.max(0, this.#stored.used - bytes);
  }
}

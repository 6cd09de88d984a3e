import type { RamFile } from './ram-file.js';
import type { RamStore } from './vfs-backends.js';

/**
 * One `<ram/>` file system: its store, clock and number, and its root directory. Metadata
 * (names, directories) lives in ordinary objects and costs no quota; file contents live in
 * blocks from the store.
 */
export class RamFs {
  /** The directory the `<ram/>` is mounted on, as seen from inside the file system. */
  readonly root: RamDir;

  /** A file system numbered `dev`, storing contents in `store`, timing with `now`, numbering nodes with `nextIno`. */
  constructor(
    readonly dev: number,
    readonly store: RamStore,
    readonly now: () => number,
    readonly nextIno: () => number,
  ) {
    this.root = new RamDir(this, undefined, '');
  }
}

/** A directory inside a `<ram/>`: named entries, and its place in the tree for `rmdir` and `rename`. */
export class RamDir {
  /** Its entries in creation order. */
  readonly entries = new Map<string, RamDir | RamFile>();
  readonly ino: number;
  readonly birthtimeMs: number;
  /** When an entry last came or went. */
  mtimeMs: number;

  /** An empty directory of `fs`, named `name` in `parent` (none for the root). */
  constructor(
    readonly fs: RamFs,
    public parent: RamDir | undefined,
    public name: string,
  ) {
    this.ino = fs.nextIno();
    this.birthtimeMs = fs.now();
    this.mtimeMs = this.birthtimeMs;
  }

  /** Notes that an entry came or went. */
  touch(): void {
    this.mtimeMs = this.fs.now();
  }

  /** Whether `dir` is this directory or lies below it. */
  contains(dir: RamDir): boolean {
    for (let at: RamDir | undefined = dir; at !== undefined; at = at.parent) if (at === this) return true;
    return false;
  }
}

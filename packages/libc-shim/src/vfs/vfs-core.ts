import { FdTable } from './fd-table.js';
import { type VfsPath, checkPathArgument, pathText, resolvePath } from './vfs-path.js';
import type { DirView } from './vfs-tree.js';

/**
 * The state every operation of one {@link Vfs} works on: the root directory, the open
 * descriptors, and the current directory relative paths start from.
 */
export class VfsCore {
  /** The descriptors open now. */
  readonly fds = new FdTable();
  #cwd: readonly string[];

  /** State over the tree at `root`, relative paths starting at the absolute path `cwd`. */
  constructor(
    readonly root: DirView,
    cwd: string,
  ) {
    this.#cwd = resolvePath(cwd, []).components;
  }

  /** The current directory, absolute and normalised. */
  get cwd(): string {
    return pathText(this.#cwd);
  }

  /** Makes `path` (already checked to be a directory) the current directory. */
  changeDirectory(path: VfsPath): void {
    this.#cwd = path.components;
  }

  /** `value` checked to be a path string (argument `name`) and resolved against the current directory. */
  path(value: unknown, name = 'path'): VfsPath {
    return resolvePath(checkPathArgument(value, name), this.#cwd);
  }
}

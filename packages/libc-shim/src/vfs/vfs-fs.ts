import type { VfsConstants } from './fs-constants.js';
import type { VfsFsCallbacks } from './vfs-fs-callbacks.js';
import type { VfsFsPromises } from './vfs-fs-promises.js';
import type { VfsFsSync } from './vfs-fs-sync.js';

/**
 * Node's `fs` module over a {@link Vfs}: the synchronous and the callback functions, `constants`
 * and `promises`. A plain object of functions that work detached, so it can be spread into the
 * module namespace a program imports as `fs`.
 */
export interface VfsFs extends VfsFsSync, VfsFsCallbacks {
  /** Node's `fs.constants` (Linux values). */
  readonly constants: VfsConstants;
  /** The same functions as promises (`fs.promises`). */
  readonly promises: VfsFsPromises;
}

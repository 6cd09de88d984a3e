import type { FileNode, NodeStamp } from './file-node.js';
import type { RamFs } from './ram-fs.js';

/**
 * A directory the config made (`<vfs>` itself or a `<dir>`): its fixed entries in config order,
 * and the `<ram/>` mounted in it, if any, whose content joins the listing and takes new entries.
 */
export class StaticDir {
  /** The fixed entries, in config order. */
  readonly entries = new Map<string, StaticDir | FileNode>();
  /** The `<ram/>` file system mounted here. */
  ram: RamFs | undefined;

  /** An empty directory stamped with `stamp`. */
  constructor(readonly stamp: NodeStamp) {}
}

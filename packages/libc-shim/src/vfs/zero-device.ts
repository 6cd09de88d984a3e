import { type FileNode, type FileStatus, type NodeStamp, stampedStatus } from './file-node.js';
import { fsConstants } from './fs-constants.js';

/** A `<zero/>` file: every read fills the whole buffer with zeros, writes vanish. */
export class ZeroDevice implements FileNode {
  readonly characterDevice = true;
  readonly #stamp: NodeStamp;

  /** A device stamped with `stamp`. */
  constructor(stamp: NodeStamp) {
    this.#stamp = stamp;
  }

  status(): FileStatus {
    return stampedStatus(this.#stamp, 0, fsConstants.S_IFCHR | 0o666);
  }

  refusal(): undefined {
    return undefined;
  }

  read(target: Uint8Array): number {
    target.fill(0);
    return target.length;
  }

  write(): void {}

  truncate(): void {}
}

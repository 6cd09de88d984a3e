import { type FileNode, type FileStatus, type NodeStamp, stampedStatus } from './file-node.js';
import { fsConstants } from './fs-constants.js';

/** A `<null/>` file: reads are empty, writes vanish. */
export class NullDevice implements FileNode {
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

  read(): number {
    return 0;
  }

  write(): void {}

  truncate(): void {}
}

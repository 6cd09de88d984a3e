import {
  type FileAccess,
  type FileNode,
  type FileStatus,
  type NodeStamp,
  readFrom,
  stampedStatus,
} from './file-node.js';
import { fsConstants } from './fs-constants.js';
import type { VfsErrorCode } from './vfs-error.js';

/** An `<inline>` file: read-only, holding the node's text as UTF-8. */
export class InlineFile implements FileNode {
  readonly characterDevice = false;
  readonly #content: Uint8Array;
  readonly #stamp: NodeStamp;

  /** A file holding `text`. */
  constructor(text: string, stamp: NodeStamp) {
    this.#content = new TextEncoder().encode(text);
    this.#stamp = stamp;
  }

  status(): FileStatus {
    return stampedStatus(this.#stamp, this.#content.length, fsConstants.S_IFREG | 0o444);
  }

  refusal(access: FileAccess): VfsErrorCode | undefined {
    return access.write ? 'EROFS' : undefined;
  }

  read(target: Uint8Array, position: number): number {
    return readFrom(this.#content, target, position);
  }

  write(): void {
    throw new Error('InlineFile.write: refused at open (EROFS)');
  }

  truncate(): void {
    throw new Error('InlineFile.truncate: refused at open (EROFS)');
  }
}

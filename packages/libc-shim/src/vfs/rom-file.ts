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

/**
 * A `<rom>` file: read-only, showing the ROM module's content of the moment. It asks for the
 * content at every stat and read, so an update of the ROM shows at once; while the ROM is not
 * available the file is absent (`ENOENT`), and an open descriptor reads it as empty.
 */
export class RomFile implements FileNode {
  readonly characterDevice = false;
  readonly #content: () => Uint8Array | undefined;
  readonly #stamp: NodeStamp;

  /** A file over `content`, which gives the ROM's current bytes. */
  constructor(content: () => Uint8Array | undefined, stamp: NodeStamp) {
    this.#content = content;
    this.#stamp = stamp;
  }

  status(): FileStatus | undefined {
    const content = this.#content();
    return content === undefined ? undefined : stampedStatus(this.#stamp, content.length, fsConstants.S_IFREG | 0o444);
  }

  refusal(access: FileAccess): VfsErrorCode | undefined {
    return access.write ? 'EROFS' : undefined;
  }

  read(target: Uint8Array, position: number): number {
    const content = this.#content();
    return content === undefined ? 0 : readFrom(content, target, position);
  }

  write(): void {
    throw new Error('RomFile.write: refused at open (EROFS)');
  }

  truncate(): void {
    throw new Error('RomFile.truncate: refused at open (EROFS)');
  }
}

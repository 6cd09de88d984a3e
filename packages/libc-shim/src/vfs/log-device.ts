import { type FileAccess, type FileNode, type FileStatus, type NodeStamp, stampedStatus } from './file-node.js';
import { fsConstants } from './fs-constants.js';
import type { VfsErrorCode } from './vfs-error.js';

/**
 * A `<log/>` file: a write-only character device. Each write's bytes go to the LOG session as
 * UTF-8 text (a character split across two writes is replaced, as Genode's LOG would garble it);
 * reading is refused with `EACCES`.
 */
export class LogDevice implements FileNode {
  readonly characterDevice = true;
  readonly #log: (text: string) => void;
  readonly #stamp: NodeStamp;
  readonly #decoder = new TextDecoder('utf-8', { ignoreBOM: true });

  /** A device handing each write's text to `log`. */
  constructor(log: (text: string) => void, stamp: NodeStamp) {
    this.#log = log;
    this.#stamp = stamp;
  }

  status(): FileStatus {
    return stampedStatus(this.#stamp, 0, fsConstants.S_IFCHR | 0o222);
  }

  refusal(access: FileAccess): VfsErrorCode | undefined {
    return access.read ? 'EACCES' : undefined;
  }

  read(): number {
    throw new Error('LogDevice.read: refused at open (EACCES)');
  }

  write(data: Uint8Array): void {
    this.#log(this.#decoder.decode(data));
  }

  truncate(): void {}
}

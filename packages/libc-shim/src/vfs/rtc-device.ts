import {
  type FileAccess,
  type FileNode,
  type FileStatus,
  type NodeStamp,
  readFrom,
  stampedStatus,
} from './file-node.js';
import { fsConstants } from './fs-constants.js';
import { RTC_TIMESTAMP_LENGTH, rtcTimestamp } from './rtc-timestamp.js';
import type { VfsErrorCode } from './vfs-error.js';

/**
 * An `<rtc/>` file: a read-only character device whose every read yields the wall time of that
 * moment in Genode's format ({@link rtcTimestamp}); writing is refused with `EACCES`.
 */
export class RtcDevice implements FileNode {
  readonly characterDevice = true;
  readonly #now: () => number;
  readonly #stamp: NodeStamp;

  /** A device reading the time from `now`. */
  constructor(now: () => number, stamp: NodeStamp) {
    this.#now = now;
    this.#stamp = stamp;
  }

  status(): FileStatus {
    return stampedStatus(this.#stamp, RTC_TIMESTAMP_LENGTH, fsConstants.S_IFCHR | 0o444);
  }

  refusal(access: FileAccess): VfsErrorCode | undefined {
    return access.write ? 'EACCES' : undefined;
  }

  read(target: Uint8Array, position: number): number {
    return readFrom(new TextEncoder().encode(rtcTimestamp(this.#now())), target, position);
  }

  write(): void {
    throw new Error('RtcDevice.write: refused at open (EACCES)');
  }

  truncate(): void {}
}

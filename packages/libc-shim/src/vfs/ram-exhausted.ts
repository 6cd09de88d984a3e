import { errorCode } from '@os/kernel';

/**
 * A {@link RamStore} cannot hand out a block because the component's RAM quota does not cover
 * it. The VFS turns it into Node's `ENOSPC` for the file operation that needed the block, and
 * that operation changes nothing.
 */
export class RamExhausted extends Error {
  /**
   * Stable code of this failure, `ERR_OS_RAM_EXHAUSTED`: compare it, not the class, to recognise an error from another
   * copy of this package.
   */
  readonly code: string;

  /** The code of this class's errors (`RamExhausted.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error; `reason` says what ran out (`"4096 bytes asked, 100 left"`, or the quota error's message). */
  constructor(
    /** What ran out, as the store knows it. */
    readonly reason: string,
  ) {
    super(
      `the RAM quota does not cover a <ram/> file's content: ${reason}; raise the component's RAM quota or store less`,
    );
    this.name = 'RamExhausted';
    this.code = errorCode(new.target.name);
  }
}

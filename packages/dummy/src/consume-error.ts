import { errorCode } from '@os/kernel';
import { numberOfBytes } from './genode-text.js';

/** What a consumer ran out of. */
export type ConsumedResource = 'ram' | 'caps';

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * `<consume_ram>` or `<consume_caps>` asked for more than the component's quota holds. What was
 * consumed before the quota ran out stays consumed until the next consume or a yield request.
 */
export class ConsumeError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_CONSUME`: compare it, not the class, to recognise an error from another copy
   * of this package.
   */
  readonly code: string;

  /** The code of this class's errors (`ConsumeError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error: `consumed` of `requested` (bytes or caps) were taken when `cause` was thrown. */
  constructor(
    /** Which quota ran out. */
    readonly resource: ConsumedResource,
    /** What the config node asked for: bytes of RAM or capabilities. */
    readonly requested: number,
    /** What is held now: bytes of RAM (0 or all) or capabilities. */
    readonly consumed: number,
    cause: unknown,
  ) {
    super(
      resource === 'ram'
        ? `cannot consume ${numberOfBytes(requested)} bytes of memory (${describe(cause)})`
        : `consumed ${consumed} of ${requested} caps, then ran out (${describe(cause)})`,
      { cause },
    );
    this.name = 'ConsumeError';
    this.code = errorCode(new.target.name);
  }
}

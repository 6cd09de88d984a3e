import { errorCode } from '@os/kernel';

/** A test system that cannot be set up as asked (an unknown kernel, a bad option); names the option and the fix. */
export class TestSystemError extends Error {
  /** Stable code, `ERR_OS_TEST_SYSTEM`: compare it, not the class, across copies of this package. */
  readonly code: string;

  /** The code of this class's errors; see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    this.code = errorCode(new.target.name);
  }
}

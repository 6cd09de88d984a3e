import { errorCode } from '@os/kernel';

/** A configuration that cannot work: names where (file and line, or start entry) and the fix. */
export class InitConfigError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_INIT_CONFIG`: compare it, not the class, to recognise an error from another
   * copy of this package.
   */
  readonly code: string;

  /** The code of this class's errors (`InitConfigError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'InitConfigError';
    this.code = errorCode(new.target.name);
  }
}

import { errorCode } from '@os/kernel';

/** An XML text that is not well-formed, or a node lacking what its reader needs; names the place. */
export class XmlError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_XML`: compare it, not the class, to recognise an error from another copy of
   * this package.
   */
  readonly code: string;

  /** The code of this class's errors (`XmlError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error for `origin` (a ROM or file name) at `line` (1-based; 0 when unknown). */
  constructor(
    message: string,
    /** Where the text came from: a ROM module's or a file's name. */
    readonly origin: string,
    /** The line the problem is on, 1-based; 0 when it is not about one place. */
    readonly line: number,
  ) {
    super(line > 0 ? `${origin}:${line}: ${message}` : `${origin}: ${message}`);
    this.name = new.target.name;
    this.code = errorCode(new.target.name);
  }
}

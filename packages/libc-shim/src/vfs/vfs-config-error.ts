import { errorCode } from '@os/kernel';

/**
 * A `<vfs>` node the VFS cannot build: an unknown file-system type, a missing or unusable name,
 * two entries of one name. The message starts with `origin:line:` so the fix is one look away.
 */
export class VfsConfigError extends Error {
  /** Stable code of this failure, `ERR_OS_VFS_CONFIG`: compare it, not the class, to recognise an error from another copy of this package. */
  readonly code: string;

  /** The code of this class's errors (`VfsConfigError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error about the node at `line` of `origin` (1-based; 0 when not about one line). */
  constructor(
    message: string,
    /** Where the config came from (the config ROM's name). */
    readonly origin: string,
    /** The line of the offending node, 1-based; 0 when it is not about one place. */
    readonly line: number,
  ) {
    super(line > 0 ? `${origin}:${line}: ${message}` : `${origin}: ${message}`);
    this.name = 'VfsConfigError';
    this.code = errorCode(new.target.name);
  }
}

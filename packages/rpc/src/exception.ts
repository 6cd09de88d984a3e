import { errorCode } from '@os/kernel';

/**
 * Base of the exceptions an interface declares. A server that throws a declared exception makes
 * the client's call reject with an instance of the same class, carrying the same message.
 */
export class RpcException extends Error {
  /**
   * Stable code of this exception, derived from its class name (`ServiceDenied` has
   * `ERR_OS_SERVICE_DENIED`). A server recognises a declared exception by it when the thrown error
   * comes from another copy of the declaring package.
   */
  readonly code: string;

  /** The code of this class's exceptions, e.g. `ServiceDenied.code`; see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the exception; its `name` is the class name, on the server and at the client alike, and its `code` derives from it. */
  constructor(message?: string) {
    super(message);
    this.name = new.target.name;
    this.code = errorCode(new.target.name);
  }
}

/** A declared exception class: constructible from the message alone. */
export type RpcExceptionClass = new (message?: string) => RpcException;

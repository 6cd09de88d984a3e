/**
 * Base of the exceptions an interface declares. A server that throws a declared exception makes
 * the client's call reject with an instance of the same class, carrying the same message.
 */
export class RpcException extends Error {
  /** Creates the exception; its `name` is the class name, on the server and at the client alike. */
  constructor(message?: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A declared exception class: constructible from the message alone. */
export type RpcExceptionClass = new (message?: string) => RpcException;

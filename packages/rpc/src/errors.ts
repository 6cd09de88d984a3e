import { CodedError } from '@os/kernel';

/**
 * Every failure of the RPC layer itself (not a declared exception of an interface); its code is `ERR_OS_RPC_…`, e.g.
 * `RpcDecodeError.code`.
 */
export class RpcError extends CodedError {}

/** An argument or result cannot be encoded: the client refuses before anything is sent. */
export class RpcEncodeError extends RpcError {
  /** Creates the error; `path` says where in the value, e.g. `add(arg 1).items[3]`. */
  constructor(
    /** Where in the arguments or result the value sits, e.g. `add(arg 1).items[3]`. */
    readonly path: string,
    /** Why the value cannot be encoded. */
    readonly reason: string,
  ) {
    super(`cannot encode ${path}: ${reason}`);
  }
}

/** Bytes that do not decode as the declared type: truncated, trailing, or of another shape. */
export class RpcDecodeError extends RpcError {
  /** Creates the error naming what was being decoded and why it failed. */
  constructor(
    /** Where in the arguments or result decoding failed. */
    readonly path: string,
    /** Why the bytes do not decode. */
    readonly reason: string,
  ) {
    super(`malformed message at ${path}: ${reason}`);
  }
}

/** The server refused the request as malformed; it keeps serving. */
export class RpcBadRequestError extends RpcError {
  /** Creates the error with the server's reason. */
  constructor(
    /** The method called, qualified by its interface name. */
    readonly method: string,
    /** Why the server refused the request, as it reported it. */
    readonly reason: string,
  ) {
    super(`server refused ${method}: ${reason}`);
  }
}

/** The server failed with an error its interface does not declare; the server reported it and keeps serving. */
export class RpcServerError extends RpcError {
  /** Creates the error for `method`. */
  constructor(
    /** The method that failed, qualified by its interface name. */
    readonly method: string,
  ) {
    super(`${method} failed in the server with an undeclared error (reported at the server); the server keeps serving`);
  }
}

/** Client and server disagree about the interface: another interface, an unknown method, or no such object. */
export class RpcInterfaceError extends RpcError {}

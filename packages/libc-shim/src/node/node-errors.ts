/** Node's error code for each kind of Net session failure (see `NetErrorKind` of @os/net). */
const NODE_CODES: Readonly<Record<string, { readonly code: string; readonly errno: number }>> = {
  refused: { code: 'ECONNREFUSED', errno: -111 },
  unreachable: { code: 'EHOSTUNREACH', errno: -113 },
  reset: { code: 'ECONNRESET', errno: -104 },
  'timed-out': { code: 'ETIMEDOUT', errno: -110 },
  tls: { code: 'ERR_TLS_HANDSHAKE', errno: -71 },
  denied: { code: 'EACCES', errno: -13 },
  'address-in-use': { code: 'EADDRINUSE', errno: -98 },
  'invalid-argument': { code: 'ERR_INVALID_ARG_VALUE', errno: -22 },
  quota: { code: 'ENOBUFS', errno: -105 },
  closed: { code: 'EPIPE', errno: -32 },
  failed: { code: 'EIO', errno: -5 },
};

/** A Node-style system error: `code`, `errno`, `syscall`, `address`, `port` as `net` gives them. */
export interface NodeSystemError extends Error {
  /** `ECONNREFUSED`, `EACCES`, ... */
  code: string;
  /** The negative errno of the code. */
  errno: number;
  /** `connect`, `listen`, `write`, `read`. */
  syscall: string;
  /** The host of the operation. */
  address?: string;
  /** The port of the operation. */
  port?: number;
}

/**
 * The Node error a program sees for a failure of its Net session (an `@os/net` error, recognised by its `kind`, or any
 * other error): Node's code and message shape (`connect ECONNREFUSED 127.0.0.1:1883`), then the session's reason.
 */
export function nodeNetError(error: unknown, syscall: string, address?: string, port?: number): NodeSystemError {
  const kind = typeof error === 'object' && error !== null ? (error as { kind?: unknown }).kind : undefined;
  const known = typeof kind === 'string' && Object.hasOwn(NODE_CODES, kind) ? NODE_CODES[kind] : undefined;
  const { code, errno } = known ?? NODE_CODES['failed']!;
  const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  const host = address === undefined ? '' : ` ${address}`;
  const where = port === undefined ? host : address === undefined ? ` ${port}` : `${host}:${port}`;
  const made = new Error(`${syscall} ${code}${where}: ${reason}`) as NodeSystemError;
  made.code = code;
  made.errno = errno;
  made.syscall = syscall;
  if (address !== undefined) made.address = address;
  if (port !== undefined) made.port = port;
  return made;
}

/** A Node `TypeError` with `code` (`ERR_INVALID_ARG_TYPE`, ...), for bad arguments. */
export function nodeArgumentError(code: string, message: string): TypeError & { code: string } {
  const error = new TypeError(message) as TypeError & { code: string };
  error.code = code;
  return error;
}

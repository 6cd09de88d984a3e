import { RpcException } from '@os/rpc';

/** What went wrong with a network operation, as a word a client can branch on. */
export type NetErrorKind =
  | 'refused'
  | 'unreachable'
  | 'reset'
  | 'timed-out'
  | 'tls'
  | 'denied'
  | 'address-in-use'
  | 'invalid-argument'
  | 'quota'
  | 'closed'
  | 'failed';

/**
 * Base of every network error: `kind` says what happened, the message names the operation and `host:port` and says
 * what to do. Each subclass crosses RPC as itself (a declared exception of the Net interface).
 */
export abstract class NetError extends RpcException {
  /** What went wrong. */
  abstract readonly kind: NetErrorKind;
}

/** The peer answered the connect with a reset: nothing listens on that port (ECONNREFUSED). */
export class ConnectionRefused extends NetError {
  /** Always `refused`. */
  readonly kind = 'refused';
}

/** No route to the host, or its name does not resolve (EHOSTUNREACH, ENETUNREACH, ENOTFOUND). */
export class HostUnreachable extends NetError {
  /** Always `unreachable`. */
  readonly kind = 'unreachable';
}

/** The peer reset an open connection (ECONNRESET, EPIPE). */
export class ConnectionReset extends NetError {
  /** Always `reset`. */
  readonly kind = 'reset';
}

/** The connect did not finish within its timeout (or the host's own, ETIMEDOUT). */
export class NetTimedOut extends NetError {
  /** Always `timed-out`. */
  readonly kind = 'timed-out';
}

/** The TLS handshake failed: a certificate that does not verify, a name that does not match, an alert of the peer. */
export class TlsFailure extends NetError {
  /** Always `tls`. */
  readonly kind = 'tls';
}

/** The net server's policy for this client does not allow the connect or listen; the server logs it too. */
export class PolicyDenied extends NetError {
  /** Always `denied`. */
  readonly kind = 'denied';
}

/** The port to listen on is taken on the host (EADDRINUSE) or may not be bound there (EACCES). */
export class AddressInUse extends NetError {
  /** Always `address-in-use`. */
  readonly kind = 'address-in-use';
}

/** An argument no server would act on: a port outside 1 to 65535, an empty host, a buffer size out of range. */
export class InvalidNetArgument extends NetError {
  /** Always `invalid-argument`. */
  readonly kind = 'invalid-argument';
}

/**
 * The RAM or capabilities the client donated for the session hold no further socket: close one, or `upgrade` the
 * connection by what the message names.
 */
export class NetQuotaExhausted extends NetError {
  /** Always `quota`. */
  readonly kind = 'quota';
}

/** The socket or listener was closed (by `close`, or because its session closed), or its id is unknown. */
export class SocketClosed extends NetError {
  /** Always `closed`. */
  readonly kind = 'closed';
}

/** Any other failure of the host's network stack; the message carries the host's words. */
export class NetFailure extends NetError {
  /** Always `failed`. */
  readonly kind = 'failed';
}

/** The error class of each kind, for making a client's error from a failure the server reported. */
export const NET_ERROR_CLASSES: Readonly<Record<NetErrorKind, new (message: string) => NetError>> = {
  refused: ConnectionRefused,
  unreachable: HostUnreachable,
  reset: ConnectionReset,
  'timed-out': NetTimedOut,
  tls: TlsFailure,
  denied: PolicyDenied,
  'address-in-use': AddressInUse,
  'invalid-argument': InvalidNetArgument,
  quota: NetQuotaExhausted,
  closed: SocketClosed,
  failed: NetFailure,
};

/** Makes the error of `kind` with `message` (an unknown kind is a {@link NetFailure}). */
export function netError(kind: string, message: string): NetError {
  const known = Object.hasOwn(NET_ERROR_CLASSES, kind) ? NET_ERROR_CLASSES[kind as NetErrorKind] : NetFailure;
  return new known(message);
}

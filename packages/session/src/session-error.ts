import { RpcException } from '@os/rpc';

/** Genode's `Session_error` values: why a session request failed. */
export type SessionErrorKind = 'DENIED' | 'OUT_OF_RAM' | 'OUT_OF_CAPS' | 'INSUFFICIENT_RAM' | 'INSUFFICIENT_CAPS';

/** Base of the session errors; they cross RPC as themselves (declared exceptions of Root and Parent). */
export abstract class SessionError extends RpcException {
  /** Genode's name for this failure. */
  abstract readonly kind: SessionErrorKind;
}

/** The request was refused: no route, no such service, or the server's policy denies it (`DENIED`). */
export class ServiceDenied extends SessionError {
  /** Genode's name for this failure. */
  readonly kind = 'DENIED';
}

/** The requester cannot afford the RAM it offered to donate (`OUT_OF_RAM`): ask its own parent for more. */
export class OutOfRam extends SessionError {
  /** Genode's name for this failure. */
  readonly kind = 'OUT_OF_RAM';
}

/** The requester cannot afford the capabilities it offered to donate (`OUT_OF_CAPS`). */
export class OutOfCaps extends SessionError {
  /** Genode's name for this failure. */
  readonly kind = 'OUT_OF_CAPS';
}

/** The donated RAM does not cover what the server needs for the session (`INSUFFICIENT_RAM`): donate more. */
export class InsufficientRamQuota extends SessionError {
  /** Genode's name for this failure. */
  readonly kind = 'INSUFFICIENT_RAM';
}

/** The donated capabilities do not cover what the server needs (`INSUFFICIENT_CAPS`): donate more. */
export class InsufficientCapQuota extends SessionError {
  /** Genode's name for this failure. */
  readonly kind = 'INSUFFICIENT_CAPS';
}

/** Every session error class, for `throws` lists. */
export const SESSION_ERRORS = [ServiceDenied, OutOfRam, OutOfCaps, InsufficientRamQuota, InsufficientCapQuota] as const;

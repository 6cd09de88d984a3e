import type { NetErrorKind } from '../net-errors.js';

const KINDS: Readonly<Record<string, NetErrorKind>> = {
  ECONNREFUSED: 'refused',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  ENOTFOUND: 'unreachable',
  EAI_AGAIN: 'unreachable',
  EAI_NONAME: 'unreachable',
  EADDRNOTAVAIL: 'unreachable',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ECONNABORTED: 'reset',
  ETIMEDOUT: 'timed-out',
  EADDRINUSE: 'address-in-use',
  EACCES: 'address-in-use',
};

/** A host error's code (`ECONNREFUSED`), or its name when it has none. */
export function hostErrorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'unknown';
}

/**
 * The kind of a host network error: by its code; an error of a TLS socket before its handshake finished that is no
 * network error is a TLS failure.
 */
export function hostErrorKind(error: unknown, duringHandshake: boolean): NetErrorKind {
  const kind = KINDS[hostErrorCode(error)];
  if (kind !== undefined) return kind;
  return duringHandshake ? 'tls' : 'failed';
}

/** The host's words for an error, bounded so that a failure fits one message. */
export function hostErrorText(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.length > 300 ? `${text.slice(0, 300)}...` : text;
}

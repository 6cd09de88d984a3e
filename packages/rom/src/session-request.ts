import { hasErrorCode } from '@os/kernel';
import { ServiceDenied, SessionArgs, SessionArgsError } from '@os/session';

/**
 * Reads a session request's arguments with `read`; malformed arguments deny the session instead of
 * faulting the server (a server never trusts its clients' arguments).
 */
export function readSessionArgs<T>(service: string, argsText: string, read: (args: SessionArgs) => T): T {
  try {
    return read(SessionArgs.parse(argsText));
  } catch (error) {
    if (hasErrorCode<SessionArgsError>(error, SessionArgsError.code))
      throw new ServiceDenied(`${service}: ${error.message}`);
    throw error;
  }
}

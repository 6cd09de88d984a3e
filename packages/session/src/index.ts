export { SessionArgs, SessionArgsError, SESSION_ARGS_MAX, quoteArg, type SessionArg } from './session-args.js';
export { SessionLabel, LABEL_SEPARATOR } from './session-label.js';
export {
  SessionError,
  ServiceDenied,
  OutOfRam,
  OutOfCaps,
  InsufficientRamQuota,
  InsufficientCapQuota,
  SESSION_ERRORS,
  type SessionErrorKind,
} from './session-error.js';
export { Root } from './root.js';
export { Parent, SessionResult, SessionResponse, type SessionResponseValue } from './parent.js';
export {
  Connection,
  requestSession,
  sessionAtParent,
  SessionRequestError,
  SESSION_REQUEST_ATTEMPTS,
  RAM_UPGRADE_STEP,
  CAP_UPGRADE_STEP,
  LINEAR_UPGRADES,
  type SessionEnv,
  type SessionRequest,
} from './connection.js';

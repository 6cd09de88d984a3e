import { codec, defineInterface, method } from '@os/rpc';
import { OutOfCaps, OutOfRam, SESSION_ERRORS } from './session-error.js';

/** What `upgrade` and `close` answer, as Genode's `Upgrade_result` and `Close_result`. */
export const SessionResult = {
  /** Done. */
  Done: 0,
  /** The server has yet to act; the parent signals the child (`sessionSigh`) once it did. */
  Pending: 1,
} as const;

/**
 * How a server answers a request of its `session_requests` ROM other than with a capability (Genode's
 * `Parent::Session_response`, in its order).
 */
export const SessionResponse = {
  /** The server refuses the session. */
  Denied: 0,
  /** The upgrade was taken. */
  Ok: 1,
  /** The session is closed: what it held is freed, the parent may take the donation back. */
  Closed: 2,
  /** The donated RAM does not cover the session. */
  InsufficientRam: 3,
  /** The donated capabilities do not cover the session. */
  InsufficientCaps: 4,
} as const;

/** One of the {@link SessionResponse} values. */
export type SessionResponseValue = (typeof SessionResponse)[keyof typeof SessionResponse];

/**
 * Genode's `Parent` interface: the one capability a child starts with. Sessions are named by ids the
 * child chooses (Genode's `Parent::Client::Id`). `session` answers with the session capability, or with
 * an invalid one while the request is pending (its server has yet to answer); the parent then submits
 * the context given to `sessionSigh`, and `sessionCap(id)` hands out the capability or throws the
 * request's error. A parent never calls a child server: it lists the requests for the server in the
 * server's `session_requests` ROM, and the server answers each with `deliverSessionCap` or
 * `sessionResponse` under the id the ROM gave it (Genode's `Parent::Server::Id`). `announce` names a
 * service the child serves. The resource, yield and heartbeat methods are Genode's dynamic resource
 * balancing and liveness protocol.
 */
export const Parent = defineInterface('Parent', {
  exit: method([codec.i32], codec.void),
  announce: method([codec.string], codec.void),
  session: method([codec.u32, codec.string, codec.string], codec.capability(), {
    throws: SESSION_ERRORS,
  }),
  sessionSigh: method([codec.capability()], codec.void),
  sessionCap: method([codec.u32], codec.capability(), { throws: SESSION_ERRORS }),
  upgrade: method([codec.u32, codec.string], codec.u8, { throws: [OutOfRam, OutOfCaps] }),
  close: method([codec.u32], codec.u8),
  sessionResponse: method([codec.u32, codec.u8, codec.string], codec.void),
  deliverSessionCap: method([codec.u32, codec.capability()], codec.void),
  resourceAvailSigh: method([codec.capability()], codec.void),
  resourceRequest: method([codec.string], codec.void),
  yieldSigh: method([codec.capability()], codec.void),
  yieldRequest: method([], codec.string),
  yieldResponse: method([], codec.void),
  heartbeatSigh: method([codec.capability()], codec.void),
  heartbeatResponse: method([], codec.void),
});

import { codec, defineInterface, method } from '@os/rpc';
import { OutOfCaps, OutOfRam, SESSION_ERRORS } from './session-error.js';

/** What `upgrade` and `close` answer, as Genode's `Upgrade_result` and `Close_result`. */
export const SessionResult = {
  /** Done. */
  Done: 0,
  /** The server has yet to act; the parent finishes it later. */
  Pending: 1,
} as const;

/**
 * Genode's `Parent` interface: the one capability a child starts with. Sessions are named by ids the
 * child chooses (Genode's `Parent::Client::Id`). `session` answers with the session capability, or with
 * an invalid one while the request is pending (its server has yet to appear); the parent then submits
 * the context given to `sessionSigh`, and `sessionCap(id)` hands out the capability or throws the
 * request's error. The parent's entrypoint never waits on a server. The resource, yield and heartbeat
 * methods are Genode's dynamic resource balancing and liveness protocol.
 */
export const Parent = defineInterface('Parent', {
  exit: method([codec.i32], codec.void),
  announce: method([codec.string, codec.capability()], codec.void),
  session: method([codec.u32, codec.string, codec.string], codec.capability(), {
    throws: SESSION_ERRORS,
  }),
  sessionSigh: method([codec.capability()], codec.void),
  sessionCap: method([codec.u32], codec.capability(), { throws: SESSION_ERRORS }),
  upgrade: method([codec.u32, codec.string], codec.u8, { throws: [OutOfRam, OutOfCaps] }),
  close: method([codec.u32], codec.u8),
  resourceAvailSigh: method([codec.capability()], codec.void),
  resourceRequest: method([codec.string], codec.void),
  yieldSigh: method([codec.capability()], codec.void),
  yieldRequest: method([], codec.string),
  yieldResponse: method([], codec.void),
  heartbeatSigh: method([codec.capability()], codec.void),
  heartbeatResponse: method([], codec.void),
});

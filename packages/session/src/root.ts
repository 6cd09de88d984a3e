import { codec, defineInterface, method } from '@os/rpc';
import { InsufficientCapQuota, InsufficientRamQuota, OutOfCaps, OutOfRam, ServiceDenied } from './session-error.js';

/**
 * Genode's `Root` interface: how a parent asks a server for sessions. `session` gets the session
 * arguments (with the label as the parent chain wrote it, and the quota donated for it) and returns
 * the session capability; `upgrade` adds donated quota; `close` ends the session and returns its
 * donation.
 */
export const Root = defineInterface('Root', {
  session: method([codec.string], codec.capability(), {
    throws: [ServiceDenied, InsufficientRamQuota, InsufficientCapQuota],
  }),
  upgrade: method([codec.capability(), codec.string], codec.void, { throws: [OutOfRam, OutOfCaps] }),
  close: method([codec.capability()], codec.void),
});

import { RpcException, codec, defineInterface, method } from '@os/rpc';
import { OutOfCaps, OutOfRam } from '@os/session';

/** Genode's LOG session: one line of text per call, printed as `[label] text` with the session's label. */
export const Log = defineInterface('Log', {
  write: method([codec.string], codec.void),
});

/**
 * Genode's ROM session: a read-only module as a dataspace. `dataspace` hands out the current version;
 * `sigh` registers a signal handler told about new versions.
 */
export const Rom = defineInterface('Rom', {
  dataspace: method([], codec.capability()),
  sigh: method([codec.capability()], codec.void),
});

/** core refused to start a component: the binary cannot be resolved, or the PD already runs one. */
export class StartFailed extends RpcException {}

/**
 * core's PD session: a protection domain with the quota donated for the session. Its holder (the
 * child's parent) starts a component in it, moves quota between PDs it holds, and reads the PD's use.
 */
export const Pd = defineInterface('Pd', {
  start: method([codec.string, codec.string, codec.capability()], codec.void, { throws: [StartFailed] }),
  transferQuota: method([codec.capability(), codec.f64, codec.f64], codec.void, { throws: [OutOfRam, OutOfCaps] }),
  quota: method([], codec.record({ ramLimit: codec.f64, ramUsed: codec.f64, capLimit: codec.f64, capUsed: codec.f64 })),
});

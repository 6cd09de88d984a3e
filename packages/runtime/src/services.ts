import { RpcException, codec, defineInterface, method } from '@os/rpc';
import { OutOfCaps, OutOfRam } from '@os/session';

/** Genode's LOG session: one line of text per call, printed as `[label] text` with the session's label. */
export const Log = defineInterface('Log', {
  write: method([codec.string], codec.void),
});

/**
 * Genode's ROM session: a read-only module as a dataspace. `dataspace` hands out the current version;
 * `update` answers whether the dataspace the client holds already is the current version (if not, it
 * asks for `dataspace` again); `sigh` registers a signal handler told about new versions.
 */
export const Rom = defineInterface('Rom', {
  dataspace: method([], codec.capability()),
  update: method([], codec.bool),
  sigh: method([codec.capability()], codec.void),
});

/** A report's length exceeds the session's buffer: open the session with a larger `buffer_size`. */
export class ReportTooLarge extends RpcException {}

/**
 * Genode's Report session: the client writes a report into the session's dataspace and `submit`s its
 * length; the server takes the bytes from there. `responseSigh`/`obtainResponse` carry an answer
 * back (the server writes it into the same dataspace), as Genode's clipboard does.
 */
export const Report = defineInterface('Report', {
  dataspace: method([], codec.capability()),
  submit: method([codec.u32], codec.void, { throws: [ReportTooLarge] }),
  responseSigh: method([codec.capability()], codec.void),
  obtainResponse: method([], codec.u32),
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

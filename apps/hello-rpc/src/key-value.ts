import type { Capability } from '@os/capability';
import { RpcException, codec, defineInterface, method } from '@os/rpc';

/** The key is not in the store. */
export class KeyNotFound extends RpcException {
  override name = 'KeyNotFound';
}

/** A notification target: the store tells it about every change. */
export const Watcher = defineInterface('Watcher', {
  changed: method([codec.string, codec.u32], codec.void),
});

/** A tiny key-value store, declared once for server and client. */
export const KeyValue = defineInterface('KeyValue', {
  put: method([codec.string, codec.string], codec.u32),
  get: method([codec.string], codec.string, { throws: [KeyNotFound] }),
  watch: method([codec.capability<typeof Watcher>()], codec.void),
  dump: method([codec.capability()], codec.u32),
});

/** A capability to a dataspace, as `dump` takes it. */
export type DataspaceCapability = Capability<unknown>;

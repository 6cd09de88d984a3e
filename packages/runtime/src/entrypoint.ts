import type { Capability } from '@os/capability';
import type { KernelThread } from '@os/kernel';
import { RpcEntrypoint, type RpcInterface, type RpcObject, type ServerErrorReport } from '@os/rpc';

/**
 * A component's entrypoint (Genode's `Entrypoint`): its event loop. Calls to the objects it manages
 * and its signal handlers run here one at a time; while one of them awaits, the entrypoint is blocked
 * and the rest queue.
 */
export class Entrypoint {
  /** The kernel thread it runs on. */
  readonly thread: KernelThread;
  /** The RPC dispatcher underneath. */
  readonly rpc: RpcEntrypoint;

  /** Serves on `thread`; undeclared server errors go to `onError`. */
  constructor(thread: KernelThread, onError: (report: ServerErrorReport) => void) {
    this.thread = thread;
    this.rpc = new RpcEntrypoint(thread, { onError });
  }

  /** Makes `object` callable; returns the capability that reaches it. */
  manage<I extends RpcInterface>(object: RpcObject<I>): Capability<I> {
    return this.rpc.manage(object);
  }

  /** Stops serving `object`; every capability to it becomes invalid. */
  dissolve(object: RpcObject): void {
    this.rpc.dissolve(object);
  }
}

import { Capability } from '@os/capability';
import type { Kernel, KernelThread, PdId } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { RpcEntrypoint, type RpcInterface, type ServerErrorReport } from '@os/rpc';

/** A PD with quota and one thread. */
export interface Domain {
  readonly pd: PdId;
  readonly thread: KernelThread;
}

/** Creates a PD with generous quota and a thread named `<label>.ep`. */
export function domain(kernel: Kernel, label: string): Domain {
  const pd = kernel.createPd(label);
  kernel.grantQuota(pd, { ram: 1 << 20, caps: 100 });
  return { pd, thread: kernel.createThread(pd, `${label}.ep`) };
}

/** A kernel with a server PD (its entrypoint recording undeclared errors) and a client PD. */
export function rpcSystem() {
  const kernel = createHwKernel();
  const server = domain(kernel, 'server');
  const client = domain(kernel, 'client');
  const reports: ServerErrorReport[] = [];
  const entrypoint = new RpcEntrypoint(server.thread, { onError: (report) => reports.push(report) });
  /** Hands the client a capability the server holds. */
  function delegate<I extends RpcInterface>(capability: Capability<I>): Capability<I> {
    return new Capability<I>(kernel.delegate(server.pd, capability.selector, client.pd));
  }
  return { kernel, server, client, entrypoint, reports, delegate };
}

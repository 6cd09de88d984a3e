// A hw kernel with a server PD serving one object and a client PD holding a capability to it.
import { Capability } from '@os/capability';
import { createHwKernel } from '@os/kernel-hw';
import { RpcEntrypoint, RpcObject, codec, connect, defineInterface, method } from '@os/rpc';

/** The interface the RPC cases call. */
export const Bench = defineInterface('Bench', {
  nothing: method([], codec.void),
  exchange: method([codec.bytes], codec.bytes),
  pass: method([codec.capability()], codec.u32),
});

class BenchServer extends RpcObject {
  #reply = new Uint8Array(64).fill(7);
  constructor() {
    super(Bench);
  }
  nothing() {}
  exchange(bytes) {
    return this.#reply.length === bytes.length ? this.#reply : bytes;
  }
  pass(capability) {
    return capability.rawSelector;
  }
}

/** Builds the system on kernel `factory` and returns the typed client plus a capability to pass. */
export function rpcBenchSystem(factory = createHwKernel) {
  const kernel = factory();
  const serverPd = kernel.createPd('server');
  const clientPd = kernel.createPd('client');
  kernel.grantQuota(serverPd, { ram: 1 << 20, caps: 16 });
  kernel.grantQuota(clientPd, { ram: 1 << 20, caps: 16 });
  const entrypoint = new RpcEntrypoint(kernel.createThread(serverPd, 'server.ep'));
  const serverCapability = entrypoint.manage(new BenchServer());
  const clientThread = kernel.createThread(clientPd, 'client.ep');
  const capability = new Capability(kernel.delegate(serverPd, serverCapability.selector, clientPd));
  const client = connect(Bench, clientThread, capability);
  const passed = new Capability(clientThread.allocDataspace(4096));
  return { kernel, client, passed };
}

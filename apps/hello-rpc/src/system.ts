import { Capability } from '@os/capability';
import type { Kernel, PdId } from '@os/kernel';
import { createHwKernel } from '@os/kernel-hw';
import { RpcEntrypoint, RpcObject, type ServerOf, connect } from '@os/rpc';
import { KeyNotFound, KeyValue, Watcher } from './key-value.js';
import { StoreServer } from './store-server.js';

/** Writes one LOG line, `[label] text`. */
export type LogLine = (line: string) => void;

/** Creates a PD with quota lent by `core`. */
function createDomain(kernel: Kernel, core: PdId, label: string): PdId {
  const pd = kernel.createPd(label);
  kernel.transferQuota(core, pd, { ram: 64 * 1024, caps: 8 });
  return pd;
}

/**
 * Boots two protection domains on a fresh hw kernel, a key-value server and its client, and runs the
 * client's session: typed calls, a declared exception, a capability passed for a callback, a shared
 * dataspace, and what is left after the server dissolves its object. Returns the two PDs.
 */
export async function runHelloRpc(
  log: LogLine,
  kernel: Kernel = createHwKernel(),
): Promise<{ serverPd: PdId; clientPd: PdId }> {
  const core = kernel.createPd('core');
  kernel.grantQuota(core, { ram: 1 << 20, caps: 64 });
  const serverPd = createDomain(kernel, core, 'store');
  const clientPd = createDomain(kernel, core, 'client');

  const serverThread = kernel.createThread(serverPd, 'store.ep');
  const entrypoint = new RpcEntrypoint(serverThread, {
    onError: (report) => log(`[store] ${report.method} failed: ${String(report.error)}`),
  });
  const store = new StoreServer(serverThread);
  const storeCapability = entrypoint.manage(store);
  log(`[store] serving KeyValue as capability ${storeCapability.selector} in its own space`);

  // The parent (here: this function, in core's role) hands the client a capability to the store.
  const clientThread = kernel.createThread(clientPd, 'client.ep');
  const granted = new Capability<typeof KeyValue>(kernel.delegate(serverPd, storeCapability.selector, clientPd));
  log(`[client] got the store as capability ${granted.selector} in its own space`);
  const keyValue = connect(KeyValue, clientThread, granted);

  log(`[client] put greeting -> ${await keyValue.put('greeting', 'hello')} entries`);
  log(`[client] get greeting -> ${await keyValue.get('greeting')}`);
  try {
    await keyValue.get('missing');
  } catch (error) {
    if (!(error instanceof KeyNotFound)) throw error;
    log(`[client] get missing -> KeyNotFound: ${error.message}`);
  }

  // A watcher object served by a second thread of the client; its capability travels in a call.
  class PrintingWatcher extends RpcObject<typeof Watcher> implements ServerOf<typeof Watcher> {
    constructor() {
      super(Watcher);
    }
    changed(key: string, size: number): void {
      log(`[client] watcher: "${key}" changed, store holds ${size}`);
    }
  }
  const watcherEntrypoint = new RpcEntrypoint(kernel.createThread(clientPd, 'client.watcher'));
  await keyValue.watch(watcherEntrypoint.manage(new PrintingWatcher()));
  await keyValue.put('answer', '42');

  // A dataspace the client allocates (charged to its RAM quota) and the server fills.
  const dataspace = new Capability(clientThread.allocDataspace(256));
  const length = await keyValue.dump(dataspace);
  const text = new TextDecoder().decode(clientThread.attach(dataspace.selector).subarray(0, length));
  log(`[client] dump -> ${text} (${kernel.quota(clientPd).ramUsed} bytes of RAM quota in use)`);

  entrypoint.dissolve(store);
  try {
    await keyValue.get('greeting');
  } catch (error) {
    log(`[client] after dissolve -> ${(error as Error).name}`);
  }
  return { serverPd, clientPd };
}

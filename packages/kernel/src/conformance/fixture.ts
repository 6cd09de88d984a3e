import type { Kernel, KernelThread, PdId, Selector } from '../kernel.js';
import type { Message } from '../message.js';

/** A PD with one thread and some quota, as the conformance cases use them. */
export interface TestDomain {
  readonly pd: PdId;
  readonly thread: KernelThread;
}

/** Creates a PD named `label` with `ram` bytes and `caps` capabilities of quota, and a thread `label.ep`. */
export function domain(kernel: Kernel, label: string, ram = 1 << 20, caps = 64): TestDomain {
  const pd = kernel.createPd(label);
  kernel.grantQuota(pd, { ram, caps });
  return { pd, thread: kernel.createThread(pd, `${label}.ep`) };
}

/** Writes a 32-bit value as the whole message. */
export function writeWord(message: Message, value: number): void {
  message.view.setUint32(0, value, true);
  message.length = 4;
  message.capCount = 0;
}

/** Reads the 32-bit value a message starts with. */
export function readWord(message: Message): number {
  return message.view.getUint32(0, true);
}

/** A server whose objects answer with the request's first word plus one, synchronously. */
export function incrementServer(kernel: Kernel, label = 'server'): TestDomain & { object: Selector } {
  const server = domain(kernel, label);
  server.thread.serve({
    onCall(_object, request) {
      writeWord(request, readWord(request) + 1);
    },
    onSignal() {},
  });
  return { ...server, object: server.thread.createRpcObject() };
}

/** Calls `object` from `thread` with one word and returns the reply's first word. */
export async function callWord(thread: KernelThread, object: Selector, value: number): Promise<number> {
  writeWord(thread.utcb, value);
  const reply = await thread.call(object);
  return readWord(reply);
}

/** A promise with its resolve function, for handlers that wait on the test. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

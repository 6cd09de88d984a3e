import { Capability } from '@os/capability';
import {
  CallAbortedError,
  InvalidCapabilityError,
  type Kernel,
  type KernelThread,
  type PdId,
  ThreadStateError,
} from '@os/kernel';
import {
  RpcEncodeError,
  RpcEntrypoint,
  RpcException,
  RpcObject,
  codec,
  connect,
  defineInterface,
  method,
} from '@os/rpc';
import { KERNELS } from '@os/test-kernels';
import { describe, expect, it } from 'vitest';

class Refused extends RpcException {
  override name = 'Refused';
}

const Store = defineInterface('Store', {
  put: method([codec.string, codec.bytes], codec.u32),
  held: method([codec.u32], codec.u32, { throws: [Refused] }),
  size: method([], codec.u32),
});

const Echo = defineInterface('Echo', { echo: method([codec.string], codec.string) });

/** A gate the test opens to let held calls go on. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** A store whose `held` calls wait for `release`; it records every request in the order it was served. */
class StoreServer extends RpcObject<typeof Store> {
  readonly served: string[] = [];
  readonly release = gate();
  #bytes = 0;
  constructor() {
    super(Store);
  }
  put(name: string, bytes: Uint8Array) {
    this.served.push(`put ${name} ${Array.from(bytes).join('.')}`);
    this.#bytes += bytes.length;
    return this.#bytes;
  }
  async held(value: number) {
    this.served.push(`held ${value}`);
    await this.release.promise;
    if (value === 0) throw new Refused('zero is refused');
    return value * 10;
  }
  size() {
    this.served.push('size');
    return this.#bytes;
  }
}

class EchoServer extends RpcObject<typeof Echo> {
  readonly served: string[] = [];
  constructor() {
    super(Echo);
  }
  echo(text: string) {
    this.served.push(text);
    return text;
  }
}

function pd(kernel: Kernel, label: string): PdId {
  const id = kernel.createPd(label);
  kernel.grantQuota(id, { ram: 1 << 20, caps: 64 });
  return id;
}

/** A store and an echo server in PDs of their own, and a client PD whose one thread holds a client of each. */
function system(factory: () => Kernel) {
  const kernel = factory();
  const storePd = pd(kernel, 'store');
  const echoPd = pd(kernel, 'echo');
  const clientPd = pd(kernel, 'client');
  const storeServer = new StoreServer();
  const echoServer = new EchoServer();
  const storeCap = new RpcEntrypoint(kernel.createThread(storePd, 'store.ep')).manage(storeServer);
  const echoCap = new RpcEntrypoint(kernel.createThread(echoPd, 'echo.ep')).manage(echoServer);
  const thread = kernel.createThread(clientPd, 'client.ep');
  const clientOf = (on: KernelThread) => ({
    store: connect(Store, on, new Capability<typeof Store>(kernel.delegate(storePd, storeCap.selector, clientPd))),
    echo: connect(Echo, on, new Capability<typeof Echo>(kernel.delegate(echoPd, echoCap.selector, clientPd))),
  });
  return { kernel, storeServer, echoServer, storePd, thread, clientPd, clientOf, ...clientOf(thread) };
}

describe.each(KERNELS)('calls from one thread take turns ($name)', ({ factory }) => {
  it('overlapping calls of one client all succeed, served one at a time in the order they were made', async () => {
    const { kernel, store, storeServer } = system(factory);
    const calls = Promise.all([store.held(1), store.held(2), store.size(), store.held(3)]);
    await kernel.settle();
    expect(storeServer.served).toEqual(['held 1']);
    storeServer.release.open();
    expect(await calls).toEqual([10, 20, 0, 30]);
    expect(storeServer.served).toEqual(['held 1', 'held 2', 'size', 'held 3']);
  });

  it('calls of two clients on one thread take turns too: the second waits for the first reply', async () => {
    const { kernel, store, echo, storeServer, echoServer } = system(factory);
    const held = store.held(4);
    const echoed = echo.echo('after');
    await kernel.settle();
    expect(echoServer.served).toEqual([]);
    storeServer.release.open();
    expect(await Promise.all([held, echoed])).toEqual([40, 'after']);
    expect(echoServer.served).toEqual(['after']);
  });

  it('a waiting call carries its arguments as they were when it was made', async () => {
    const { kernel, store, storeServer } = system(factory);
    const bytes = new Uint8Array([1, 2, 3]);
    const held = store.held(5);
    const put = store.put('a', bytes);
    bytes.fill(9);
    await kernel.settle();
    storeServer.release.open();
    expect(await Promise.all([held, put])).toEqual([50, 3]);
    expect(storeServer.served).toEqual(['held 5', 'put a 1.2.3']);
  });

  it('a call that fails (declared exception, bad argument, kernel refusal) hands the turn on', async () => {
    const { kernel, store, echo, storeServer, thread } = system(factory);
    const outcome = (promise: Promise<unknown>) => promise.then(String, (error: unknown) => error);
    const refused = outcome(store.held(0));
    const badArgument = outcome(store.put('b', 'not bytes' as unknown as Uint8Array));
    const noObject = outcome(connect(Echo, thread, new Capability<typeof Echo>(12345)).echo('nowhere'));
    const last = echo.echo('still served');
    await kernel.settle();
    storeServer.release.open();
    expect(await refused).toBeInstanceOf(Refused);
    expect(await badArgument).toBeInstanceOf(RpcEncodeError);
    expect(await noObject).toBeInstanceOf(InvalidCapabilityError);
    expect(await last).toBe('still served');
    expect(await store.size()).toBe(0);
  });

  it('a call aborted by its server going away hands the turn on to the waiting ones', async () => {
    const { kernel, store, echo, storePd } = system(factory);
    const held = store.held(6);
    const waiting = [store.size(), echo.echo('next')];
    await kernel.settle();
    kernel.destroyPd(storePd);
    await expect(held).rejects.toBeInstanceOf(CallAbortedError);
    // its object is gone by the time it goes: the kernel refuses the selector
    await expect(waiting[0]).rejects.toBeInstanceOf(InvalidCapabilityError);
    expect(await waiting[1]).toBe('next');
  });

  it('calls from different threads do not wait for each other', async () => {
    const { kernel, store, storeServer, clientPd, clientOf } = system(factory);
    const other = clientOf(kernel.createThread(clientPd, 'client.other'));
    const held = store.held(7);
    await kernel.settle();
    expect(await other.echo.echo('meanwhile')).toBe('meanwhile');
    storeServer.release.open();
    expect(await held).toBe(70);
  });

  it('the thread itself still refuses an overlapping raw call: the turns are the clients', async () => {
    const { kernel, store, storeServer, thread } = system(factory);
    const held = store.held(8);
    await kernel.settle();
    expect(() => thread.call(1)).toThrow(ThreadStateError);
    storeServer.release.open();
    expect(await held).toBe(80);
  });
});

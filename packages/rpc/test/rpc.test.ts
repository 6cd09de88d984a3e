import { Capability } from '@os/capability';
import { DeadlockError, InvalidCapabilityError } from '@os/kernel';
import {
  RpcEncodeError,
  RpcEntrypoint,
  RpcException,
  RpcInterfaceError,
  RpcObject,
  RpcServerError,
  type RpcValue,
  type ServerOf,
  codec,
  connect,
  defineInterface,
  method,
} from '@os/rpc';
import { describe, expect, it } from 'vitest';
import { domain, rpcSystem } from './fixture.js';

class DivisionByZero extends RpcException {
  override name = 'DivisionByZero';
}

const Calculator = defineInterface('Calculator', {
  add: method([codec.i32, codec.i32], codec.i32),
  divide: method([codec.i32, codec.i32], codec.i32, { throws: [DivisionByZero] }),
  describe: method(
    [codec.record({ name: codec.string, tags: codec.array(codec.string), weight: codec.optional(codec.f64) })],
    codec.string,
  ),
  big: method([codec.bigint, codec.u64], codec.bigint),
  reverse: method([codec.bytes], codec.bytes),
  echo: method([codec.value], codec.value),
  slowDouble: method([codec.u32], codec.u32),
  crash: method([], codec.void),
  badResult: method([], codec.u8),
  three: method([codec.u8, codec.u8, codec.u8], codec.tuple(codec.u8, codec.string)),
});

class CalculatorServer extends RpcObject<typeof Calculator> implements ServerOf<typeof Calculator> {
  calls = 0;
  order: string[] = [];
  constructor() {
    super(Calculator);
  }
  add(a: number, b: number) {
    this.calls++;
    return a + b;
  }
  divide(a: number, b: number) {
    this.calls++;
    if (b === 0) throw new DivisionByZero(`cannot divide ${a} by zero`);
    return Math.trunc(a / b);
  }
  describe(item: { name: string; tags: string[]; weight: number | undefined }) {
    this.calls++;
    return `${item.name} [${item.tags.join(',')}] ${item.weight ?? 'weightless'}`;
  }
  big(a: bigint, b: bigint) {
    this.calls++;
    return a * b;
  }
  reverse(bytes: Uint8Array) {
    this.calls++;
    return bytes.slice().reverse();
  }
  echo(value: RpcValue) {
    this.calls++;
    return value;
  }
  async slowDouble(value: number) {
    this.order.push(`start ${value}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
    this.order.push(`end ${value}`);
    return value * 2;
  }
  crash(): void {
    this.calls++;
    throw new TypeError('internal invariant broken');
  }
  badResult() {
    return 300;
  }
  three(a: number, b: number, c: number): [number, string] {
    return [a + b + c, `${a}-${b}-${c}`];
  }
}

function calculatorSystem() {
  const system = rpcSystem();
  const implementation = new CalculatorServer();
  const serverCapability = system.entrypoint.manage(implementation);
  const capability = system.delegate(serverCapability);
  const calculator = connect(Calculator, system.client.thread, capability);
  return { ...system, implementation, serverCapability, calculator, capability };
}

describe('typed calls', () => {
  it('carries every declared type there and back', async () => {
    const { calculator } = calculatorSystem();
    expect(await calculator.add(2, -5)).toBe(-3);
    expect(await calculator.describe({ name: 'box', tags: ['a', 'ü'], weight: undefined })).toBe(
      'box [a,ü] weightless',
    );
    expect(await calculator.describe({ name: 'b', tags: [], weight: 1.5 })).toBe('b [] 1.5');
    expect(await calculator.big(-(2n ** 100n), 3n)).toBe(-(2n ** 100n) * 3n);
    expect(Array.from(await calculator.reverse(Uint8Array.from([1, 2, 3])))).toEqual([3, 2, 1]);
    expect(await calculator.three(1, 2, 3)).toEqual([6, '1-2-3']);
    expect(
      await calculator.echo({ list: [1, 2.5, null, true, 'x', 10n, undefined], nested: { deep: new Uint8Array([7]) } }),
    ).toEqual({
      list: [1, 2.5, null, true, 'x', 10n, undefined],
      nested: { deep: new Uint8Array([7]) },
    });
  });

  it('a declared exception arrives as the same class with its message', async () => {
    const { calculator } = calculatorSystem();
    const error = await calculator.divide(1, 0).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DivisionByZero);
    expect((error as Error).message).toBe('cannot divide 1 by zero');
    expect(await calculator.divide(9, 2)).toBe(4);
  });

  it('an undeclared throw is reported at the server, the client gets RpcServerError, and serving goes on', async () => {
    const { calculator, reports } = calculatorSystem();
    await expect(calculator.crash()).rejects.toBeInstanceOf(RpcServerError);
    expect(reports).toHaveLength(1);
    expect(reports[0]?.method).toBe('Calculator.crash');
    expect(String(reports[0]?.error)).toContain('internal invariant broken');
    await expect(calculator.badResult()).rejects.toThrow(RpcServerError);
    expect(reports[1]?.error).toBeInstanceOf(RpcEncodeError);
    expect(await calculator.add(1, 1)).toBe(2);
  });

  it('an async method blocks its entrypoint: overlapping calls are served one after the other', async () => {
    const system = calculatorSystem();
    const other = domain(system.kernel, 'other');
    const otherCalculator = connect(
      Calculator,
      other.thread,
      new Capability(system.kernel.delegate(system.server.pd, system.serverCapability.selector, other.pd)),
    );
    const results = await Promise.all([system.calculator.slowDouble(1), otherCalculator.slowDouble(2)]);
    expect(results).toEqual([2, 4]);
    expect(system.implementation.order).toEqual(['start 1', 'end 1', 'start 2', 'end 2']);
  });
});

describe('capabilities as arguments', () => {
  const Callback = defineInterface('Callback', { notify: method([codec.string], codec.u32) });
  const Registry = defineInterface('Registry', {
    register: method([codec.capability<typeof Callback>(), codec.string], codec.u32),
  });

  class Listener extends RpcObject<typeof Callback> implements ServerOf<typeof Callback> {
    heard: string[] = [];
    constructor() {
      super(Callback);
    }
    notify(text: string) {
      this.heard.push(text);
      return this.heard.length;
    }
  }

  class RegistryServer extends RpcObject<typeof Registry> implements ServerOf<typeof Registry> {
    constructor(private readonly thread: import('@os/kernel').KernelThread) {
      super(Registry);
    }
    async register(callback: Capability<typeof Callback>, text: string) {
      return connect(Callback, this.thread, callback).notify(text);
    }
  }

  it('a capability passed in a call can be invoked by the server', async () => {
    const system = rpcSystem();
    const registry = connect(
      Registry,
      system.client.thread,
      system.delegate(system.entrypoint.manage(new RegistryServer(system.server.thread))),
    );
    const listenerThread = system.kernel.createThread(system.client.pd, 'client.listener');
    const listener = new Listener();
    const callback = new RpcEntrypoint(listenerThread).manage(listener);
    expect(await registry.register(callback, 'hello')).toBe(1);
    expect(listener.heard).toEqual(['hello']);
  });

  it('calling back into the entrypoint that is waiting for the reply is a deadlock error', async () => {
    const system = rpcSystem();
    const registry = connect(
      Registry,
      system.client.thread,
      system.delegate(system.entrypoint.manage(new RegistryServer(system.server.thread))),
    );
    const listener = new Listener();
    const callback = new RpcEntrypoint(system.client.thread, { onError: () => undefined }).manage(listener);
    const failure = await registry.register(callback, 'hello').catch((caught: unknown) => caught);
    expect(failure).toBeInstanceOf(RpcServerError);
    expect(system.reports[0]?.error).toBeInstanceOf(DeadlockError);
    expect((system.reports[0]?.error as DeadlockError | undefined)?.cycle).toEqual([
      'server.ep',
      'client.ep',
      'server.ep',
    ]);
    expect(listener.heard).toEqual([]);
  });

  it('a dissolved object is unreachable through every capability to it', async () => {
    const { calculator, entrypoint, implementation } = calculatorSystem();
    entrypoint.dissolve(implementation);
    await expect(calculator.add(1, 2)).rejects.toBeInstanceOf(InvalidCapabilityError);
  });

  it('a client of the wrong interface gets RpcInterfaceError', async () => {
    const { capability, client } = calculatorSystem();
    const wrong = connect(Callback, client.thread, capability.cast<typeof Callback>());
    await expect(wrong.notify('x')).rejects.toThrow(RpcInterfaceError);
  });

  it('managing an object that lacks a method of its interface is refused', () => {
    const { entrypoint } = rpcSystem();
    class Partial extends RpcObject<typeof Callback> {
      constructor() {
        super(Callback);
      }
    }
    expect(() => entrypoint.manage(new Partial())).toThrow(/does not implement Callback.notify/);
  });
});

describe('signal handlers', () => {
  it('runs the handler on the entrypoint with the submit count', async () => {
    const system = rpcSystem();
    const counts: number[] = [];
    const context = system.entrypoint.createSignalHandler((count) => {
      counts.push(count);
    });
    const selector = system.kernel.delegate(system.server.pd, context.selector, system.client.pd);
    system.client.thread.submitSignal(selector, 2);
    system.client.thread.submitSignal(selector);
    await system.kernel.settle();
    expect(counts).toEqual([3]);
    system.entrypoint.dissolveSignalHandler(context);
    expect(() => system.client.thread.submitSignal(selector)).toThrow(InvalidCapabilityError);
  });
});

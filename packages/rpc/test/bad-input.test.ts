import { Capability } from '@os/capability';
import { MAX_CAPS_PER_MESSAGE, type Message } from '@os/kernel';
import {
  RpcBadRequestError,
  RpcDecodeError,
  RpcEncodeError,
  RpcObject,
  ReplyStatus,
  type RpcValue,
  type ServerOf,
  codec,
  connect,
  defineInterface,
  method,
} from '@os/rpc';
import { describe, expect, it } from 'vitest';
import { rpcSystem } from './fixture.js';

const Store = defineInterface('Store', {
  put: method([codec.u32, codec.string], codec.bool),
  keep: method([codec.value], codec.u32),
  flags: method([codec.bool, codec.array(codec.u8)], codec.u32),
  caps: method([codec.array(codec.capability())], codec.u32),
});

class StoreServer extends RpcObject<typeof Store> implements ServerOf<typeof Store> {
  received: unknown[] = [];
  constructor() {
    super(Store);
  }
  put(key: number, text: string) {
    this.received.push([key, text]);
    return true;
  }
  keep(value: RpcValue) {
    this.received.push(value);
    return 1;
  }
  flags(flag: boolean, list: number[]) {
    this.received.push([flag, list]);
    return list.length;
  }
  caps(list: Capability[]) {
    this.received.push(list);
    return list.length;
  }
}

function storeSystem() {
  const system = rpcSystem();
  const implementation = new StoreServer();
  const serverCapability = system.entrypoint.manage(implementation);
  const capability = system.delegate(serverCapability);
  const store = connect(Store, system.client.thread, capability);
  /** Sends raw bytes as a request, as a hostile client would, and returns the reply. */
  async function raw(bytes: number[] | Uint8Array): Promise<Message> {
    system.client.thread.utcb.setPayload(Uint8Array.from(bytes));
    system.client.thread.utcb.capCount = 0;
    return system.client.thread.call(capability.selector);
  }
  function header(opcode: number): number[] {
    const bytes = new Uint8Array(8);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, opcode, true);
    view.setUint32(4, Store.id, true);
    return Array.from(bytes);
  }
  return { ...system, implementation, store, raw, header };
}

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}

describe('arguments that cannot be encoded are refused at the client before anything is sent', () => {
  const cases: [string, (store: ReturnType<typeof storeSystem>['store']) => Promise<unknown>, RegExp][] = [
    [
      'a function',
      (store) => store.keep((() => 1) as unknown as RpcValue),
      /Store.keep\(argument 1\): a function cannot travel/,
    ],
    [
      'a class instance',
      (store) => store.keep(new Point(1, 2) as unknown as RpcValue),
      /an instance of Point cannot travel/,
    ],
    ['a Map', (store) => store.keep(new Map() as unknown as RpcValue), /an instance of Map/],
    [
      'a Date',
      (store) => store.keep({ when: new Date() } as unknown as RpcValue),
      /Store.keep\(argument 1\).when: an instance of Date/,
    ],
    ['a symbol', (store) => store.keep(Symbol('s') as unknown as RpcValue), /symbol cannot travel/],
    ['a negative u32', (store) => store.put(-1, 'x'), /expected u32/],
    ['a fractional u32', (store) => store.put(1.5, 'x'), /expected u32/],
    [
      'a number for a string',
      (store) => store.put(1, 5 as unknown as string),
      /Store.put\(argument 2\): expected a string, got number 5/,
    ],
    [
      'a string for a u8 element',
      (store) => store.flags(true, [1, '2' as unknown as number]),
      /Store.flags\(argument 2\)\[1\]: expected u8/,
    ],
    ['a string too large for the IPC buffer', (store) => store.put(1, 'x'.repeat(5000)), /exceeds the IPC buffer/],
    [
      'a third argument to a method of two (plain JavaScript)',
      (store) => (store.put as (...args: unknown[]) => Promise<unknown>)(1, 'x', 'extra'),
      /^cannot encode Store\.put\(argument 3\): Store\.put takes 2 arguments, got 3$/,
    ],
    [
      'a second argument to a method of one (plain JavaScript)',
      (store) => (store.keep as (...args: unknown[]) => Promise<unknown>)(1, undefined),
      /^cannot encode Store\.keep\(argument 2\): Store\.keep takes 1 argument, got 2$/,
    ],
    [
      'more than four capabilities',
      (store) => store.caps(Array.from({ length: MAX_CAPS_PER_MESSAGE + 1 }, () => Capability.invalid())),
      /at most 4 capabilities/,
    ],
  ];

  for (const [what, send, message] of cases) {
    it(`refuses ${what}`, async () => {
      const { store, implementation } = storeSystem();
      const error = await send(store).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(RpcEncodeError);
      expect((error as Error).message).toMatch(message);
      expect(implementation.received).toEqual([]);
    });
  }

  it('refuses a value that contains a cycle', async () => {
    const { store, implementation } = storeSystem();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    await expect(store.keep(cyclic as RpcValue)).rejects.toThrow(/contains a cycle/);
    expect(implementation.received).toEqual([]);
  });

  it('refuses nesting deeper than the limit', async () => {
    const { store } = storeSystem();
    let deep: RpcValue = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    await expect(store.keep(deep)).rejects.toThrow(/nesting deeper than 32/);
  });

  it('the client works normally after a refused call', async () => {
    const { store } = storeSystem();
    await expect(store.put(-1, 'x')).rejects.toThrow(RpcEncodeError);
    expect(await store.put(1, 'x')).toBe(true);
  });
});

describe('malformed requests get a typed error reply and the server keeps serving', () => {
  function status(reply: Message): number {
    return reply.view.getUint32(0, true);
  }

  it('answers each malformed request with the matching status and never runs a method', async () => {
    const { raw, header, implementation, store } = storeSystem();
    const bad = (reply: Message) => expect(status(reply)).toBe(ReplyStatus.BadRequest);
    bad(await raw([1, 2, 3]));
    const wrongInterface = header(0);
    wrongInterface[4] = (wrongInterface[4] ?? 0) ^ 0xff;
    expect(status(await raw(wrongInterface))).toBe(ReplyStatus.WrongInterface);
    expect(status(await raw(header(99)))).toBe(ReplyStatus.UnknownMethod);
    bad(await raw([...header(0), 1, 0]));
    bad(await raw([...header(0), 1, 0, 0, 0, 200, 0, 0, 0, 65]));
    bad(await raw([...header(0), 1, 0, 0, 0, 1, 0, 0, 0, 65, 99]));
    bad(await raw([...header(0), 1, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0x28]));
    bad(await raw([...header(2), 7, 0, 0, 0, 0]));
    bad(await raw([...header(2), 1, 0xff, 0xff, 0xff, 0xff]));
    bad(await raw([...header(1), 99]));
    bad(await raw([...header(3), 1, 0, 0, 0, 0]));
    expect(implementation.received).toEqual([]);
    expect(await store.put(5, 'fine')).toBe(true);
    expect(implementation.received).toEqual([[5, 'fine']]);
  });

  it('the reply to a malformed request reaches a typed client as RpcBadRequestError naming the problem', async () => {
    const { raw, header } = storeSystem();
    const reply = await raw([...header(0), 1, 0, 0, 0, 200, 0, 0, 0, 65]);
    const { store } = lyingServer(reply.payload());
    const error = await store.put(1, 'x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RpcBadRequestError);
    expect((error as Error).message).toMatch(/Store.put\(argument 2\): truncated/);
  });

  it('decoded records keep __proto__ and constructor as plain own keys', async () => {
    const { raw, header, implementation } = storeSystem();
    const key = [...new TextEncoder().encode('__proto__')];
    const bytes = [...header(1), 10, 2, 0, 0, 0, key.length, 0, 0, 0, ...key, 1];
    const ctor = [...new TextEncoder().encode('constructor')];
    bytes.push(ctor.length, 0, 0, 0, ...ctor, 7, 1, 0, 0, 0, 0x78);
    const reply = await raw(bytes);
    expect(status(reply)).toBe(ReplyStatus.Ok);
    const received = implementation.received[0] as Record<string, unknown>;
    expect(Object.getPrototypeOf(received)).toBe(Object.prototype);
    expect(Object.hasOwn(received, '__proto__')).toBe(true);
    expect(received['constructor']).toBe('x');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('a record key sent twice is refused', async () => {
    const { raw, header, implementation } = storeSystem();
    const reply = await raw([...header(1), 10, 2, 0, 0, 0, 1, 0, 0, 0, 0x61, 0, 1, 0, 0, 0, 0x61, 0]);
    expect(status(reply)).toBe(ReplyStatus.BadRequest);
    expect(implementation.received).toEqual([]);
  });

  it('a capability slot index beyond the carried caps is refused', async () => {
    const { raw, header, implementation } = storeSystem();
    const reply = await raw([...header(3), 1, 0, 0, 0, 3]);
    expect(status(reply)).toBe(ReplyStatus.BadRequest);
    expect(implementation.received).toEqual([]);
  });

  it('a reply with trailing, missing or unknown bytes is a decode error at the client', async () => {
    await expect(lyingServer([0, 0, 0, 0, 1, 9]).store.put(1, 'x')).rejects.toThrow(/1 bytes after the result/);
    await expect(lyingServer([0, 0]).store.put(1, 'x')).rejects.toThrow(RpcDecodeError);
    await expect(lyingServer([0, 0, 0, 0]).store.put(1, 'x')).rejects.toThrow(/truncated/);
    await expect(lyingServer([0, 0, 0, 0, 2]).store.put(1, 'x')).rejects.toThrow(/a boolean is 0 or 1, got 2/);
    await expect(lyingServer([77, 0, 0, 0]).store.put(1, 'x')).rejects.toThrow(/unknown reply status 77/);
    await expect(lyingServer([1, 0, 0, 0, 5, 0, 0, 0, 0, 0]).store.put(1, 'x')).rejects.toThrow(
      /exception 5 is not declared/,
    );
  });
});

/** A server that answers every call with `bytes`, whatever was asked: a hostile or broken server. */
function lyingServer(bytes: number[] | Uint8Array) {
  const system = rpcSystem();
  const thread = system.kernel.createThread(system.server.pd, 'liar.ep');
  thread.serve({
    onCall(_object, request) {
      request.setPayload(Uint8Array.from(bytes));
      request.capCount = 0;
    },
    onSignal() {},
  });
  const selector = system.kernel.delegate(system.server.pd, thread.createRpcObject(), system.client.pd);
  return { store: connect(Store, system.client.thread, new Capability<typeof Store>(selector)) };
}

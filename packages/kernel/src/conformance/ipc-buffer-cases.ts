import { MessageTooLargeError, ServerFaultError, TooManyCapabilitiesError } from '../errors.js';
import type { EntrypointHandler, Kernel, KernelThread, Selector } from '../kernel.js';
import { check, equal, equalList, rejects, throws } from './assert.js';
import { callWord, domain, gate, incrementServer, readWord, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

/**
 * What `harden` of SES does to an object graph, without SES: freezes the object, its own property values and accessors,
 * and its prototypes up to `Object.prototype`.
 */
function harden(root: object): void {
  const seen = new Set<unknown>();
  const walk = (value: unknown): void => {
    if (
      (typeof value !== 'object' && typeof value !== 'function') ||
      value === null ||
      seen.has(value) ||
      value === Object.prototype ||
      value === Function.prototype
    )
      return;
    seen.add(value);
    Object.freeze(value);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key) as PropertyDescriptor;
      walk(descriptor.value);
      walk(descriptor.get);
      walk(descriptor.set);
    }
    walk(Object.getPrototypeOf(value));
  };
  walk(root);
}

/** Every field of a message, as a component would try to shadow it. */
const FIELDS = ['length', 'capCount', 'freshCaps', 'bytes', 'view', 'words', 'caps'] as const;

/** The forms of a handler result that are neither nothing nor a promise, each made fresh. */
const BAD_RESULTS: readonly [string, () => unknown][] = [
  ['the number 42', () => 42],
  [
    'an object whose then throws',
    () => ({
      then: () => {
        throw new Error('then');
      },
    }),
  ],
  [
    'a proxy whose every trap throws',
    () =>
      new Proxy(
        {},
        {
          get: () => {
            throw new Error('trap');
          },
          getPrototypeOf: () => {
            throw new Error('trap');
          },
          getOwnPropertyDescriptor: () => {
            throw new Error('trap');
          },
        },
      ),
  ],
  ['a proxy passing for a promise', () => new Proxy(Promise.resolve(), {})],
  ['a thenable that never calls back', () => ({ then: () => undefined })],
  ['a thenable that fulfils', () => ({ then: (resolve: () => void) => resolve() })],
  ['a promise of a subclass', () => new (class Sub extends Promise<void> {})((resolve) => resolve())],
  [
    'a promise with an own constructor',
    () =>
      Object.defineProperty(Promise.resolve(), 'constructor', {
        get: () => {
          throw new Error('constructor');
        },
      }),
  ],
  ['a function', () => () => undefined],
  ['null', () => null],
];

/** A server whose handler returns `BAD_RESULTS[word]` for a request of `word`, and answers 1000 + word otherwise. */
function misbehavingServer(kernel: Kernel, label = 'server') {
  const server = domain(kernel, label);
  const handler: EntrypointHandler = {
    onCall(_object, request) {
      const word = readWord(request);
      const bad = BAD_RESULTS[word];
      if (bad !== undefined) return bad[1]() as void;
      writeWord(request, 1000 + word);
    },
    onSignal() {},
  };
  server.thread.serve(handler);
  return { ...server, object: server.thread.createRpcObject() };
}

/** A client of `object` of `server`'s PD. */
function clientOf(
  kernel: Kernel,
  server: { pd: number },
  object: Selector,
  label: string,
): { thread: KernelThread; pd: number; target: Selector } {
  const client = domain(kernel, label);
  return { ...client, target: kernel.delegate(server.pd, object, client.pd) };
}

/**
 * A component owns its IPC buffer and may do anything to it; the kernel reads only what its holder
 * wrote through the buffer's own accessors, each field once, and runs no code of the holder's.
 */
export const ipcBufferCases: ConformanceCase[] = [
  {
    name:
      'no field of a utcb can be shadowed, swapped or replaced: defineProperty, setPrototypeOf and assignment ' +
      'to a read-only field fail',
    async run(kernel) {
      const server = incrementServer(kernel);
      const client = domain(kernel, 'client');
      const target = kernel.delegate(server.pd, server.object, client.pd);
      for (const thread of [client.thread, server.thread]) {
        const utcb = thread.utcb;
        check(!Object.isExtensible(utcb), 'the utcb is non-extensible');
        equal(Reflect.ownKeys(utcb).length, 0, 'own properties of the utcb');
        for (const field of FIELDS) {
          throws(
            () => Object.defineProperty(utcb, field, { get: () => 4, configurable: true }),
            TypeError,
            `a getter over ${field}`,
          );
          throws(() => Object.defineProperty(utcb, field, { value: 4 }), TypeError, `a value over ${field}`);
        }
        throws(() => Object.setPrototypeOf(utcb, {}), TypeError, 'a new prototype');
        for (const field of ['bytes', 'view', 'words', 'caps'] as const) {
          throws(
            () => ((utcb as unknown as Record<string, unknown>)[field] = new Proxy([], {})),
            TypeError,
            `assigning ${field}`,
          );
        }
        throws(() => Object.defineProperty(utcb.caps, 0, { get: () => 1 }), TypeError, 'a getter on a cap slot');
      }
      equal(await callWord(client.thread, target, 41), 42, 'the kernel copies what the setters wrote');
    },
  },
  {
    name:
      'a frozen or hardened utcb changes nothing the kernel relies on: a direct call, a queued request and a ' +
      'late reply arrive intact',
    async run(kernel) {
      const server = domain(kernel, 'server');
      const hold = gate();
      const seen: { word: number; caps: number[] }[] = [];
      server.thread.serve({
        onCall(_object, request) {
          const word = readWord(request);
          seen.push({ word, caps: request.capList() });
          if (word === 1) {
            return hold.promise.then(() => {
              writeWord(server.thread.utcb, 101);
              server.thread.reply();
            });
          }
          writeWord(request, word + 100);
          request.setCaps([]);
        },
        onSignal() {},
      });
      const object = server.thread.createRpcObject();
      const first = clientOf(kernel, server, object, 'first');
      const second = clientOf(kernel, server, object, 'second');
      const carried = second.thread.createRpcObject();
      // freezing a server's utcb before a direct request
      Object.freeze(server.thread.utcb);
      Object.freeze(first.thread.utcb);
      equal(await callWord(first.thread, first.target, 7), 107, 'direct call through frozen buffers');
      // the server suspends in the first request; the second queues behind it and its reply comes late
      const firstReply = callWord(first.thread, first.target, 1);
      writeWord(second.thread.utcb, 2);
      second.thread.utcb.setCaps([carried]);
      const queued = second.thread.call(second.target);
      check(queued instanceof Promise, 'the second call waits');
      harden(server.thread.utcb);
      harden(second.thread.utcb);
      harden(first.thread.utcb);
      hold.open();
      equal(await firstReply, 101, 'late reply into a hardened caller');
      const reply = await queued;
      equal(readWord(reply), 102, 'the queued request was served and its reply arrived');
      equal(reply.capCount, 0, 'the reply carries no capability');
      equal(seen.length, 3, 'requests served');
      equal(seen[2]?.word, 2, 'the queued request arrived intact');
      equal(seen[2]?.caps.length, 1, 'with its capability');
      check(server.thread.valid(seen[2]?.caps[0] as number), 'the carried capability is valid in the hardened server');
      // the buffers stay usable
      writeWord(second.thread.utcb, 3);
      second.thread.utcb.setCaps([]);
      equal(readWord(await second.thread.call(second.target)), 103, 'a hardened client calls again');
    },
  },
  {
    name:
      'a fractional capability count or length written through the setters is refused by the kernel; nothing ' +
      'reaches the server',
    async run(kernel) {
      let served = 0;
      const server = domain(kernel, 'server');
      server.thread.serve({
        onCall(_object, request) {
          served++;
          writeWord(request, 0);
        },
        onSignal() {},
      });
      const client = clientOf(kernel, server, server.thread.createRpcObject(), 'client');
      const carried = client.thread.createRpcObject();
      const utcb = client.thread.utcb;
      const before = kernel.capSpace(server.pd);
      for (const count of [3.5, 4.5, -0.5, Number.NaN]) {
        writeWord(utcb, 0);
        utcb.setCaps([carried, carried, carried, carried]);
        utcb.capCount = count;
        await rejects(() => client.thread.call(client.target), TooManyCapabilitiesError, `capCount ${count}`);
      }
      for (const length of [7.5, 0.5, -1, Number.NaN]) {
        writeWord(utcb, 0);
        utcb.length = length;
        await rejects(() => client.thread.call(client.target), MessageTooLargeError, `length ${length}`);
      }
      equal(served, 0, 'the server ran nothing');
      equalList(
        kernel.capSpace(server.pd).map((entry) => entry.selector),
        before.map((entry) => entry.selector),
        'server capability space',
      );
    },
  },
  {
    name:
      'a malformed reply is the server fault: the caller gets ServerFaultError, an explicit reply() throws the ' +
      'typed error and the call can still be answered',
    async run(kernel) {
      const server = domain(kernel, 'server');
      server.thread.serve({
        onCall(_object, request) {
          const word = readWord(request);
          if (word === 1) request.length = 7.5;
          else if (word === 2) request.capCount = 3.5;
          else if (word === 3) request.length = request.capacity + 1;
          else if (word === 4) {
            return Promise.resolve().then(() => {
              const utcb = server.thread.utcb;
              utcb.capCount = 2.5;
              throws(() => server.thread.reply(), TooManyCapabilitiesError, 'explicit reply with capCount 2.5');
              utcb.length = -1;
              utcb.capCount = 0;
              throws(() => server.thread.reply(), MessageTooLargeError, 'explicit reply with length -1');
              writeWord(utcb, 44);
              server.thread.reply();
            });
          } else writeWord(request, word + 10);
        },
        onSignal() {},
      });
      const client = clientOf(kernel, server, server.thread.createRpcObject(), 'client');
      for (const word of [1, 2, 3]) {
        const error = await rejects(
          () => callWord(client.thread, client.target, word),
          ServerFaultError,
          `reply ${word}`,
        );
        equal(error.server, 'server.ep', 'the fault names the server');
      }
      equal(await callWord(client.thread, client.target, 4), 44, 'answered after two refused replies');
      equal(await callWord(client.thread, client.target, 5), 15, 'the server goes on serving');
    },
  },
  {
    name:
      'a raw handler returning neither nothing nor a promise faults the call (directly or queued); the server ' +
      'and every other PD go on',
    async run(kernel) {
      const server = misbehavingServer(kernel);
      const client = clientOf(kernel, server, server.object, 'client');
      const bystander = incrementServer(kernel, 'bystander-server');
      const bystanderClient = clientOf(kernel, bystander, bystander.object, 'bystander');
      for (let word = 0; word < BAD_RESULTS.length; word++) {
        const what = (BAD_RESULTS[word] as [string, () => unknown])[0];
        const error = await rejects(
          () => callWord(client.thread, client.target, word),
          ServerFaultError,
          `direct: ${what}`,
        );
        equal(error.server, 'server.ep', `the fault names the server (${what})`);
        equal(await callWord(client.thread, client.target, 100), 1100, `the server answers after ${what}`);
        equal(
          await callWord(bystanderClient.thread, bystanderClient.target, word),
          word + 1,
          `the bystander after ${what}`,
        );
      }
      // queued: the server is busy with a held request while each misbehaving one queues
      const hold = gate();
      const busy = domain(kernel, 'busy-server');
      busy.thread.serve({
        onCall(_object, request) {
          const word = readWord(request);
          if (word === 999) {
            return hold.promise.then(() => {
              writeWord(busy.thread.utcb, 0);
              busy.thread.reply();
            });
          }
          const bad = BAD_RESULTS[word];
          if (bad !== undefined) return bad[1]() as void;
          writeWord(request, 2000 + word);
        },
        onSignal() {},
      });
      const busyObject = busy.thread.createRpcObject();
      const holder = clientOf(kernel, busy, busyObject, 'holder');
      const held = callWord(holder.thread, holder.target, 999);
      const queued = BAD_RESULTS.map((_, word) => {
        const each = clientOf(kernel, busy, busyObject, `queued-${word}`);
        writeWord(each.thread.utcb, word);
        return Promise.resolve(each.thread.call(each.target)).then(
          () => 'answered',
          (error: unknown) => (error instanceof ServerFaultError ? 'fault' : String(error)),
        );
      });
      const last = clientOf(kernel, busy, busyObject, 'last');
      writeWord(last.thread.utcb, 5000);
      const lastReply = last.thread.call(last.target);
      hold.open();
      equal(await held, 0, 'the held request is answered');
      equalList(
        await Promise.all(queued),
        BAD_RESULTS.map(() => 'fault'),
        'each queued misbehaving request',
      );
      equal(readWord(await lastReply), 7000, 'the request queued after them is served');
      equal(await callWord(bystanderClient.thread, bystanderClient.target, 1), 2, 'the bystander at the end');
    },
  },
  {
    name: 'a signal handler returning neither nothing nor a promise is contained: later signals are still delivered',
    async run(kernel) {
      const receiver = domain(kernel, 'receiver');
      const delivered: number[] = [];
      receiver.thread.serve({
        onCall() {},
        onSignal(imprint) {
          delivered.push(imprint);
          const bad = BAD_RESULTS[imprint];
          if (bad !== undefined) return bad[1]() as void;
        },
      });
      const contexts = BAD_RESULTS.map((_, imprint) => receiver.thread.createSignalContext(imprint));
      const good = receiver.thread.createSignalContext(100);
      for (const context of contexts) receiver.thread.submitSignal(context);
      await kernel.settle();
      await kernel.settle();
      // every context delivers again: a misbehaving result did not leave it unacknowledged
      for (const context of contexts) receiver.thread.submitSignal(context);
      receiver.thread.submitSignal(good);
      await kernel.settle();
      await kernel.settle();
      const counts = BAD_RESULTS.map((_, imprint) => delivered.filter((each) => each === imprint).length);
      equalList(
        counts,
        BAD_RESULTS.map(() => 2),
        'deliveries per misbehaving context',
      );
      equal(delivered.filter((each) => each === 100).length, 1, 'the well-behaved context');
    },
  },
];

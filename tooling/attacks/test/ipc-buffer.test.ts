// Family 7: the IPC buffer. A component holds its thread's IPC buffer (`KernelThread.utcb`) as a
// JavaScript object and may do anything to it: shadow a field with a getter that answers the
// kernel's check one thing and its copy another, swap an array for a proxy or a plain array,
// freeze it before a queued request or a late reply arrives, or, serving raw, return something from
// its handler that is neither nothing nor a promise. The kernel reads the buffer's private state,
// each field once, runs no component code unguarded, and contains a misbehaving handler as a fault.

import { Capability } from '@os/capability';
import { type KernelThread, MAX_CAPS_PER_MESSAGE, type Message, type Selector } from '@os/kernel';
import { ReplyStatus, connect } from '@os/rpc';
import { hardenRealm } from '@os/loader';
import { beforeAll, describe, expect, it } from 'vitest';
import { Counter, OP } from './support/counter.js';
import { KERNEL, codeOf, domain, header, kernelWorld, rawCall, u32 } from './support/kernel-world.js';

const SERVER_FAULT = 'ERR_OS_SERVER_FAULT';
/** Every field of a message, as a component would try to shadow it. */
const FIELDS = ['length', 'capCount', 'freshCaps', 'bytes', 'view', 'words', 'caps'] as const;
/** The fields a component may only read. */
const READ_ONLY = ['bytes', 'view', 'words', 'caps'] as const;

/** SES's own `harden`, as a confined component has it (the realm is hardened before the attacks). */
function harden(root: object): void {
  (globalThis as unknown as { harden: (value: object) => void }).harden(root);
}

/** A getter answering `first` to the first read and `then` to every later one: the kernel's check, then its copy. */
function lying<T>(first: T, then: T): { get: () => T; set: () => void; configurable: boolean } {
  let reads = 0;
  return { get: () => (reads++ === 0 ? first : then), set: () => undefined, configurable: true };
}

/** Every way a component might redefine `field` of its buffer, each as a thunk that must throw a TypeError. */
function shadowings(utcb: Message, field: (typeof FIELDS)[number]): Record<string, () => unknown> {
  const real = (utcb as unknown as Record<string, unknown>)[field];
  const attempts: Record<string, () => unknown> = {
    [`${field}: a lying getter`]: () => Object.defineProperty(utcb, field, lying<unknown>(4, 3.5)),
    [`${field}: a setter that drops writes`]: () =>
      Object.defineProperty(utcb, field, { set: () => undefined, get: () => 0, configurable: true }),
    [`${field}: a data property`]: () => Object.defineProperty(utcb, field, { value: 4, writable: true }),
    [`${field}: a proxy over the field`]: () =>
      Object.defineProperty(utcb, field, {
        value: new Proxy(typeof real === 'object' && real !== null ? real : {}, {}),
      }),
  };
  if ((READ_ONLY as readonly string[]).includes(field)) {
    attempts[`${field}: assigned a plain array`] = () =>
      ((utcb as unknown as Record<string, unknown>)[field] = [1, 2, 3, 4]);
    attempts[`${field}: assigned a proxy`] = () =>
      ((utcb as unknown as Record<string, unknown>)[field] = new Proxy(real as object, {}));
    attempts[`${field}: assigned a replaced typed array`] = () =>
      ((utcb as unknown as Record<string, unknown>)[field] = new Int32Array(64));
  }
  return attempts;
}

/** Every attempt on a buffer: each field, the prototype, the cap slots, and what `harden` needs to stay harmless. */
function everyShadowing(utcb: Message): Record<string, () => unknown> {
  const attempts: Record<string, () => unknown> = {};
  for (const field of FIELDS) Object.assign(attempts, shadowings(utcb, field));
  attempts['a new prototype with lying accessors'] = () =>
    Object.setPrototypeOf(utcb, Object.create(Object.getPrototypeOf(utcb), { capCount: lying(4, 3.5) }));
  attempts['a getter on a cap slot'] = () => Object.defineProperty(utcb.caps, 3, lying(1, 2));
  attempts['a getter on a payload word'] = () => Object.defineProperty(utcb.words, 0, lying(1, 2));
  return attempts;
}

/** The forms of a handler result that are neither nothing nor a promise, each made fresh. */
const BAD_RESULTS: readonly [string, () => unknown][] = [
  ['42', () => 42],
  ['a string', () => 'done'],
  ['null', () => null],
  ['a function', () => () => undefined],
  [
    '{ then() { throw } }',
    () => ({
      then: () => {
        throw new Error('then');
      },
    }),
  ],
  [
    'a thenable whose then getter throws',
    () =>
      Object.defineProperty({}, 'then', {
        get: () => {
          throw new Error('then getter');
        },
      }),
  ],
  ['a thenable that never calls back', () => ({ then: () => undefined })],
  ['a thenable that fulfils at once', () => ({ then: (resolve: () => void) => resolve() })],
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
          has: () => {
            throw new Error('trap');
          },
        },
      ),
  ],
  ['a proxy passing for a promise', () => new Proxy(Promise.resolve(), {})],
  [
    'a promise with an own then that throws',
    () =>
      Object.assign(Promise.resolve(), {
        then: () => {
          throw new Error('own then');
        },
      }),
  ],
  [
    'a promise with an own constructor getter',
    () =>
      Object.defineProperty(Promise.resolve(), 'constructor', {
        get: () => {
          throw new Error('constructor');
        },
      }),
  ],
  [
    'a promise of a subclass with a throwing species',
    () => {
      class Sub extends Promise<void> {
        static override get [Symbol.species](): never {
          throw new Error('species');
        }
      }
      return new Sub((resolve) => resolve());
    },
  ],
];

/** A raw reply of the Counter's `read`: `Ok` and `value`, carrying `caps`. */
function writeReadReply(utcb: Message, value: number, caps: readonly Selector[] = []): void {
  utcb.view.setUint32(0, ReplyStatus.Ok, true);
  utcb.view.setUint32(4, value, true);
  utcb.length = 8;
  utcb.setCaps(caps);
}

/** A promise with its opener. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** The world, with the attacker holding a Counter capability and a victim PD that calls what the attacker serves. */
function attacked() {
  const world = kernelWorld();
  const capability = world.grant(world.attacker);
  const victim = domain(world.kernel, 'victim');
  return { ...world, capability, victim };
}

/** Quota and capability space of every PD of `world`, the victim's included. */
function everything(world: ReturnType<typeof attacked>) {
  const { kernel, victim } = world;
  return { ...world.snapshot(), victim: { quota: kernel.quota(victim.pd), space: kernel.capSpace(victim.pd) } };
}

/** The attacker serves one object raw with `onCall`; the victim gets a capability to it. */
function attackerServes(world: ReturnType<typeof attacked>, onCall: (request: Message) => unknown): Selector {
  const { attacker, kernel, victim } = world;
  attacker.thread.serve({ onCall: (_object, request) => onCall(request) as void, onSignal() {} });
  const object = attacker.thread.createRpcObject();
  return kernel.delegate(attacker.pd, object, victim.pd);
}

beforeAll(hardenRealm);

describe(`IPC buffer attacks on ${KERNEL.name}`, () => {
  it(
    'every field of the buffer (getter, setter, data, proxy, replaced or plain array), its prototype and its ' +
      'slots: each redefinition is a TypeError and the kernel copies what the setters wrote',
    async () => {
      const world = attacked();
      const { attacker, capability, kernel, server } = world;
      const planted = [
        attacker.thread.createRpcObject(),
        attacker.thread.createRpcObject(),
        attacker.thread.createRpcObject(),
        attacker.thread.createSignalContext(1),
      ];
      const before = everything(world);
      const utcb = attacker.thread.utcb;
      const outcomes: Record<string, string> = {};
      for (const [what, work] of Object.entries(everyShadowing(utcb))) {
        try {
          work();
          outcomes[what] = 'took effect';
        } catch (error) {
          outcomes[what] = error instanceof TypeError ? 'TypeError' : String(error);
        }
      }
      expect(Object.entries(outcomes).filter(([, outcome]) => outcome !== 'TypeError')).toEqual([]);
      expect(Object.isExtensible(utcb)).toBe(false);
      expect(Reflect.ownKeys(utcb)).toEqual([]);
      // what the kernel copies is what the setters wrote: four caps, one read request
      const spaceBefore = kernel.capSpace(server.pd);
      expect((await rawCall(attacker.thread, capability.selector, header(OP.read, Counter.id), planted)).status).toBe(
        ReplyStatus.Ok,
      );
      expect(kernel.capSpace(server.pd)).toEqual(spaceBefore);
      expect(world.counter.accepted).toEqual(['read']);
      expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
      expect(everything(world)).toEqual(before);
    },
  );

  it(
    "lying across the kernel's check and its copy, request direction: 60 calls with four planted capabilities " +
      "leave the server's capability space exactly as before",
    async () => {
      const world = attacked();
      const { attacker, capability, kernel, server } = world;
      const planted = [
        attacker.thread.createRpcObject(),
        attacker.thread.allocDataspace(10),
        attacker.thread.createSignalContext(2),
        attacker.thread.createRpcObject(),
      ];
      const before = everything(world);
      const spaceBefore = kernel.capSpace(server.pd);
      const utcb = attacker.thread.utcb;
      const codes = new Set<string>();
      for (let i = 0; i < 60; i++) {
        // the attack: capCount answers 4 to the check and 3.5 to the copy (and the reverse)
        const refusals = [
          () => Object.defineProperty(utcb, 'capCount', i % 2 === 0 ? lying(4, 3.5) : lying(3.5, 4)),
          () => Object.defineProperty(utcb, 'length', lying(8, 7.5)),
          () =>
            Object.defineProperty(utcb, 'caps', {
              get: () => (i % 2 === 0 ? Int32Array.from(planted) : [...planted, ...planted]),
            }),
        ];
        for (const refusal of refusals) codes.add(await codeOf(refusal));
        const reply = await rawCall(
          attacker.thread,
          capability.selector,
          [...header(OP.add, Counter.id), ...u32(0)],
          planted,
        );
        expect(reply.status).toBe(ReplyStatus.Ok);
        // a fractional count written through the setter never reaches the server
        utcb.capCount = i % 2 === 0 ? 3.5 : MAX_CAPS_PER_MESSAGE + 0.5;
        codes.add(await codeOf(() => attacker.thread.call(capability.selector)));
        utcb.capCount = 0;
        utcb.length = 7.5;
        codes.add(await codeOf(() => attacker.thread.call(capability.selector)));
      }
      expect([...codes].sort()).toEqual([
        'ERR_OS_MESSAGE_TOO_LARGE',
        'ERR_OS_TOO_MANY_CAPABILITIES',
        'untyped TypeError',
      ]);
      expect(kernel.capSpace(server.pd)).toEqual(spaceBefore);
      expect(world.counter.accepted).toEqual(Array(60).fill('add'));
      expect(world.reports).toEqual([]);
      expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
      expect(everything(world)).toEqual(before);
    },
  );

  it(
    "lying across check and copy, reply direction: a hostile server's 60 replies with four planted capabilities " +
      ("leave its client's capability space exactly as before; a fractional count or length in a reply is the " +
        "server's fault"),
    async () => {
      const world = attacked();
      const { attacker, kernel, victim } = world;
      const planted = [
        attacker.thread.createRpcObject(),
        attacker.thread.createRpcObject(),
        attacker.thread.allocDataspace(10),
        attacker.thread.createSignalContext(3),
      ];
      const refusals: string[] = [];
      let mode = 'plant';
      const target = attackerServes(world, (request) => {
        for (const [what, work] of Object.entries(everyShadowing(request))) {
          try {
            work();
            refusals.push(`${what}: took effect`);
          } catch (error) {
            if (!(error instanceof TypeError)) refusals.push(`${what}: ${String(error)}`);
          }
        }
        writeReadReply(request, 7, planted);
        if (mode === 'fractional-count') request.capCount = 3.5;
        if (mode === 'fractional-length') request.length = 7.5;
      });
      const client = connect(Counter, victim.thread, new Capability<typeof Counter>(target));
      expect(await client.read()).toBe(7);
      const before = everything(world);
      for (let i = 0; i < 60; i++) expect(await client.read()).toBe(7);
      expect(refusals).toEqual([]);
      expect(kernel.capSpace(victim.pd)).toEqual(before.victim.space);
      mode = 'fractional-count';
      expect(await codeOf(() => client.read())).toBe(SERVER_FAULT);
      mode = 'fractional-length';
      expect(await codeOf(() => client.read())).toBe(SERVER_FAULT);
      mode = 'plant';
      expect(await client.read()).toBe(7);
      expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
      expect(everything(world)).toEqual(before);
    },
  );

  it(
    'a server that freezes or hardens its buffer before a queued request arrives: the request is delivered intact, ' +
      'the reply goes out, the process and every PD go on',
    async () => {
      const world = attacked();
      const { attacker, kernel, victim } = world;
      const hold = gate();
      const seen: { word: number; caps: number }[] = [];
      const target = attackerServes(world, (request) => {
        const word = request.view.getUint32(0, true);
        seen.push({ word, caps: request.capCount });
        if (word === 1) {
          // suspended: the next requests queue; then the attacker hardens its buffer
          return hold.promise.then(() => {
            writeReadReply(attacker.thread.utcb, 1);
            attacker.thread.reply();
          });
        }
        writeReadReply(request, word * 10);
      });
      const second = domain(kernel, 'second');
      const secondTarget = kernel.delegate(victim.pd, target, second.pd);
      const carried = second.thread.createRpcObject();
      const call = (thread: KernelThread, selector: Selector, word: number, caps: readonly Selector[] = []) => {
        thread.utcb.view.setUint32(0, word, true);
        thread.utcb.length = 4;
        thread.utcb.setCaps(caps);
        return Promise.resolve(thread.call(selector)).then((reply) => reply.view.getUint32(4, true));
      };
      const third = domain(kernel, 'third');
      const thirdTarget = kernel.delegate(victim.pd, target, third.pd);
      const first = call(victim.thread, target, 1);
      const queuedFrozen = call(second.thread, secondTarget, 2, [carried]);
      Object.freeze(attacker.thread.utcb);
      const queuedHardened = call(third.thread, thirdTarget, 3);
      harden(attacker.thread.utcb);
      hold.open();
      expect(await first).toBe(1);
      expect(await queuedFrozen).toBe(20);
      expect(await queuedHardened).toBe(30);
      expect(seen).toEqual([
        { word: 1, caps: 0 },
        { word: 2, caps: 1 },
        { word: 3, caps: 0 },
      ]);
      // the hardened server keeps serving
      expect(await call(victim.thread, target, 4)).toBe(40);
      expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
    },
  );

  it(
    'a client that freezes or hardens its buffer before a late reply arrives gets the reply intact; the server, ' +
      'the bystander and every quota are unharmed',
    async () => {
      const world = attacked();
      const { attacker, kernel } = world;
      const slow = domain(kernel, 'slow');
      const hold = gate();
      slow.thread.serve({
        onCall() {
          return hold.promise.then(() => {
            writeReadReply(slow.thread.utcb, 77, [slow.thread.createRpcObject()]);
            slow.thread.reply();
          });
        },
        onSignal() {},
      });
      const target = kernel.delegate(slow.pd, slow.thread.createRpcObject(), attacker.pd);
      const before = world.snapshot(['server', 'bystander']);
      const utcb = attacker.thread.utcb;
      utcb.view.setUint32(0, 0, true);
      utcb.length = 4;
      utcb.setCaps([]);
      const pending = attacker.thread.call(target);
      expect(pending).toBeInstanceOf(Promise);
      Object.freeze(utcb);
      harden(utcb);
      hold.open();
      const reply = await pending;
      expect(reply.view.getUint32(4, true)).toBe(77);
      expect(reply.capCount).toBe(1);
      expect(attacker.thread.valid(reply.caps[0] as number)).toBe(true);
      // the hardened buffer still sends: a Counter call from it
      expect(
        (await rawCall(attacker.thread, world.capability.selector, [...header(OP.add, Counter.id), ...u32(0)])).status,
      ).toBe(ReplyStatus.Ok);
      expect(world.counter.accepted).toEqual(['add']);
      expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
      expect(world.snapshot(['server', 'bystander'])).toEqual(before);
    },
  );

  it(
    'a raw handler returning anything but nothing or a promise (every form, directly and queued): the caller gets ' +
      'ServerFaultError, no exception escapes, the server goes on serving and the bystander is unharmed',
    async () => {
      const world = attacked();
      const { attacker, kernel, victim } = world;
      const hold = gate();
      const target = attackerServes(world, (request) => {
        const word = request.view.getUint32(0, true);
        if (word === 999) {
          return hold.promise.then(() => {
            writeReadReply(attacker.thread.utcb, 0);
            attacker.thread.reply();
          });
        }
        const bad = BAD_RESULTS[word];
        if (bad !== undefined) return bad[1]();
        writeReadReply(request, 1000 + word);
      });
      const before = everything(world);
      const call = (thread: KernelThread, selector: Selector, word: number) => {
        thread.utcb.view.setUint32(0, word, true);
        thread.utcb.length = 4;
        thread.utcb.setCaps([]);
        return thread.call(selector);
      };
      const direct: Record<string, string> = {};
      for (let word = 0; word < BAD_RESULTS.length; word++) {
        direct[(BAD_RESULTS[word] as [string, unknown])[0]] = await codeOf(() => call(victim.thread, target, word));
        expect((await call(victim.thread, target, 500)).view.getUint32(4, true)).toBe(1500);
        expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
      }
      expect(direct).toEqual(Object.fromEntries(BAD_RESULTS.map(([what]) => [what, SERVER_FAULT])));
      // queued: each misbehaving request waits behind a held one
      const held = call(victim.thread, target, 999);
      const queued = BAD_RESULTS.map((_, word) => {
        const each = domain(kernel, `queued-${word}`);
        const selector = kernel.delegate(victim.pd, target, each.pd);
        return codeOf(() => call(each.thread, selector, word));
      });
      const after = domain(kernel, 'after');
      const afterReply = call(after.thread, kernel.delegate(victim.pd, target, after.pd), 600);
      hold.open();
      await held;
      expect(await Promise.all(queued)).toEqual(BAD_RESULTS.map(() => SERVER_FAULT));
      expect((await afterReply).view.getUint32(4, true)).toBe(1600);
      expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
      expect(world.snapshot()).toEqual({ quota: before.quota, spaces: before.spaces });
      expect(kernel.quota(victim.pd)).toEqual(before.victim.quota);
    },
  );

  it(
    'a signal handler returning anything but nothing or a promise is contained: every context delivers again, the ' +
      'bystander is unharmed',
    async () => {
      const world = attacked();
      const { attacker, kernel } = world;
      const delivered: number[] = [];
      attacker.thread.serve({
        onCall() {},
        onSignal(imprint) {
          delivered.push(imprint);
          const bad = BAD_RESULTS[imprint];
          return bad === undefined ? undefined : (bad[1]() as void);
        },
      });
      const contexts = BAD_RESULTS.map((_, imprint) => attacker.thread.createSignalContext(imprint));
      for (let round = 0; round < 2; round++) {
        for (const context of contexts) attacker.thread.submitSignal(context);
        for (let i = 0; i < 4; i++) await kernel.settle();
      }
      expect(BAD_RESULTS.map((_, imprint) => delivered.filter((each) => each === imprint).length)).toEqual(
        BAD_RESULTS.map(() => 2),
      );
      expect(await world.bystanderCall()).toEqual([world.bystanderTotal(), world.bystanderTotal()]);
    },
  );
});

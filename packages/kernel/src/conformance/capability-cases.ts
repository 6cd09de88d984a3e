import { CAP_SPACE_LEAF, capSpaceRoom } from '../cap-space.js';
import { CapSpaceExhaustedError, InvalidCapabilityError, NotOwnerError, QuotaExceededError } from '../errors.js';
import type { Kernel, Selector } from '../kernel.js';
import { INVALID_SELECTOR, type Message } from '../message.js';
import { check, equal, equalList, rejects, throws } from './assert.js';
import { callWord, domain, incrementServer, readWord, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

function objectOf(kernel: Kernel, pd: number, selector: Selector): number | undefined {
  return kernel.capSpace(pd).find((entry) => entry.selector === selector)?.object;
}

/** A server that records the selectors each request carried and replies with the caps it was asked to return. */
function capEchoServer(kernel: Kernel) {
  const server = domain(kernel, 'server');
  const received: number[][] = [];
  server.thread.serve({
    onCall(_object, request) {
      received.push(request.capList());
      // reply with the same selectors, so the client sees them translated back
    },
    onSignal() {},
  });
  return { ...server, received, object: server.thread.createRpcObject() };
}

/** Capability spaces: creation, translation, delegation, free, dissolve, quota. */
export const capabilityCases: ConformanceCase[] = [
  {
    name: 'a new PD has an empty capability space; creating an RPC object costs one capability of quota',
    run(kernel) {
      const pd = kernel.createPd('fresh');
      equal(kernel.capSpace(pd).length, 0, 'entries of a fresh PD');
      const thread = kernel.createThread(pd, 'fresh.ep');
      throws(() => thread.createRpcObject(), QuotaExceededError, 'object without cap quota');
      kernel.grantQuota(pd, { caps: 2 });
      const object = thread.createRpcObject();
      check(object !== INVALID_SELECTOR, 'a real selector');
      check(thread.valid(object), 'valid');
      equal(thread.kindOf(object), 'rpc-object', 'kind');
      equal(kernel.quota(pd).capUsed, 1, 'caps used');
      thread.dissolve(object);
      equal(kernel.quota(pd).capUsed, 0, 'dissolving refunds the capability');
    },
  },
  {
    name: 'capabilities in a message arrive translated into the receiver space, naming the same objects',
    run(kernel) {
      const server = capEchoServer(kernel);
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, server.object, client.pd);
      const a = client.thread.createRpcObject();
      const b = client.thread.createSignalContext(3);
      writeWord(client.thread.utcb, 0);
      client.thread.utcb.setCaps([a, b]);
      const reply = client.thread.call(selector) as Message;
      const [aInServer, bInServer] = server.received[0] ?? [];
      check(aInServer !== undefined && bInServer !== undefined, 'two caps arrived');
      equal(objectOf(kernel, server.pd, aInServer), objectOf(kernel, client.pd, a), 'first cap names the same object');
      equal(objectOf(kernel, server.pd, bInServer), objectOf(kernel, client.pd, b), 'second cap names the same object');
      equalList(reply.capList(), [a, b], 'returned caps translate back to the client own selectors');
    },
  },
  {
    name: 'the same object sent twice, or already held, reuses the receiver existing entry',
    run(kernel) {
      const server = capEchoServer(kernel);
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, server.object, client.pd);
      const a = client.thread.createRpcObject();
      writeWord(client.thread.utcb, 0);
      client.thread.utcb.setCaps([a, a, selector]);
      client.thread.call(selector);
      const [first, second, own] = server.received[0] ?? [];
      equal(first, second, 'one entry for one object');
      equal(own, server.object, 'the server own object arrives as its own selector');
      const before = kernel.capSpace(server.pd).length;
      client.thread.utcb.setCaps([a]);
      client.thread.call(selector);
      equal(server.received[1]?.[0], first, 'sent again: same selector');
      equal(kernel.capSpace(server.pd).length, before, 'no new entry');
    },
  },
  {
    name: 'an invalid selector in a message arrives as the invalid capability',
    run(kernel) {
      const server = capEchoServer(kernel);
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, server.object, client.pd);
      writeWord(client.thread.utcb, 0);
      client.thread.utcb.setCaps([12345, 0]);
      client.thread.call(selector);
      equalList(server.received[0] ?? [], [INVALID_SELECTOR, INVALID_SELECTOR], 'translated');
    },
  },
  {
    name: 'delegating an object twice gives the same selector; free drops only the holder own entry',
    async run(kernel) {
      const server = incrementServer(kernel);
      const client = domain(kernel, 'client');
      const other = domain(kernel, 'other');
      const first = kernel.delegate(server.pd, server.object, client.pd);
      equal(kernel.delegate(server.pd, server.object, client.pd), first, 'second delegation');
      const otherSelector = kernel.delegate(server.pd, server.object, other.pd);
      client.thread.free(first);
      check(!client.thread.valid(first), 'freed selector is invalid');
      await rejects(() => callWord(client.thread, first, 1), InvalidCapabilityError, 'call on freed cap');
      throws(() => client.thread.free(first), InvalidCapabilityError, 'double free');
      equal(await callWord(other.thread, otherSelector, 1), 2, 'other holder still reaches the object');
    },
  },
  {
    name: 'dissolving an object invalidates every capability to it in every PD',
    async run(kernel) {
      const server = incrementServer(kernel);
      const holders = [domain(kernel, 'a'), domain(kernel, 'b'), domain(kernel, 'c')];
      const selectors = holders.map((holder) => kernel.delegate(server.pd, server.object, holder.pd));
      const object = objectOf(kernel, server.pd, server.object);
      server.thread.dissolve(server.object);
      for (const [i, holder] of holders.entries()) {
        const selector = selectors[i] as number;
        check(!holder.thread.valid(selector), `holder ${i} selector invalid`);
        check(
          kernel.capSpace(holder.pd).every((entry) => entry.object !== object),
          `holder ${i} space no longer lists it`,
        );
        await rejects(() => callWord(holder.thread, selector, 1), InvalidCapabilityError, `holder ${i} call`);
      }
      check(!server.thread.valid(server.object), 'owner selector invalid too');
      throws(
        () => kernel.delegate(server.pd, server.object, holders[0]!.pd),
        InvalidCapabilityError,
        'delegating a dissolved object',
      );
    },
  },
  {
    name: 'only the creator may dissolve an object',
    run(kernel) {
      const server = incrementServer(kernel);
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, server.object, client.pd);
      throws(() => client.thread.dissolve(selector), NotOwnerError, 'dissolve by a holder');
      check(client.thread.valid(selector), 'still valid');
    },
  },
  {
    name: 'a freed slot that is reused names only what was put there, never another PD object',
    async run(kernel) {
      const server = incrementServer(kernel);
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, server.object, client.pd);
      client.thread.free(selector);
      const own = client.thread.createRpcObject();
      if (own === selector) equal(client.thread.kindOf(own), 'rpc-object', 'reused slot holds the new object');
      equal(
        objectOf(kernel, client.pd, own) === objectOf(kernel, server.pd, server.object),
        false,
        'not the server object',
      );
      if (own === selector) {
        check(
          objectOf(kernel, client.pd, selector) !== objectOf(kernel, server.pd, server.object),
          'slot reused for own object only',
        );
      } else {
        await rejects(() => callWord(client.thread, selector, 1), InvalidCapabilityError, 'freed slot');
      }
    },
  },
  {
    name: 'a full capability space refuses another entry with CapSpaceExhaustedError',
    run(kernel) {
      const receiver = domain(kernel, 'receiver');
      const filled = fillCapSpace(kernel, receiver.pd);
      check(filled <= kernel.capSpaceSize, `at most ${kernel.capSpaceSize} entries, got ${filled}`);
      const owner = domain(kernel, 'last-owner');
      const object = owner.thread.createRpcObject();
      const error = throws(
        () => kernel.delegate(owner.pd, object, receiver.pd),
        CapSpaceExhaustedError,
        'delegating past the space',
      );
      check(error.message.includes('"receiver"'), 'names the full PD');
      equal(kernel.capSpace(receiver.pd).length, filled, 'the refused delegation added nothing');
    },
  },
  {
    name: 'a PD whose cap quota pays for more than 65 536 capabilities holds more than 65 536',
    run(kernel) {
      const caps = Math.max(kernel.capSpaceSize, 65_536) + CAP_SPACE_LEAF;
      const room = capSpaceRoom(kernel.capSpaceSize, caps);
      const receiver = domain(kernel, 'receiver', 1 << 20, caps);
      const filled = fillCapSpace(kernel, receiver.pd);
      check(filled > 65_536, `more than 65 536 entries, got ${filled}`);
      check(filled <= room, `at most the ${room} its quota pays for, got ${filled}`);
      equal(kernel.quota(receiver.pd).capUsed, 0, 'holding capabilities uses no cap quota');
      const owner = domain(kernel, 'last-owner');
      const object = owner.thread.createRpcObject();
      throws(() => kernel.delegate(owner.pd, object, receiver.pd), CapSpaceExhaustedError, 'delegating past the room');
      equal(kernel.capSpace(receiver.pd).length, filled, 'the refused delegation added nothing');
    },
  },
  {
    name: 'quota transferred in makes room in a full space; transferred out, it leaves the entries but takes the room',
    run(kernel) {
      const receiver = domain(kernel, 'receiver');
      const full = fillCapSpace(kernel, receiver.pd);
      // enough that the receiver's quota pays for a leaf more than the base space
      const caps = kernel.capSpaceSize - (kernel.capSpaceSize % CAP_SPACE_LEAF) + CAP_SPACE_LEAF;
      const donor = domain(kernel, 'donor', 1 << 20, caps);
      kernel.transferQuota(donor.pd, receiver.pd, { caps });
      const grown = fillCapSpace(kernel, receiver.pd);
      check(grown > full, `more entries once the quota grew: ${full} before, ${grown} after`);
      kernel.transferQuota(receiver.pd, donor.pd, { caps });
      const entries = kernel.capSpace(receiver.pd);
      equal(entries.length, grown, 'the entries stay');
      const last = entries.at(-1)?.selector as Selector;
      equal(
        kernel.delegate(donor.pd, kernel.delegate(receiver.pd, last, donor.pd), receiver.pd),
        last,
        'a held entry is still reached',
      );
      const object = donor.thread.createRpcObject();
      throws(() => kernel.delegate(donor.pd, object, receiver.pd), CapSpaceExhaustedError, 'no room for a new entry');
    },
  },
  {
    name: 'a call carrying a capability into a full space fails without delivering',
    async run(kernel) {
      const server = capEchoServer(kernel);
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, server.object, client.pd);
      fillCapSpace(kernel, server.pd);
      const extra = client.thread.createRpcObject();
      writeWord(client.thread.utcb, 0);
      client.thread.utcb.setCaps([extra]);
      await rejects(() => client.thread.call(selector), CapSpaceExhaustedError, 'no slot for the cap');
      equal(server.received.length, 0, 'the server saw nothing');
      client.thread.utcb.capCount = 0;
      equal(readWord(client.thread.call(selector) as Message), 0, 'a call without caps still works');
    },
  },
];

/**
 * Delegates fresh objects into `pd` until its space is full, from as many owner PDs as that takes; returns its entry
 * count.
 */
function fillCapSpace(kernel: Kernel, pd: number): number {
  let owner = domain(kernel, 'filler-0', 1 << 20, kernel.capSpaceSize);
  let owned = 0;
  for (let filler = 1; ; ) {
    if (owned === kernel.capSpaceSize - 1) {
      owner = domain(kernel, `filler-${filler++}`, 1 << 20, kernel.capSpaceSize);
      owned = 0;
    }
    const object = owner.thread.createRpcObject();
    owned++;
    try {
      kernel.delegate(owner.pd, object, pd);
    } catch (error) {
      if (error instanceof CapSpaceExhaustedError) return kernel.capSpace(pd).length;
      throw error;
    }
  }
}

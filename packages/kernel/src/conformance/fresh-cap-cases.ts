import type { Kernel, Selector } from '../kernel.js';
import { INVALID_SELECTOR, type Message } from '../message.js';
import { equal, equalList } from './assert.js';
import { domain, gate, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

/** What one request brought the server: its selectors and which of them were fresh. */
interface Arrival {
  readonly caps: readonly Selector[];
  readonly fresh: readonly boolean[];
}

/** The fresh bit of every carried slot of `message`, so a failure names the slots. */
function freshSlots(message: Message): boolean[] {
  return Array.from({ length: message.capCount }, (_, i) => (message.freshCaps & (1 << i)) !== 0);
}

/**
 * A server that records what each request carried and replies with the selectors `replyWith` holds
 * (its own); with `hold` set, it answers later, through `reply()`, once the gate opens.
 */
function recordingServer(kernel: Kernel) {
  const server = domain(kernel, 'server');
  const arrivals: Arrival[] = [];
  const state = { replyWith: [] as Selector[], hold: null as Promise<void> | null };
  server.thread.serve({
    onCall(_object, request) {
      arrivals.push({ caps: request.capList(), fresh: freshSlots(request) });
      const answer = (message: Message): void => {
        writeWord(message, 0);
        message.setCaps(state.replyWith);
      };
      const hold = state.hold;
      if (hold === null) return answer(request);
      return hold.then(() => {
        answer(server.thread.utcb);
        server.thread.reply();
      });
    },
    onSignal() {},
  });
  const object = server.thread.createRpcObject();
  return { ...server, object, arrivals, state };
}

/** A client PD holding a capability to `server`'s object. */
function clientOf(kernel: Kernel, server: ReturnType<typeof recordingServer>, label = 'client') {
  const client = domain(kernel, label);
  return { ...client, target: kernel.delegate(server.pd, server.object, client.pd) };
}

/** Calls `target` from `thread` carrying `caps`; returns the reply. */
async function callWith(
  thread: ReturnType<typeof domain>['thread'],
  target: Selector,
  caps: readonly Selector[],
): Promise<Message> {
  writeWord(thread.utcb, 0);
  thread.utcb.setCaps(caps);
  return thread.call(target);
}

/**
 * Which received capabilities are fresh (`Message.freshCaps`): new entries the receiver may free
 * without losing anything it held before, in requests and replies, delivered at once or queued.
 */
export const freshCapCases: ConformanceCase[] = [
  {
    name:
      'a capability the receiver did not hold arrives fresh; one it holds, its own object, an invalid selector ' +
      'or a repeat in the same message does not',
    async run(kernel) {
      const server = recordingServer(kernel);
      const client = clientOf(kernel, server);
      const third = domain(kernel, 'third');
      const shared = third.thread.createRpcObject();
      kernel.delegate(third.pd, shared, server.pd);
      const sharedInClient = kernel.delegate(third.pd, shared, client.pd);
      const a = client.thread.createRpcObject();
      const b = client.thread.createSignalContext(1);
      const entries = kernel.capSpace(server.pd).length;
      await callWith(client.thread, client.target, [a, client.target, sharedInClient, a]);
      const first = server.arrivals[0] as Arrival;
      equalList(first.fresh, [true, false, false, false], 'new object, own object, held object, the new one again');
      equal(first.caps[1], server.object, 'the own object arrives as its own selector');
      equal(first.caps[3], first.caps[0], 'the repeat names the same entry');
      equal(kernel.capSpace(server.pd).length, entries + 1, 'one new entry, as one fresh slot says');
      await callWith(client.thread, client.target, [b, 12345, a, INVALID_SELECTOR]);
      const second = server.arrivals[1] as Arrival;
      equalList(
        second.fresh,
        [true, false, false, false],
        'new context, invalid selector, object received before, invalid capability',
      );
      equalList(
        [second.caps[1], second.caps[3]],
        [INVALID_SELECTOR, INVALID_SELECTOR],
        'invalid selectors arrive as the invalid capability',
      );
      equal(kernel.capSpace(server.pd).length, entries + 2, 'again one new entry');
    },
  },
  {
    name:
      'a dissolved or freed capability arrives invalid and not fresh; one the receiver freed arrives fresh ' +
      'again, its own object under its own selector',
    async run(kernel) {
      const server = recordingServer(kernel);
      const client = clientOf(kernel, server);
      const dead = client.thread.createRpcObject();
      client.thread.dissolve(dead);
      const third = domain(kernel, 'third');
      const dropped = kernel.delegate(third.pd, third.thread.createRpcObject(), client.pd);
      client.thread.free(dropped);
      await callWith(client.thread, client.target, [dead, dropped]);
      equalList((server.arrivals[0] as Arrival).fresh, [false, false], 'dead selectors');
      equalList(
        Array.from((server.arrivals[0] as Arrival).caps),
        [INVALID_SELECTOR, INVALID_SELECTOR],
        'dead selectors arrive invalid',
      );
      const a = client.thread.createRpcObject();
      await callWith(client.thread, client.target, [a]);
      const aInServer = (server.arrivals[1] as Arrival).caps[0] as Selector;
      server.thread.free(aInServer);
      const own = server.thread.createRpcObject();
      const ownInClient = kernel.delegate(server.pd, own, client.pd);
      server.thread.free(own);
      await callWith(client.thread, client.target, [a, ownInClient]);
      const again = server.arrivals[2] as Arrival;
      equalList(again.fresh, [true, true], 'a freed entry, and a freed own object, come back new');
      equal(again.caps[1], own, 'the own object comes back under its own selector');
    },
  },
  {
    name: 'capabilities in a reply arrive fresh only where the caller did not hold them, replied at once or later',
    async run(kernel) {
      const server = recordingServer(kernel);
      const client = clientOf(kernel, server);
      const mine = client.thread.createRpcObject();
      await callWith(client.thread, client.target, [mine]);
      const mineInServer = (server.arrivals[0] as Arrival).caps[0] as Selector;
      const given = server.thread.createRpcObject();
      server.state.replyWith = [given, mineInServer, server.object, 9999];
      const reply = await callWith(client.thread, client.target, []);
      equalList(
        freshSlots(reply),
        [true, false, false, false],
        'server object, caller own object, held object, invalid selector',
      );
      equal(reply.capList()[2], client.target, 'a held object arrives as the caller selector');
      const later = server.thread.createSignalContext(2);
      server.state.replyWith = [later, given];
      const release = gate();
      server.state.hold = release.promise;
      const pending = callWith(client.thread, client.target, []);
      release.open();
      equalList(freshSlots(await pending), [true, false], 'replied later: new context, object received before');
    },
  },
  {
    name:
      'a request queued at a busy entrypoint is marked on delivery: an object handed to the receiver meanwhile ' +
      'is not fresh',
    async run(kernel) {
      const server = recordingServer(kernel);
      const first = clientOf(kernel, server, 'first');
      const second = clientOf(kernel, server, 'second');
      const release = gate();
      server.state.hold = release.promise;
      const busy = callWith(first.thread, first.target, []);
      await kernel.settle();
      const [x, y, z] = [
        second.thread.createRpcObject(),
        second.thread.createRpcObject(),
        second.thread.allocDataspace(64),
      ];
      const queued = callWith(second.thread, second.target, [x, y, z]);
      await kernel.settle();
      const yInServer = kernel.delegate(second.pd, y, server.pd);
      server.state.hold = null;
      release.open();
      await busy;
      await queued;
      const arrival = server.arrivals[1] as Arrival;
      equalList(arrival.fresh, [true, false, true], 'new, handed over meanwhile, new');
      equal(arrival.caps[1], yInServer, 'the object handed over arrives under the selector it was given');
    },
  },
  {
    name: 'four new objects in one message all arrive fresh, each in its own new entry',
    async run(kernel) {
      const server = recordingServer(kernel);
      const client = clientOf(kernel, server);
      const sent = [
        client.thread.createRpcObject(),
        client.thread.createSignalContext(7),
        client.thread.allocDataspace(16),
        client.thread.createRpcObject(),
      ];
      const entries = kernel.capSpace(server.pd).length;
      await callWith(client.thread, client.target, sent);
      const arrival = server.arrivals[0] as Arrival;
      equalList(arrival.fresh, [true, true, true, true], 'fresh slots');
      equal(new Set(arrival.caps).size, 4, 'four entries');
      equal(kernel.capSpace(server.pd).length, entries + 4, 'four new entries');
    },
  },
];

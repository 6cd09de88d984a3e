import { CallAbortedError, ThreadStateError } from '../errors.js';
import type { Kernel, Selector } from '../kernel.js';
import { check, equal, rejects, throws } from './assert.js';
import { type TestDomain, callWord, domain, gate, incrementServer, readWord, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

/** A server whose calls wait for `release` and then answer ten times the request's word; counts what it served. */
function heldServer(kernel: Kernel, label: string) {
  const server = domain(kernel, label);
  const release = gate();
  const seen: number[] = [];
  server.thread.serve({
    async onCall(_object, request) {
      const value = readWord(request);
      seen.push(value);
      await release.promise;
      writeWord(server.thread.utcb, value * 10);
      server.thread.reply();
    },
    onSignal() {},
  });
  return { ...server, release, seen, object: server.thread.createRpcObject() };
}

/** Checks that `client`'s thread refuses a call to `object` now with the outstanding-call error, sending nothing. */
function refusesSecondCall(client: TestDomain, object: Selector, what: string): void {
  writeWord(client.thread.utcb, 99);
  const error = throws(() => client.thread.call(object), ThreadStateError, what);
  check(error.message.includes(`"${client.thread.label}"`), `${what}: the error names the thread (${error.message})`);
  check(error.message.includes('call outstanding'), `${what}: the error says a call is outstanding (${error.message})`);
  check(
    error.message.includes('serialise') && error.message.includes('another thread'),
    `${what}: the error says what to do (${error.message})`,
  );
}

/**
 * A thread blocks in its call until the reply, as on every microkernel: while it has a call outstanding it can make
 * no other. Every backend refuses the second call at once with `ThreadStateError`, before anything is sent.
 */
export const callOutstandingCases: ConformanceCase[] = [
  {
    name: 'a thread whose call waits on an asynchronous handler cannot call again until the reply',
    async run(kernel) {
      const held = heldServer(kernel, 'held');
      const other = incrementServer(kernel, 'other');
      const client = domain(kernel, 'client');
      const heldObject = kernel.delegate(held.pd, held.object, client.pd);
      const otherObject = kernel.delegate(other.pd, other.object, client.pd);
      writeWord(client.thread.utcb, 7);
      const first = client.thread.call(heldObject);
      check(first instanceof Promise, 'the held call is outstanding');
      refusesSecondCall(client, otherObject, 'a call to an idle server');
      refusesSecondCall(client, heldObject, 'a call to the busy server');
      await kernel.settle();
      equal(held.seen.length, 1, 'the held server saw only the first call');
      held.release.open();
      equal(readWord(await first), 70, 'the first call gets its own reply, its request untouched');
      equal(await callWord(client.thread, otherObject, 1), 2, 'once the reply arrived the thread calls again');
    },
  },
  {
    name: 'a thread whose call is queued at a busy entrypoint cannot call again, and its queued request stays intact',
    async run(kernel) {
      const held = heldServer(kernel, 'held');
      const occupant = domain(kernel, 'occupant');
      const client = domain(kernel, 'client');
      const idle = incrementServer(kernel, 'idle');
      const busy = callWord(occupant.thread, kernel.delegate(held.pd, held.object, occupant.pd), 1);
      await kernel.settle();
      const heldObject = kernel.delegate(held.pd, held.object, client.pd);
      writeWord(client.thread.utcb, 7);
      const queued = client.thread.call(heldObject);
      check(queued instanceof Promise, 'the call queues behind the occupant');
      const idleObject = kernel.delegate(idle.pd, idle.object, client.pd);
      refusesSecondCall(client, idleObject, 'a second call while the first is queued');
      held.release.open();
      equal(await busy, 10, 'the occupant gets its reply');
      equal(readWord(await queued), 70, 'the queued request arrived as sent, not as the refused one');
      equal(held.seen.join(','), '1,7', 'the server saw the two sent requests, in order');
      equal(await callWord(client.thread, idleObject, 4), 5, 'the thread calls again after its reply');
    },
  },
  {
    name: 'a refused call delegates none of the capabilities in its message',
    async run(kernel) {
      const held = heldServer(kernel, 'held');
      const receiver = incrementServer(kernel, 'receiver');
      const client = domain(kernel, 'client');
      const first = callWord(client.thread, kernel.delegate(held.pd, held.object, client.pd), 3);
      const receiverObject = kernel.delegate(receiver.pd, receiver.object, client.pd);
      const dataspace = client.thread.allocDataspace(4096);
      const before = kernel.capSpace(receiver.pd).length;
      writeWord(client.thread.utcb, 1);
      client.thread.utcb.setCaps([dataspace]);
      throws(() => client.thread.call(receiverObject), ThreadStateError, 'a call carrying a capability');
      client.thread.utcb.capCount = 0;
      equal(kernel.capSpace(receiver.pd).length, before, 'the receiver got no capability');
      held.release.open();
      equal(await first, 30, 'the outstanding call completes');
    },
  },
  {
    name: 'a thread whose outstanding call was aborted can call again',
    async run(kernel) {
      const held = heldServer(kernel, 'held');
      const idle = incrementServer(kernel, 'idle');
      const client = domain(kernel, 'client');
      const idleObject = kernel.delegate(idle.pd, idle.object, client.pd);
      const first = callWord(client.thread, kernel.delegate(held.pd, held.object, client.pd), 1);
      await kernel.settle();
      refusesSecondCall(client, idleObject, 'while the call is outstanding');
      kernel.destroyPd(held.pd);
      await rejects(() => first, CallAbortedError, 'the outstanding call');
      equal(await callWord(client.thread, idleObject, 8), 9, 'the thread calls again');
    },
  },
  {
    name: 'a thread inside a call answered synchronously cannot call again from within that call',
    async run(kernel) {
      const idle = incrementServer(kernel, 'idle');
      const server = domain(kernel, 'server');
      const client = domain(kernel, 'client');
      const idleObject = kernel.delegate(idle.pd, idle.object, client.pd);
      let refusal = '';
      server.thread.serve({
        onCall(_object, request) {
          // code of the caller's component run while its thread is inside the call (a shared closure)
          try {
            client.thread.call(idleObject);
            refusal = 'the nested call was sent';
          } catch (error) {
            refusal = error instanceof Error ? error.name : String(error);
          }
          writeWord(request, 5);
        },
        onSignal() {},
      });
      const object = kernel.delegate(server.pd, server.thread.createRpcObject(), client.pd);
      equal(await callWord(client.thread, object, 1), 5, 'the outer call gets its reply');
      equal(refusal, 'ThreadStateError', 'the call from within the call was refused');
      equal(await callWord(client.thread, idleObject, 2), 3, 'the thread calls again afterwards');
    },
  },
  {
    name: 'an entrypoint whose handler calls out cannot start a second call before the first reply',
    async run(kernel) {
      const held = heldServer(kernel, 'held');
      const idle = incrementServer(kernel, 'idle');
      const middle = domain(kernel, 'middle');
      const heldInMiddle = kernel.delegate(held.pd, held.object, middle.pd);
      const idleInMiddle = kernel.delegate(idle.pd, idle.object, middle.pd);
      let refusal = '';
      middle.thread.serve({
        async onCall() {
          writeWord(middle.thread.utcb, 2);
          const out = middle.thread.call(heldInMiddle);
          writeWord(middle.thread.utcb, 3);
          try {
            middle.thread.call(idleInMiddle);
            refusal = 'the second call was sent';
          } catch (error) {
            refusal = error instanceof Error ? error.name : String(error);
          }
          const first = readWord(await out);
          writeWord(middle.thread.utcb, first + (await callWord(middle.thread, idleInMiddle, 1)));
          middle.thread.reply();
        },
        onSignal() {},
      });
      const client = domain(kernel, 'client');
      const reply = callWord(client.thread, kernel.delegate(middle.pd, middle.thread.createRpcObject(), client.pd), 0);
      await kernel.settle();
      held.release.open();
      equal(await reply, 22, 'the handler got both replies, one after the other');
      equal(refusal, 'ThreadStateError', 'the overlapping call was refused');
    },
  },
];

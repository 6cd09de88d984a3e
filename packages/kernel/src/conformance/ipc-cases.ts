import {
  CallAbortedError,
  DeadlockError,
  InvalidCapabilityError,
  MessageTooLargeError,
  ServerFaultError,
  TooManyCapabilitiesError,
} from '../errors.js';
import { MAX_CAPS_PER_MESSAGE, type Message } from '../message.js';
import { check, equal, equalList, rejects } from './assert.js';
import { callWord, domain, gate, incrementServer, readWord, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

/** Call and reply-and-wait: the message path, blocking, queueing, deadlock and faults. */
export const ipcCases: ConformanceCase[] = [
  {
    name: 'a call to an idle entrypoint returns its reply synchronously in the caller utcb',
    run(kernel) {
      const server = incrementServer(kernel);
      const client = domain(kernel, 'client');
      const object = kernel.delegate(server.pd, server.object, client.pd);
      writeWord(client.thread.utcb, 41);
      const reply = client.thread.call(object);
      check(!(reply instanceof Promise), 'the direct switch completes within the call');
      equal(reply, client.thread.utcb, 'the reply lands in the caller utcb');
      equal(readWord(reply as Message), 42, 'reply word');
    },
  },
  {
    name: 'the server sees a copy of the request: bytes, not the caller buffer',
    run(kernel) {
      const server = domain(kernel, 'server');
      let seen: Message | null = null;
      let client: ReturnType<typeof domain> | undefined;
      server.thread.serve({
        onCall(_object, request) {
          seen = request;
          check(request !== client?.thread.utcb, 'server buffer differs from client buffer');
          equal(request.length, 3, 'request length');
          equalList(Array.from(request.bytes.subarray(0, 3)), [1, 2, 3], 'request bytes');
          request.bytes.set([9, 8]);
          request.length = 2;
        },
        onSignal() {},
      });
      client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, server.thread.createRpcObject(), client.pd);
      client.thread.utcb.bytes.set([1, 2, 3]);
      client.thread.utcb.length = 3;
      client.thread.utcb.capCount = 0;
      const reply = client.thread.call(selector) as Message;
      check(seen !== null, 'the server ran');
      equal(reply.length, 2, 'reply length');
      equalList(Array.from(reply.bytes.subarray(0, 2)), [9, 8], 'reply bytes');
    },
  },
  {
    name: 'an entrypoint suspended in an await is blocked: further calls queue and are served in order',
    async run(kernel) {
      const server = domain(kernel, 'server');
      const order: number[] = [];
      const release = gate();
      server.thread.serve({
        async onCall(_object, request) {
          const value = readWord(request);
          order.push(value);
          if (value === 1) await release.promise;
          writeWord(server.thread.utcb, value * 10);
          server.thread.reply();
        },
        onSignal() {},
      });
      const object = server.thread.createRpcObject();
      const clients = [1, 2, 3].map((i) => domain(kernel, `client${i}`));
      const calls = clients.map((client, i) =>
        callWord(client.thread, kernel.delegate(server.pd, object, client.pd), i + 1),
      );
      await kernel.settle();
      equalList(order, [1], 'only the first call runs while the handler awaits');
      release.open();
      equalList(await Promise.all(calls), [10, 20, 30], 'replies');
      equalList(order, [1, 2, 3], 'calls served one at a time, first come first served');
    },
  },
  {
    name: 'a call into the caller own entrypoint is a deadlock error',
    run(kernel) {
      const server = incrementServer(kernel);
      writeWord(server.thread.utcb, 1);
      const error = rejects(() => server.thread.call(server.object), DeadlockError, 'self call');
      return error.then((deadlock) => equalList(deadlock.cycle, ['server.ep', 'server.ep'], 'cycle'));
    },
  },
  {
    name: 'a call around a cycle of waiting entrypoints is a deadlock error naming the cycle',
    async run(kernel) {
      const a = domain(kernel, 'a');
      const b = domain(kernel, 'b');
      const aObject = a.thread.createRpcObject();
      const bObject = b.thread.createRpcObject();
      const bInA = kernel.delegate(b.pd, bObject, a.pd);
      const aInB = kernel.delegate(a.pd, aObject, b.pd);
      const bEntered = gate();
      const release = gate();
      let bResult = '';
      a.thread.serve({
        async onCall() {
          writeWord(a.thread.utcb, 0);
          await a.thread.call(bInA);
          writeWord(a.thread.utcb, 7);
          a.thread.reply();
        },
        onSignal() {},
      });
      b.thread.serve({
        async onCall() {
          bEntered.open();
          await release.promise;
          writeWord(b.thread.utcb, 0);
          try {
            await b.thread.call(aInB);
            bResult = 'returned';
          } catch (error) {
            bResult = error instanceof DeadlockError ? error.cycle.join(' -> ') : String(error);
          }
          writeWord(b.thread.utcb, 5);
          b.thread.reply();
        },
        onSignal() {},
      });
      const client = domain(kernel, 'client');
      const aInClient = kernel.delegate(a.pd, aObject, client.pd);
      const outer = callWord(client.thread, aInClient, 0);
      await bEntered.promise;
      release.open();
      equal(await outer, 7, 'the outer call completes after the deadlock was refused');
      equal(bResult, 'b.ep -> a.ep -> b.ep', 'b got a DeadlockError naming the cycle');
    },
  },
  {
    name: 'a handler that throws gives the caller a ServerFaultError and the entrypoint keeps serving',
    async run(kernel) {
      const server = domain(kernel, 'server');
      server.thread.serve({
        onCall(_object, request) {
          if (readWord(request) === 0) throw new Error('boom');
          writeWord(request, readWord(request) + 1);
        },
        onSignal() {},
      });
      const object = server.thread.createRpcObject();
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, object, client.pd);
      const fault = await rejects(() => callWord(client.thread, selector, 0), ServerFaultError, 'throwing handler');
      check(fault.message.includes('boom'), 'the fault names the thrown error');
      equal(await callWord(client.thread, selector, 1), 2, 'next call is served');
    },
  },
  {
    name: 'an async handler that settles without replying gives the caller a ServerFaultError',
    async run(kernel) {
      const server = domain(kernel, 'server');
      server.thread.serve({
        async onCall(_object, request) {
          if (readWord(request) === 1) throw new Error('async boom');
        },
        onSignal() {},
      });
      const object = server.thread.createRpcObject();
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, object, client.pd);
      await rejects(() => callWord(client.thread, selector, 0), ServerFaultError, 'no reply');
      const fault = await rejects(() => callWord(client.thread, selector, 1), ServerFaultError, 'rejected handler');
      check(fault.message.includes('async boom'), 'the fault names the rejection');
    },
  },
  {
    name: 'a message larger than the IPC buffer or with too many caps is refused before the server sees it',
    run(kernel) {
      let served = 0;
      const server = domain(kernel, 'server');
      server.thread.serve({
        onCall() {
          served++;
        },
        onSignal() {},
      });
      const object = server.thread.createRpcObject();
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, object, client.pd);
      client.thread.utcb.length = kernel.ipcBufferSize + 1;
      const tooLarge = rejects(() => client.thread.call(selector), MessageTooLargeError, 'oversized message');
      return tooLarge.then(async () => {
        client.thread.utcb.length = 0;
        client.thread.utcb.capCount = MAX_CAPS_PER_MESSAGE + 1;
        await rejects(() => client.thread.call(selector), TooManyCapabilitiesError, 'five caps');
        client.thread.utcb.capCount = 0;
        equal(served, 0, 'the server saw neither');
      });
    },
  },
  {
    name: 'a call on a selector never handed to the PD is an InvalidCapabilityError',
    async run(kernel) {
      const server = incrementServer(kernel);
      const client = domain(kernel, 'client');
      writeWord(client.thread.utcb, 1);
      await rejects(() => client.thread.call(server.object), InvalidCapabilityError, 'server selector used by client');
      await rejects(() => client.thread.call(0), InvalidCapabilityError, 'selector 0');
      await rejects(() => client.thread.call(-5), InvalidCapabilityError, 'negative selector');
      await rejects(() => client.thread.call(1.5), InvalidCapabilityError, 'fractional selector');
      await rejects(() => client.thread.call(2 ** 40), InvalidCapabilityError, 'huge selector');
    },
  },
  {
    name: 'a queued call whose object is dissolved is aborted',
    async run(kernel) {
      const server = domain(kernel, 'server');
      const release = gate();
      server.thread.serve({
        async onCall() {
          await release.promise;
          writeWord(server.thread.utcb, 1);
          server.thread.reply();
        },
        onSignal() {},
      });
      const first = server.thread.createRpcObject();
      const second = server.thread.createRpcObject();
      const client = domain(kernel, 'client');
      const other = domain(kernel, 'other');
      const busy = callWord(client.thread, kernel.delegate(server.pd, first, client.pd), 0);
      const queued = callWord(other.thread, kernel.delegate(server.pd, second, other.pd), 0);
      server.thread.dissolve(second);
      await rejects(() => queued, CallAbortedError, 'queued call to dissolved object');
      release.open();
      equal(await busy, 1, 'the call in progress completes');
    },
  },
  {
    name: 'destroying a PD aborts the calls its threads were serving or had queued',
    async run(kernel) {
      const server = domain(kernel, 'server');
      server.thread.serve({
        async onCall() {
          await new Promise<void>(() => undefined);
        },
        onSignal() {},
      });
      const object = server.thread.createRpcObject();
      const client = domain(kernel, 'client');
      const other = domain(kernel, 'other');
      const inProgress = callWord(client.thread, kernel.delegate(server.pd, object, client.pd), 0);
      const queued = callWord(other.thread, kernel.delegate(server.pd, object, other.pd), 0);
      await kernel.settle();
      kernel.destroyPd(server.pd);
      await rejects(() => inProgress, CallAbortedError, 'call in progress');
      await rejects(() => queued, CallAbortedError, 'queued call');
    },
  },
];

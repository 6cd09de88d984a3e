import type { Kernel } from '../kernel.js';
import { InvalidCapabilityError, ServerFaultError } from '../errors.js';
import { check, equal, equalList, rejects, throws } from './assert.js';
import { callWord, domain, gate, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

/**
 * A client's signal handler starts a call it does not await and returns; the server answers only after a nested call
 * to a third PD, by replying (`ending` 'reply') or by throwing (a fault reply). The client's entrypoint must be back in
 * its receive afterwards: a later signal to it is delivered. (seL4 lost it once: the handler ended while its call was
 * still pending, and the late reply did not send the entrypoint back to its receive.)
 */
async function signalAfterLateReply(kernel: Kernel, ending: 'reply' | 'throw'): Promise<void> {
  const log = domain(kernel, 'log');
  log.thread.serve({
    async onCall() {
      await Promise.resolve();
      writeWord(log.thread.utcb, 0);
      log.thread.reply();
    },
    onSignal() {},
  });
  const server = domain(kernel, 'server');
  const logInServer = kernel.delegate(log.pd, log.thread.createRpcObject(), server.pd);
  server.thread.serve({
    async onCall() {
      writeWord(server.thread.utcb, 1);
      await server.thread.call(logInServer);
      if (ending === 'throw') throw new Error('denied after logging');
      writeWord(server.thread.utcb, 2);
      server.thread.reply();
    },
    onSignal() {},
  });
  const client = domain(kernel, 'client');
  const object = kernel.delegate(server.pd, server.thread.createRpcObject(), client.pd);
  // the outcome, caught at once: the call may fault before the test looks at it
  let call: Promise<unknown> | null = null;
  const seen: number[] = [];
  client.thread.serve({
    onCall() {},
    onSignal(imprint) {
      seen.push(imprint);
      if (imprint === 1) call = callWord(client.thread, object, 0).catch((error: unknown) => error);
    },
  });
  const start = client.thread.createSignalContext(1);
  const later = client.thread.createSignalContext(2);
  client.thread.submitSignal(start);
  await kernel.settle();
  check(call !== null, 'the first signal started the call');
  const outcome = await (call as Promise<unknown>);
  if (ending === 'reply') equal(outcome, 2, 'the late reply');
  else
    await rejects(
      () => {
        throw outcome;
      },
      ServerFaultError,
      'the late fault reply',
    );
  const sender = domain(kernel, 'sender');
  sender.thread.submitSignal(kernel.delegate(client.pd, later, sender.pd));
  await kernel.settle();
  equalList(seen, [1, 2], 'the signal after the late reply was delivered');
}

/** Asynchronous signals: counted, delivered to the entrypoint when idle. */
export const signalCases: ConformanceCase[] = [
  {
    name: 'a submitted signal is delivered asynchronously with its imprint and count',
    async run(kernel) {
      const receiver = domain(kernel, 'receiver');
      const deliveries: [number, number][] = [];
      receiver.thread.serve({
        onCall() {},
        onSignal(imprint, count) {
          deliveries.push([imprint, count]);
        },
      });
      const context = receiver.thread.createSignalContext(77);
      equal(receiver.thread.kindOf(context), 'signal-context', 'kind');
      const sender = domain(kernel, 'sender');
      const selector = kernel.delegate(receiver.pd, context, sender.pd);
      sender.thread.submitSignal(selector);
      equal(deliveries.length, 0, 'not delivered inside submit');
      await kernel.settle();
      equal(deliveries.length, 1, 'one delivery');
      equalList(deliveries[0] ?? [], [77, 1], 'imprint and count');
    },
  },
  {
    name: 'submits to a busy entrypoint queue and arrive as one delivery with their sum',
    async run(kernel) {
      const receiver = domain(kernel, 'receiver');
      const release = gate();
      const counts: number[] = [];
      receiver.thread.serve({
        async onCall() {
          await release.promise;
          writeWord(receiver.thread.utcb, 0);
          receiver.thread.reply();
        },
        onSignal(_imprint, count) {
          counts.push(count);
        },
      });
      const object = receiver.thread.createRpcObject();
      const context = receiver.thread.createSignalContext(1);
      const sender = domain(kernel, 'sender');
      const call = callWord(sender.thread, kernel.delegate(receiver.pd, object, sender.pd), 0);
      const selector = kernel.delegate(receiver.pd, context, sender.pd);
      sender.thread.submitSignal(selector);
      sender.thread.submitSignal(selector, 2);
      await kernel.settle();
      equal(counts.length, 0, 'nothing delivered while the entrypoint is blocked');
      release.open();
      await call;
      await kernel.settle();
      equalList(counts, [3], 'one delivery counting all three');
    },
  },
  {
    name: 'a signal handler suspended in an await blocks the entrypoint; later submits deliver after it',
    async run(kernel) {
      const receiver = domain(kernel, 'receiver');
      const release = gate();
      const log: string[] = [];
      receiver.thread.serve({
        onCall() {},
        async onSignal(imprint, count) {
          log.push(`start ${imprint}x${count}`);
          if (imprint === 1) await release.promise;
          log.push(`end ${imprint}`);
        },
      });
      const one = receiver.thread.createSignalContext(1);
      const two = receiver.thread.createSignalContext(2);
      receiver.thread.submitSignal(one);
      await kernel.settle();
      receiver.thread.submitSignal(two);
      receiver.thread.submitSignal(one);
      await kernel.settle();
      equalList(log, ['start 1x1'], 'the second signal waits');
      release.open();
      await kernel.settle();
      equalList(log, ['start 1x1', 'end 1', 'start 2x1', 'end 2', 'start 1x1', 'end 1'], 'in order, one at a time');
    },
  },
  {
    name: 'a signal that arrives while its entrypoint is inside a call is delivered once the call returned',
    async run(kernel) {
      const client = domain(kernel, 'client');
      const counts: number[] = [];
      client.thread.serve({
        onCall() {},
        onSignal(_imprint, count) {
          counts.push(count);
        },
      });
      const context = client.thread.createSignalContext(9);
      const server = domain(kernel, 'server');
      const contextInServer = kernel.delegate(client.pd, context, server.pd);
      server.thread.serve({
        onCall(_object, request) {
          server.thread.submitSignal(contextInServer, 2);
          writeWord(request, 0);
        },
        onSignal() {},
      });
      const object = kernel.delegate(server.pd, server.thread.createRpcObject(), client.pd);
      await callWord(client.thread, object, 1);
      await kernel.settle();
      equalList(counts, [2], 'delivered after the call');
    },
  },
  {
    name: 'a signal arrives after a call its handler left pending was answered late, past a nested call',
    run: (kernel) => signalAfterLateReply(kernel, 'reply'),
  },
  {
    name: 'a signal arrives after a call its handler left pending faulted late, past a nested call',
    run: (kernel) => signalAfterLateReply(kernel, 'throw'),
  },
  {
    name: 'a signal that woke the entrypoint is delivered after a call begun before its delivery was answered late',
    async run(kernel) {
      const server = domain(kernel, 'server');
      const release = gate();
      server.thread.serve({
        async onCall() {
          await release.promise;
          writeWord(server.thread.utcb, 3);
          server.thread.reply();
        },
        onSignal() {},
      });
      const client = domain(kernel, 'client');
      const object = kernel.delegate(server.pd, server.thread.createRpcObject(), client.pd);
      const seen: number[] = [];
      client.thread.serve({
        onCall() {},
        onSignal(imprint) {
          seen.push(imprint);
        },
      });
      const context = client.thread.createSignalContext(4);
      const sender = domain(kernel, 'sender');
      sender.thread.submitSignal(kernel.delegate(client.pd, context, sender.pd));
      const call = callWord(client.thread, object, 0);
      await kernel.settle();
      release.open();
      equal(await call, 3, 'the reply');
      await kernel.settle();
      equalList(seen, [4], 'the signal was delivered');
    },
  },
  {
    name: 'a dissolved signal context neither delivers nor accepts submits',
    async run(kernel) {
      const receiver = domain(kernel, 'receiver');
      let deliveries = 0;
      receiver.thread.serve({
        onCall() {},
        onSignal() {
          deliveries++;
        },
      });
      const context = receiver.thread.createSignalContext(5);
      const sender = domain(kernel, 'sender');
      const selector = kernel.delegate(receiver.pd, context, sender.pd);
      sender.thread.submitSignal(selector);
      receiver.thread.dissolve(context);
      await kernel.settle();
      equal(deliveries, 0, 'the pending submit was dropped');
      throws(() => sender.thread.submitSignal(selector), InvalidCapabilityError, 'submit after dissolve');
      check(!sender.thread.valid(selector), 'invalid for the sender');
    },
  },
  {
    name: 'a signal handler that throws does not stop later deliveries',
    async run(kernel) {
      const receiver = domain(kernel, 'receiver');
      const seen: number[] = [];
      receiver.thread.serve({
        onCall() {},
        onSignal(imprint) {
          seen.push(imprint);
          if (imprint === 1) throw new Error('handler fault');
        },
      });
      const one = receiver.thread.createSignalContext(1);
      const two = receiver.thread.createSignalContext(2);
      receiver.thread.submitSignal(one);
      await kernel.settle();
      receiver.thread.submitSignal(two);
      receiver.thread.submitSignal(one);
      await kernel.settle();
      equalList(seen, [1, 2, 1], 'deliveries go on');
    },
  },
];

import { InvalidCapabilityError } from '../errors.js';
import { check, equal, equalList, throws } from './assert.js';
import { callWord, domain, gate, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

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

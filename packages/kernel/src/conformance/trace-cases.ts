import type { TraceEvent } from '../trace.js';
import { check, equal } from './assert.js';
import { domain, incrementServer, writeWord } from './fixture.js';
import type { ConformanceCase } from './suite.js';

/** The trace hook. */
export const traceCases: ConformanceCase[] = [
  {
    name: 'with a trace hook installed, calls and replies are reported with their peers; removed, nothing is',
    run(kernel) {
      const server = incrementServer(kernel);
      const client = domain(kernel, 'client');
      const selector = kernel.delegate(server.pd, server.object, client.pd);
      const events: TraceEvent[] = [];
      kernel.setTrace((event) => events.push(event));
      writeWord(client.thread.utcb, 1);
      client.thread.call(selector);
      const call = events.find((event) => event.operation === 'call');
      const reply = events.find((event) => event.operation === 'reply');
      check(call !== undefined, 'call traced');
      check(reply !== undefined, 'reply traced');
      equal(call.pd, 'client', 'call actor');
      equal(call.target, 'server.ep', 'call target');
      equal(call.bytes, 4, 'call size');
      equal(reply.target, 'client.ep', 'reply target');
      kernel.setTrace(null);
      const count = events.length;
      client.thread.call(selector);
      equal(events.length, count, 'nothing traced once removed');
    },
  },
];

// Family 6: confinement and records. A component loaded from a module file runs in its own SES
// compartment: it reaches the system only through its sessions. The attacker here is such a module
// file: it reaches for Node (process, require, import() of built-ins, the host's Function constructor
// through the objects it was handed) and tries prototype pollution through records it sends and
// records it receives (`__proto__`, `constructor`, `prototype` keys, in `codec.value` and in record
// codecs). It logs the outcome of every attempt; the test checks each line, that a confined
// bystander keeps ticking, and that nothing leaked into the shared intrinsics.

import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RpcObject, type RpcValue, type ServerOf, codec, defineInterface, method } from '@os/rpc';
import { type ComponentModule, type Env, RootComponent } from '@os/runtime';
import { runSystem } from '@os/testing';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL } from './support/kernel-world.js';

/** Record fields that are dangerous as property names. */
const dangerous = { ['__proto__']: codec.value, constructor: codec.value, prototype: codec.value };

/** The Store the attacker talks to; the module file declares the same interface (same fingerprint). */
const Store = defineInterface('Store', {
  keep: method([codec.value], codec.u32),
  rec: method([codec.record(dangerous)], codec.u32),
  give: method([], codec.value),
  giveRecord: method([], codec.record(dangerous)),
});

/** The same declaration, as the attacker's module file writes it. */
const STORE_SOURCE = `const dangerous = { ['__proto__']: codec.value, constructor: codec.value, prototype: \
codec.value };
const Store = defineInterface('Store', {
  keep: method([codec.value], codec.u32),
  rec: method([codec.record(dangerous)], codec.u32),
  give: method([], codec.value),
  giveRecord: method([], codec.record(dangerous)),
});`;

/** A hostile value: own `__proto__`, `constructor` and `prototype` keys holding records that would pollute. */
const HOSTILE_JSON =
  '{"__proto__":{"polluted":"via __proto__"},"constructor":{"prototype":{"polluted":"via ' +
  'constructor.prototype"}},"prototype":{"polluted":"via prototype"}}';

const ATTACKER = `import { Connection } from '@os/session';
import { codec, defineInterface, method } from '@os/rpc';
${STORE_SOURCE}

const outcomes = [];
function attempt(name, probe) {
  try {
    const reached = probe();
    outcomes.push(name + ': ' + (reached ? 'OPEN ' + String(reached) : 'blocked'));
  } catch (error) {
    outcomes.push(name + ': blocked (' + (error?.name ?? typeof error) + ')');
  }
}
async function attemptAsync(name, probe) {
  try {
    const reached = await probe();
    outcomes.push(name + ': ' + (reached ? 'OPEN' : 'blocked'));
  } catch (error) {
    outcomes.push(name + ': blocked (' + (error?.name ?? typeof error) + ')');
  }
}
const HOST_GLOBALS = ['process', 'require', 'module', 'exports', 'Buffer', 'global', 'setTimeout', 'setInterval', \
'setImmediate', 'fetch', '__dirname', '__filename'];
function naiveMerge(target, source) {
  for (const key in source) {
    if (typeof source[key] === 'object' && source[key] !== null) naiveMerge(target[key] ?? (target[key] = {}), \
source[key]);
    else target[key] = source[key];
  }
  return target;
}

export async function construct(env) {
  const store = (await Connection.openSession(env, Store, { service: 'Store', ram: 0, caps: 1 })).session;
  const quotaBefore = JSON.stringify(env.pd.quota());
  // reaching for Node and the host realm
  attempt('escape process', () => typeof process !== 'undefined');
  attempt('escape globalThis.process', () => globalThis.process !== undefined);
  attempt('escape require', () => typeof require !== 'undefined');
  attempt('escape host globals', () => HOST_GLOBALS.filter((name) => name in globalThis).join(','));
  attempt("escape Function('return this')()", () => { const self = Function('return this')(); return self !== \
undefined && self.process !== undefined; });
  attempt("escape Function('return process')()", () => Function('return typeof process')() !== 'undefined');
  attempt('escape indirect eval', () => (0, eval)('typeof process') !== 'undefined');
  attempt('escape console.log.constructor', () => console.log.constructor('return process')() !== undefined);
  attempt('escape env.constructor.constructor', () => env.constructor.constructor('return process')() !== undefined);
  attempt('escape AsyncFunction constructor', () => (async () => undefined).constructor('return process') !== \
undefined);
  attempt('escape Error.prepareStackTrace', () => { Error.prepareStackTrace = (_error, sites) => sites; return \
typeof new Error('x').stack !== 'string'; });
  await attemptAsync('escape import node:fs', async () => (await import('node:fs')) !== undefined);
  await attemptAsync('escape import node:child_process', async () => (await import('node:child_process')) !== \
undefined);
  await attemptAsync('escape import @os/kernel-hw', async () => (await import('@os/kernel-hw')) !== undefined);

  // prototype pollution through records, sent and received
  const hostile = JSON.parse('${HOSTILE_JSON}');
  await attemptAsync('pollute by sending codec.value', async () => { await store.keep(hostile); return \
({}).polluted !== undefined; });
  await attemptAsync('pollute by sending a record codec', async () => { await store.rec(hostile); return \
({}).polluted !== undefined; });
  const received = await store.give();
  attempt('received codec.value keeps its keys as own data', () => !(Object.getPrototypeOf(received) === \
Object.prototype && Object.hasOwn(received, '__proto__') && Object.hasOwn(received, 'constructor') && \
Object.hasOwn(received, 'prototype')));
  attempt('pollute by Object.assign of a received value', () => { Object.assign({}, received); return ({}).polluted \
!== undefined; });
  attempt('pollute by a naive merge of a received value', () => { naiveMerge({}, received); return ({}).polluted \
!== undefined; });
  attempt('pollute by received.constructor.prototype', () => { const target = {}; \
target.constructor.prototype.polluted = 'directly'; return true; });
  const record = await store.giveRecord();
  attempt('received record codec keeps its keys as own data', () => !(Object.getPrototypeOf(record) === \
Object.prototype && Object.hasOwn(record, '__proto__') && Object.hasOwn(record, 'constructor')));
  attempt('pollute by a naive merge of a received record', () => { naiveMerge({}, record); return ({}).polluted !== \
undefined; });
  attempt('pollute Object.prototype directly', () => { Object.prototype.polluted = 'directly'; return true; });
  for (const line of outcomes) await env.log(line);
  await env.log('store still answers ' + (await store.keep('plain')));
  await env.log('quota unchanged: ' + (JSON.stringify(env.pd.quota()) === quotaBefore));
}
`;

const TICKER = `import { Timer } from '@os/timer';
export async function construct(env) {
  const timer = await Timer.Connection.open(env);
  for (let tick = 1; tick <= 5; tick++) {
    await timer.msleep(10);
    await env.log('tick ' + tick);
  }
  await env.parent.exit(0);
}
`;

const CONFIG = `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="Rtc"/> \
</parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  <start name="store"> <provides> <service name="Store"/> </provides> </start>
  <start name="attacker"> <binary name="./attacker.mjs"/> </start>
  <start name="ticker"> <binary name="./ticker.mjs"/> <exit propagate="yes"/> </start>
</config>`;

/** What the Store server received, as its methods saw it, and its own quota at each call. */
const received: { kept: RpcValue[]; records: Record<string, unknown>[]; quota: unknown[] } = {
  kept: [],
  records: [],
  quota: [],
};

/** The Store: keeps what it is sent, and answers with hostile values itself. */
const store: ComponentModule = {
  async construct(env: Env) {
    class StoreSession extends RpcObject<typeof Store> implements ServerOf<typeof Store> {
      constructor() {
        super(Store);
      }
      keep(value: RpcValue): number {
        received.quota.push(env.pd.quota());
        received.kept.push(value);
        return received.kept.length;
      }
      rec(record: Record<string, unknown>): number {
        received.records.push(record);
        return received.records.length;
      }
      give(): RpcValue {
        return JSON.parse(HOSTILE_JSON) as RpcValue;
      }
      giveRecord(): { __proto__: RpcValue; constructor: RpcValue; prototype: RpcValue } {
        return JSON.parse(HOSTILE_JSON) as { __proto__: RpcValue; constructor: RpcValue; prototype: RpcValue };
      }
    }
    class StoreRoot extends RootComponent<StoreSession> {
      constructor() {
        super({ service: 'Store', ep: env.ep });
      }
      protected override createSession(): StoreSession {
        return new StoreSession();
      }
    }
    await new StoreRoot().announce(env);
  },
};

let directory = '';

beforeAll(() => {
  directory = realpathSync(mkdtempSync(join(tmpdir(), 'os-attacks-')));
  writeFileSync(join(directory, 'attacker.mjs'), ATTACKER);
  writeFileSync(join(directory, 'ticker.mjs'), TICKER);
});

describe(`confinement and record attacks on ${KERNEL.name}`, () => {
  let lines: readonly string[] = [];
  let exit: number | null = null;
  const attacker = (prefix: string): string[] =>
    lines
      .filter((line) => line.startsWith(`[init -> attacker] ${prefix}`))
      .map((line) => line.slice('[init -> attacker] '.length));

  beforeAll(async () => {
    const run = await runSystem({
      config: CONFIG,
      directory,
      binaries: { store },
      kernel: KERNEL.name as 'hw' | 'nova' | 'sel4',
    });
    lines = run.lines;
    exit = run.exit;
  });

  /** What every attack of this family leaves as it was: the bystander, the Store, the quota and the intrinsics. */
  function expectUnharmed(): void {
    // the confined bystander ticked to its end and its exit ended the run
    expect(lines.filter((line) => line.startsWith('[init -> ticker]'))).toEqual(
      ['tick 1', 'tick 2', 'tick 3', 'tick 4', 'tick 5'].map((tick) => `[init -> ticker] ${tick}`),
    );
    expect(exit).toBe(0);
    // the Store answered the attacker's last, plain request; neither its quota nor the attacker's moved
    expect(attacker('store still answers')).toEqual(['store still answers 2']);
    expect(received.quota).toHaveLength(2);
    expect(received.quota[1]).toEqual(received.quota[0]);
    expect(attacker('quota unchanged')).toEqual(['quota unchanged: true']);
    // nothing reached the intrinsics every compartment and this test share
    expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    expect(Object.isFrozen(Object.prototype)).toBe(true);
  }

  it(
    'reaching for Node: process, require, host globals, the Function constructor and indirect eval of its own ' +
      'compartment find nothing',
    () => {
      expect(attacker('escape').slice(0, 7)).toEqual([
        'escape process: blocked',
        'escape globalThis.process: blocked',
        'escape require: blocked',
        'escape host globals: blocked',
        "escape Function('return this')(): blocked",
        "escape Function('return process')(): blocked",
        'escape indirect eval: blocked',
      ]);
      expectUnharmed();
    },
  );

  it(
    "reaching the host realm's Function constructor through objects it was handed (console.log, env, an async " +
      'function) and rewriting Error.prepareStackTrace: TypeError, or no effect',
    () => {
      expect(attacker('escape').slice(7, 11)).toEqual([
        'escape console.log.constructor: blocked (TypeError)',
        'escape env.constructor.constructor: blocked (TypeError)',
        'escape AsyncFunction constructor: blocked (TypeError)',
        'escape Error.prepareStackTrace: blocked',
      ]);
      expectUnharmed();
    },
  );

  it(
    'import() of Node built-ins (node:fs, node:child_process) and of an @os package the system does not grant ' +
      '(@os/kernel-hw) is refused',
    () => {
      expect(attacker('escape').slice(11)).toEqual([
        'escape import node:fs: blocked (TypeError)',
        'escape import node:child_process: blocked (TypeError)',
        'escape import @os/kernel-hw: blocked (ConfinementError)',
      ]);
      expectUnharmed();
    },
  );

  it(
    'sending records with __proto__, constructor and prototype keys (codec.value and a record codec): the Store ' +
      'decodes them as plain own keys of records whose prototype is Object.prototype',
    () => {
      expect(attacker('pollute by sending')).toEqual([
        'pollute by sending codec.value: blocked',
        'pollute by sending a record codec: blocked',
      ]);
      expect(received.kept[0]).toBeDefined();
      expect(received.records).toHaveLength(1);
      for (const value of [
        received.kept[0] as Record<string, unknown>,
        received.records[0] as Record<string, unknown>,
      ]) {
        expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
        expect(Object.keys(value).sort()).toEqual(['__proto__', 'constructor', 'prototype']);
        expect(Object.getOwnPropertyDescriptor(value, '__proto__')?.value).toEqual({ polluted: 'via __proto__' });
        expect(value['constructor']).toEqual({ prototype: { polluted: 'via constructor.prototype' } });
      }
      expectUnharmed();
    },
  );

  it(
    'receiving records with those keys and feeding them to Object.assign, a naive deep merge, or writing through ' +
      ('constructor.prototype: own keys on arrival, and every write that would reach a shared prototype is a ' +
        'TypeError (the intrinsics are frozen)'),
    () => {
      expect([
        ...attacker('received'),
        ...attacker('pollute by Object.assign'),
        ...attacker('pollute by a naive'),
        ...attacker('pollute by received'),
        ...attacker('pollute Object.prototype'),
      ]).toEqual([
        'received codec.value keeps its keys as own data: blocked',
        'received record codec keeps its keys as own data: blocked',
        'pollute by Object.assign of a received value: blocked',
        'pollute by a naive merge of a received value: blocked (TypeError)',
        'pollute by a naive merge of a received record: blocked (TypeError)',
        'pollute by received.constructor.prototype: blocked (TypeError)',
        'pollute Object.prototype directly: blocked (TypeError)',
      ]);
      expectUnharmed();
    },
  );
});

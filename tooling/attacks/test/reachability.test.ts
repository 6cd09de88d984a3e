// The reachability audit: what a confined component can reach is either frozen or its own, and
// nothing it can reach touches the host except through a session.
//
// Two confined components (two compartments of one module file) hand the test everything they can
// reach: the @os namespaces they import, env and what its methods return (connections, ROM, signal
// handler, threads, dataspace bytes), an RPC object and a client of their own, and their IPC buffer.
// The test walks the object graph from there, as a component would (properties, getters, prototypes),
// and asserts (1) every object reachable from the granted namespaces is frozen, (2) every object both
// components reach is frozen (so nothing one changes is seen by the other, or by init and core, which
// use the same classes), and (3) no function either reaches is defined in a host file that uses, or
// imports anything that uses, the file system, timers, clocks, the process or the network.

import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VirtualClock } from '@os/kernel';
import { init } from '@os/init';
import { BinaryLoader, hardenRealm, systemModules } from '@os/loader';
import { boot } from '@os/runtime/host';
import { timerDriver } from '@os/timer';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL } from './support/kernel-world.js';
import { FunctionLocator, HostAudit, type Reach, walk } from './support/reachability.js';

const PROBE = `import * as capability from '@os/capability';
import * as kernel from '@os/kernel';
import * as rpc from '@os/rpc';
import * as session from '@os/session';
import * as runtime from '@os/runtime';
import * as timer from '@os/timer';
import * as rom from '@os/rom';
import { collect } from '@audit/probe';

const Echo = rpc.defineInterface('Echo', { echo: rpc.method([rpc.codec.u32], rpc.codec.u32) });
class EchoObject extends rpc.RpcObject {
  constructor() { super(Echo); }
  echo(value) { return value; }
}

export async function construct(env) {
  const clock = await timer.Timer.Connection.open(env);
  const handler = new runtime.SignalHandler(env.ep, () => undefined);
  await clock.sigh(handler);
  const config = await runtime.AttachedRomDataspace.open(env, 'config');
  const object = new EchoObject();
  const echo = env.ep.manage(object);
  const client = rpc.connect(Echo, env.thread, echo);
  const dataspace = env.ram.alloc(4096);
  const thread = env.createThread('audit');
  const log = await env.openLog();
  collect(env.name, {
    namespaces: { capability, kernel, rpc, session, runtime, timer, rom },
    env, parent: env.parent, ep: env.ep, thread: env.thread, utcb: env.thread.utcb, quota: env.pd.quota(),
    clock, handler, config, object, echo, client, dataspace, bytes: env.rm.attach(dataspace),
    blocking: env.blockingSignal(), extraThread: thread, extraUtcb: thread.utcb, log, logSession: log.session,
  });
  await env.log('collected');
}
`;

const CONFIG = `<config>
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="CPU"/> <service \
name="Rtc"/> </parent-provides>
  <default-route> <any-service> <parent/> <any-child/> </any-service> </default-route>
  <default caps="100" ram="1M"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  <start name="a"> <binary name="./probe.mjs"/> <config/> </start>
  <start name="b"> <binary name="./probe.mjs"/> <config/> </start>
</config>`;

/** What each component handed over, by name. */
const collected = new Map<string, Readonly<Record<string, unknown>>>();
let namespaceReach: Reach;
let reaches: Map<string, Reach>;
let directory: string;

/** The path of each object in `reach` that is not frozen, at most `limit` of them. */
function unfrozen(objects: Iterable<[object, string]>, limit = 30): string[] {
  const found: string[] = [];
  for (const [object, path] of objects) {
    if (!Object.isFrozen(object)) found.push(path);
    if (found.length >= limit) break;
  }
  return found;
}

beforeAll(async () => {
  await hardenRealm();
  directory = realpathSync(mkdtempSync(join(tmpdir(), 'os-audit-')));
  writeFileSync(join(directory, 'probe.mjs'), PROBE);
  const probe = {
    collect: (name: string, roots: Readonly<Record<string, unknown>>) => void collected.set(name, roots),
  };
  const loader = new BinaryLoader({
    directory,
    builtins: { init, timer: timerDriver },
    modules: { '@audit/probe': probe },
  });
  const clock = new VirtualClock(1);
  const stop = new AbortController();
  const system = await boot(
    { init: 'init', binaries: loader.resolve, roms: new Map([['config', new TextEncoder().encode(CONFIG)]]) },
    { kernel: KERNEL.factory, clock, signal: stop.signal },
  );
  const run = system.exit.catch(() => -1);
  for (let step = 0; step < 200 && collected.size < 2; step++) await new Promise((resolve) => setTimeout(resolve, 10));
  stop.abort();
  void run;
  expect(
    system.lines.filter((line) => line.endsWith('collected')),
    system.lines.join('\n'),
  ).toHaveLength(2);
  const namespaces = await systemModules();
  namespaceReach = walk(Object.fromEntries(namespaces));
  reaches = new Map([...collected].map(([name, roots]) => [name, walk(roots)]));
});

describe(`the reachability audit (${KERNEL.name})`, () => {
  it('finds every object reachable from the granted @os namespaces frozen', () => {
    expect(namespaceReach.objects.size).toBeGreaterThan(500);
    expect(unfrozen(namespaceReach.objects)).toEqual([]);
  });

  it('finds every object that two components both reach frozen: nothing one changes is seen by another', () => {
    const a = reaches.get('a') as Reach;
    const b = reaches.get('b') as Reach;
    const shared = [...a.objects].filter(([object]) => b.objects.has(object));
    expect(shared.length).toBeGreaterThan(500);
    expect(unfrozen(shared)).toEqual([]);
    // what is a component's own is its own: its env, its connections, its IPC buffer are not the other's
    for (const own of ['env', 'clock', 'client', 'utcb', 'object'])
      expect(b.objects.has(collected.get('a')?.[own] as object), own).toBe(false);
  });

  it(
    'reaches no function defined in a host file that touches the file system, timers, clocks, the process or the ' +
      'network',
    () => {
      const locator = new FunctionLocator();
      const audit = new HostAudit();
      const touching = new Set<string>();
      const files = new Set<string>();
      try {
        for (const reach of [namespaceReach, ...reaches.values()]) {
          for (const [object, path] of reach.objects) {
            if (typeof object !== 'function') continue;
            const url = locator.locate(object);
            if (url === undefined || !url.startsWith('file:')) continue;
            const file = fileURLToPath(url);
            if (file.startsWith(directory)) continue; // the component's own code
            files.add(file);
            const why = audit.touchesHost(file);
            if (why !== null) touching.add(`${path}: ${why}`);
          }
        }
      } finally {
        locator.close();
      }
      expect(files.size).toBeGreaterThan(30);
      expect([...touching].slice(0, 30)).toEqual([]);
    },
  );
});

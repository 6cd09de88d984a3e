// Family 4: control flow. Calls that can never be answered (into the caller's own entrypoint, around
// a cycle of components), a server that goes away while it is being called, and a component that
// dies holding sessions. The kernel ends what cannot complete with a typed error naming why; when a
// component is gone its servers drop its sessions and its quota comes back to its parent.

import { Capability } from '@os/capability';
import { type ClientOf, RpcObject, type ServerOf, codec, connect, defineInterface, method } from '@os/rpc';
import { type ComponentModule, type Env, RootComponent, SignalHandler } from '@os/runtime';
import { Connection } from '@os/session';
import { Timer } from '@os/timer';
import { describe, expect, it } from 'vitest';
import { Counter } from './support/counter.js';
import { CounterServer, KERNEL, codeOf, domain, kernelWorld } from './support/kernel-world.js';
import {
  type AttackSystem,
  BYSTANDER,
  COUNTER_SESSION_CAPS,
  COUNTER_SESSION_RAM,
  type Figures,
  attackSystem,
  quotaTable,
  runAttack,
} from './support/system.js';
import { expectUnharmed } from './support/unharmed.js';

/** What a relay answers: its name and the rest of the chain, or where the chain was refused. */
const Relay = defineInterface('Relay', { relay: method([codec.u32], codec.string) });

/** What the relays of a cycle saw. */
interface RelayRecord {
  /** The chain's answer, as the first relay got it. */
  result: string;
  /** The refusals: which relay's call failed, with what code and cycle. */
  readonly refusals: { at: string; code: string; cycle: readonly string[] }[];
  /** Each relay's quota before the chain and after it. */
  readonly quota: Record<string, [unknown, unknown]>;
  /** init's state report, just before and just after the chain. */
  tables: [Record<string, Figures>, Record<string, Figures>] | null;
}

/**
 * A relay: announces Relay (a session costs it one capability, its session object), at `openAtMs`
 * opens a Relay session to the next relay its route names; the one with `trigger` then, at 30 ms,
 * calls the chain from a signal handler, records the answer and exits.
 */
function relay(
  name: string,
  record: RelayRecord,
  ready: Promise<AttackSystem>,
  openAtMs: number,
  trigger = false,
): ComponentModule {
  return {
    async construct(env: Env) {
      let next: ClientOf<typeof Relay> | null = null;
      class RelayObject extends RpcObject<typeof Relay> implements ServerOf<typeof Relay> {
        constructor() {
          super(Relay);
        }
        async relay(depth: number): Promise<string> {
          if (next === null || depth > 5) return name;
          try {
            return `${name} > ${await next.relay(depth + 1)}`;
          } catch (error) {
            const { code, cycle } = error as { code?: string; cycle?: readonly string[] };
            record.refusals.push({ at: name, code: code ?? 'untyped', cycle: cycle ?? [] });
            return `${name} (refused: ${code ?? 'untyped'})`;
          }
        }
      }
      class RelayRoot extends RootComponent<RelayObject> {
        constructor() {
          super({ service: 'Relay', ep: env.ep });
        }
        protected override createSession(): RelayObject {
          return new RelayObject();
        }
      }
      await new RelayRoot().announce(env);
      const timer = await Timer.Connection.open(env);
      let step = 0;
      await timer.sigh(
        new SignalHandler(env.ep, async () => {
          step++;
          if (step === 1) {
            next = (await Connection.openSession(env, Relay, { service: 'Relay', ram: 0, caps: 1 })).session;
            if (trigger) await timer.triggerOnce((30 - openAtMs) * 1000);
            return;
          }
          const system = await ready;
          const before = quotaTable(await system.fresh());
          record.quota[name] = [env.pd.quota(), null];
          record.result = await new RelayObject().relay(0);
          const after = quotaTable(await system.fresh());
          record.tables = [before, after];
          await env.parent.exit(0);
        }),
      );
      await timer.triggerOnce(openAtMs * 1000);
    },
  };
}

/** A relay's start entry: it provides Relay and sends its own Relay requests to `next`. */
const relayStart = (name: string, next: string, exit = false): string => `<start name="${name}">
    <provides> <service name="Relay"/> </provides>
    <route> <service name="Relay"> <child name="${next}"/> </service> <service name="Timer"> <child name="timer"/> \
</service> <any-service> <parent/> </any-service> </route>
    ${exit ? '<exit propagate="yes"/>' : ''}
  </start>`;

/** Boots the relays `names` in a cycle (each calling the next, the last the first), the first triggering. */
async function cycle(names: readonly string[]): Promise<{ system: AttackSystem; record: RelayRecord }> {
  const record: RelayRecord = { result: '', refusals: [], quota: {}, tables: null };
  const starts = names
    .map((name, index) => relayStart(name, names[(index + 1) % names.length] as string, index === 0))
    .join('\n');
  const system = await attackSystem({
    starts: `${BYSTANDER}${starts}`,
    components: (ready) =>
      Object.fromEntries(names.map((name, index) => [name, relay(name, record, ready, 10 + index, index === 0)])),
  });
  expect(await system.handle.exit).toBe(0);
  return { system, record };
}

describe(`control-flow attacks on ${KERNEL.name}`, () => {
  it(
    "a call into the component's own entrypoint is DeadlockError naming it twice; the component, its server object " +
      'and everyone else go on',
    async () => {
      const run = await runAttack(async (env) => {
        const own = new CounterServer();
        const capability = env.ep.manage(own);
        const client = connect(Counter, env.thread, capability);
        let cycle: readonly string[] = [];
        const code = await codeOf(async () => {
          try {
            await client.add(1);
          } catch (error) {
            cycle = (error as { cycle: readonly string[] }).cycle;
            throw error;
          }
        });
        env.ep.dissolve(own);
        return { code, cycle, ran: own.accepted.length };
      });
      expect(run.result).toEqual({ code: 'ERR_OS_DEADLOCK', cycle: ['attacker.ep', 'attacker.ep'], ran: 0 });
      expectUnharmed(run);
    },
  );

  it(
    'a call cycle between two components is DeadlockError at the call that closes it, naming the cycle; both ' +
      'answer and keep their quota',
    async () => {
      const { system, record } = await cycle(['a', 'b']);
      expect(record.refusals).toEqual([{ at: 'b', code: 'ERR_OS_DEADLOCK', cycle: ['b.ep', 'a.ep', 'b.ep'] }]);
      expect(record.result).toBe('a > b (refused: ERR_OS_DEADLOCK)');
      const [before, after] = record.tables as [unknown, unknown];
      expect(after).toEqual(before);
      expect(system.bystander.wrong).toEqual([]);
      expect(system.bystander.errors).toEqual([]);
      expect(system.bystander.rounds).toBeGreaterThanOrEqual(2);
    },
  );

  it(
    'a call cycle through three components is DeadlockError naming all three; the chain answers and nothing is ' +
      'spent',
    async () => {
      const { system, record } = await cycle(['a', 'b', 'c']);
      expect(record.refusals).toEqual([{ at: 'c', code: 'ERR_OS_DEADLOCK', cycle: ['c.ep', 'a.ep', 'b.ep', 'c.ep'] }]);
      expect(record.result).toBe('a > b > c (refused: ERR_OS_DEADLOCK)');
      const [before, after] = record.tables as [unknown, unknown];
      expect(after).toEqual(before);
      expect(system.bystander.wrong).toEqual([]);
      expect(system.bystander.rounds).toBeGreaterThanOrEqual(2);
    },
  );

  it(
    'a server whose thread ends while calls to it are pending, or whose PD is destroyed: each caller gets ' +
      'CallAbortedError; other servers and the quota of everyone else are untouched',
    async () => {
      for (const end of ['thread', 'pd'] as const) {
        const world = kernelWorld();
        const { kernel, attacker, bystander } = world;
        const before = world.snapshot(['server', 'bystander']);
        // the attacker serves a Counter whose every call waits forever, then goes away
        const thread = kernel.createThread(attacker.pd, 'attacker.server');
        thread.serve({
          onCall: () => new Promise<void>(() => undefined),
          onSignal() {},
        });
        const object = thread.createRpcObject();
        const victim = domain(kernel, 'victim');
        const inProgress = connect(
          Counter,
          bystander.thread,
          new Capability<typeof Counter>(kernel.delegate(attacker.pd, object, bystander.pd)),
        ).add(1);
        const queued = connect(
          Counter,
          victim.thread,
          new Capability<typeof Counter>(kernel.delegate(attacker.pd, object, victim.pd)),
        ).read();
        await kernel.settle();
        const held = kernel.quota(attacker.pd);
        if (end === 'thread') kernel.destroyThread(thread);
        else expect(kernel.destroyPd(attacker.pd)).toEqual({ ram: held.ramLimit, caps: held.capLimit });
        expect([await codeOf(() => inProgress), await codeOf(() => queued)]).toEqual([
          'ERR_OS_CALL_ABORTED',
          'ERR_OS_CALL_ABORTED',
        ]);
        // the victim and the bystander go on with the Counter server; their and the server's quota did not
        // move; the attacker's object outlives its thread (the seam keeps it for another thread to serve)
        // but not its PD: then the bystander's capability to it is gone too
        expect(await world.bystanderCall()).toEqual([1, 1]);
        const after = world.snapshot(['server', 'bystander']);
        expect(after.quota).toEqual(before.quota);
        expect(after.spaces['server']).toEqual(before.spaces['server']);
        if (end === 'pd') expect(after.spaces['bystander']).toEqual(before.spaces['bystander']);
        else expect(after.spaces['bystander']).toHaveLength((before.spaces['bystander']?.length ?? 0) + 1);
        expect(kernel.quota(victim.pd)).toEqual({ ramLimit: 256 * 1024, ramUsed: 0, capLimit: 64, capUsed: 0 });
      }
    },
  );

  it(
    'a PD destroyed while holding capabilities and objects: its objects are gone everywhere, every other PD keeps ' +
      'its capabilities and quota, and the kernel returns all its quota',
    async () => {
      const world = kernelWorld();
      const { kernel, attacker, server } = world;
      const counter = world.grant(attacker);
      const own = [
        attacker.thread.createRpcObject(),
        attacker.thread.allocDataspace(5000),
        attacker.thread.createSignalContext(1),
      ];
      // the server holds one of the attacker's objects (handed in a call)
      expect(await connect(Counter, attacker.thread, counter).hand(new Capability(own[0] as number))).toBe(1);
      const handed = world.counter.handed[0] as Capability;
      expect(world.server.thread.valid(handed.selector)).toBe(true);
      await world.bystanderCall();
      const held = kernel.quota(attacker.pd);
      const before = world.snapshot(['server', 'bystander']);
      expect(kernel.destroyPd(attacker.pd)).toEqual({ ram: held.ramLimit, caps: held.capLimit });
      expect(server.thread.valid(handed.selector)).toBe(false);
      expect(await world.bystanderCall()).toEqual([2, 2]);
      const after = world.snapshot(['server', 'bystander']);
      expect(after.quota['server']).toEqual(before.quota['server']);
      expect(after.quota['bystander']).toEqual(before.quota['bystander']);
      expect(after.spaces['bystander']).toEqual(before.spaces['bystander']);
      expect(after.spaces['server']).toEqual(
        before.spaces['server']?.filter((entry) => entry.selector !== handed.selector),
      );
    },
  );

  it(
    'a component removed from the config while holding sessions (it had exhausted itself and blocked in a resource ' +
      'request): the server drops its sessions, everyone gets back what it donated, and init gets back all it lent',
    async () => {
      let sessionsHeld = 0;
      type Moment = { table: Record<string, Figures>; serverOpen: number; serverQuota: unknown };
      const moments: { baseline?: Moment; final?: Moment } = {};
      let blocked = false;
      let go: () => void = () => undefined;
      const started = new Promise<void>((resolve) => (go = resolve));
      const system = await attackSystem({
        starts: `${BYSTANDER}<start name="attacker"/> <start name="driver"> <exit propagate="yes"/> </start>`,
        components: (ready) => ({
          attacker: {
            async construct(env: Env) {
              await started;
              await Timer.Connection.open(env);
              // sessions until it cannot pay: the last request asks init for resources and blocks for good
              for (;;) {
                await Connection.openSession(env, Counter, {
                  service: 'Counter',
                  ram: COUNTER_SESSION_RAM,
                  caps: COUNTER_SESSION_CAPS,
                });
                sessionsHeld++;
              }
            },
          },
          driver: {
            async construct(env: Env) {
              const attack = await ready;
              const timer = await Timer.Connection.open(env);
              await timer.msleep(20);
              moments.baseline = {
                table: quotaTable(await attack.fresh()),
                serverOpen: attack.server.open,
                serverQuota: attack.server.quota?.(),
              };
              go();
              await timer.msleep(40);
              blocked = attack.handle.lines.some((line) =>
                /^\[init\] child "attacker" requests resources: /.test(line),
              );
              attack.reconfigure(`${BYSTANDER}<start name="driver"> <exit propagate="yes"/> </start>`);
              await timer.msleep(20);
              moments.final = {
                table: quotaTable(await attack.fresh()),
                serverOpen: attack.server.open,
                serverQuota: attack.server.quota?.(),
              };
              await env.parent.exit(0);
            },
          },
        }),
      });
      expect(await system.handle.exit).toBe(0);
      const start = moments.baseline as Moment;
      const end = moments.final as Moment;
      expect(sessionsHeld).toBeGreaterThan(30);
      expect(blocked).toBe(true);
      expect(end.serverOpen).toBe(start.serverOpen);
      expect(end.serverQuota).toEqual(start.serverQuota);
      const { attacker, init, ...others } = start.table;
      const { init: initAfter, ...othersAfter } = end.table;
      expect(othersAfter).toEqual(others);
      // init has back exactly what it lent the attacker
      // (its start entry's 1M and 100 capabilities), and the capability of the attacker's parent object
      const initBefore = init as Figures;
      expect(initAfter).toEqual({
        ramQuota: initBefore.ramQuota + 1024 * 1024,
        ramUsed: initBefore.ramUsed,
        capQuota: initBefore.capQuota + 100,
        capUsed: initBefore.capUsed - 1,
      });
      expect(attacker).toBeDefined();
      expect(system.bystander.wrong).toEqual([]);
      expect(system.bystander.errors).toEqual([]);
    },
  );

  it(
    'a server that exits while a call to it is pending: init reports the exit, the PD lives on until its parent ' +
      ('removes it (exit is a request), so the caller stays blocked; init, the Counter server and the bystander keep ' +
        'working'),
    async () => {
      const seen = { asked: false, answered: false, driverDone: false };
      const system = await attackSystem({
        starts: `${BYSTANDER}${hangStarts}<start name="driver"> <exit propagate="yes"/> </start>`,
        components: (ready) => ({
          ...hangComponents(seen, { exitFirst: true }),
          driver: {
            async construct(env: Env) {
              const attack = await ready;
              const timer = await Timer.Connection.open(env);
              await timer.msleep(50);
              // init still routes and answers: a new session, a fresh state report
              const counter = await Connection.openSession(env, Counter, {
                service: 'Counter',
                ram: COUNTER_SESSION_RAM,
                caps: COUNTER_SESSION_CAPS,
              });
              expect(await counter.session.add(2)).toBe(2);
              await counter.close();
              const state = await attack.fresh();
              expect(state.children.get('hang')?.exited).toBe(3);
              seen.driverDone = true;
              await env.parent.exit(0);
            },
          },
        }),
      });
      expect(await system.handle.exit).toBe(0);
      expect(system.handle.lines).toContain('[init] child "hang" exited with exit value 3');
      expect(seen).toEqual({ asked: true, answered: false, driverDone: true });
      expect(system.bystander.wrong).toEqual([]);
      expect(system.bystander.errors).toEqual([]);
      expect(system.bystander.rounds).toBeGreaterThanOrEqual(4);
    },
  );

  // init never calls a sibling server: the request waits in the server's session_requests ROM, init's
  // entrypoint is free, and a server that never answers keeps only its own clients waiting (Genode's
  // asynchronous session protocol). (It was a defect: init called the Root from its entrypoint, and one
  // silent server stopped init for good.)
  it('a server that never answers a session request does not stop init from serving its other children', async () => {
    const seen = { asked: false, answered: false, driverDone: false };
    const system = await attackSystem({
      starts: `${BYSTANDER}${hangStarts}<start name="driver"> <exit propagate="yes"/> </start>`,
      deadlineMs: 1000,
      components: () => ({
        ...hangComponents(seen, { stallSessions: true }),
        driver: {
          async construct(env: Env) {
            const timer = await Timer.Connection.open(env);
            await timer.msleep(50);
            await Timer.Connection.open(env);
            seen.driverDone = true;
            await env.parent.exit(0);
          },
        },
      }),
    });
    expect(await system.handle.exit).toBe(0);
    expect(seen.driverDone).toBe(true);
  });

  // The same at the end of a session: init closes the client's session at the blocked server from
  // the server's own thread and answers the client `Pending`; destroying the server aborts that call,
  // the client is started again, and later configs apply.
  it(
    'a server blocked for good in a call and then removed from the config does not wedge init: its client restarts ' +
      'and later configs apply',
    async () => {
      const seen = { asked: false, answered: false, driverDone: false };
      let callerStarts = 0;
      const system = await attackSystem({
        starts: `${BYSTANDER}${hangStarts}<start name="driver"> <exit propagate="yes"/> </start>`,
        deadlineMs: 1000,
        components: (ready) => ({
          ...hangComponents(seen, { exitFirst: true, onCallerStart: () => callerStarts++ }),
          driver: {
            async construct(env: Env) {
              const attack = await ready;
              const timer = await Timer.Connection.open(env);
              await timer.msleep(50);
              attack.reconfigure(
                `${BYSTANDER}<start name="caller"/><start name="driver"> <exit propagate="yes"/> </start>`,
              );
              await timer.msleep(50);
              const state = await attack.fresh();
              expect([...state.children.keys()]).not.toContain('hang');
              seen.driverDone = true;
              await env.parent.exit(0);
            },
          },
        }),
      });
      expect(await system.handle.exit).toBe(0);
      expect(seen.driverDone).toBe(true);
      expect(callerStarts).toBe(2);
    },
  );
});

/** The Hang service: `hang` never answers. */
const Hang = defineInterface('Hang', { hang: method([], codec.u32) });

/** A `hang` server (provides Hang) and its client `caller`, which calls `hang` at 10 ms. */
const hangStarts = `<start name="hang"> <provides> <service name="Hang"/> </provides> </start>
  <start name="caller"> <route> <service name="Hang"> <child name="hang"/> </service> <service name="Timer"> <child \
name="timer"/> </service> <any-service> <parent/> </any-service> </route> </start>`;

/**
 * The components of {@link hangStarts}: with `exitFirst` the server's `hang` asks its parent to exit
 * with 3 before it waits forever; with `stallSessions` its Root never answers a session request.
 */
function hangComponents(
  seen: { asked: boolean; answered: boolean },
  options: { exitFirst?: boolean; stallSessions?: boolean; onCallerStart?: () => void },
): Record<string, ComponentModule> {
  return {
    hang: {
      async construct(env: Env) {
        class HangObject extends RpcObject<typeof Hang> implements ServerOf<typeof Hang> {
          constructor() {
            super(Hang);
          }
          async hang(): Promise<number> {
            if (options.exitFirst === true) await env.parent.exit(3);
            return new Promise<number>(() => undefined);
          }
        }
        class HangRoot extends RootComponent<HangObject> {
          constructor() {
            super({ service: 'Hang', ep: env.ep });
          }
          protected override createSession(): HangObject | Promise<HangObject> {
            if (options.stallSessions === true) return new Promise<HangObject>(() => undefined);
            return new HangObject();
          }
        }
        await new HangRoot().announce(env);
      },
    },
    caller: {
      async construct(env: Env) {
        options.onCallerStart?.();
        const timer = await Timer.Connection.open(env);
        await timer.msleep(10);
        const hang = await Connection.openSession(env, Hang, { service: 'Hang', ram: 0, caps: 1 });
        seen.asked = true;
        await hang.session.hang();
        seen.answered = true;
      },
    },
  };
}

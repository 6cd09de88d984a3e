// Family 11: servers that never answer. A server whose Root never answers a session request, an upgrade or a close
// (Genode's asynchronous session protocol lets it: the parent lists the request in the server's session_requests ROM
// and goes on). The server stalls only its own client: init routes everyone else's sessions, applies new configs and
// keeps monitoring heartbeats, and so does an inner init whose exported service the server is behind. Removing the
// server releases the client waiting in its close, with the donation, and once the server is replaced every PD's
// quota is what it was before the attack. Then the two bounds of what Genode's protocol lets a child keep at its
// parent without paying for it: one session_requests ROM, and MAX_UNSETTLED_REQUESTS requests that are not sessions.

import { RpcObject, type ServerOf, codec, defineInterface, method } from '@os/rpc';
import {
  type ComponentModule,
  type Env,
  MAX_UNSETTLED_REQUESTS,
  RootComponent,
  SESSION_REQUESTS_ROM,
  type SessionCost,
} from '@os/runtime';
import { Connection, SessionResult } from '@os/session';
import { Timer } from '@os/timer';
import { describe, expect, it } from 'vitest';
import { Counter } from './support/counter.js';
import { KERNEL } from './support/kernel-world.js';
import {
  type AttackSystem,
  COUNTER_SESSION_CAPS,
  COUNTER_SESSION_RAM,
  type Figures,
  type StateView,
  attackSystem,
  codeOf,
  quotaTable,
  runAttack,
} from './support/system.js';
import { expectUnharmed } from './support/unharmed.js';

/** The attacked service: `ping` answers 7. */
const Silent = defineInterface('Silent', { ping: method([], codec.u32) });

class SilentSession extends RpcObject<typeof Silent> implements ServerOf<typeof Silent> {
  constructor() {
    super(Silent);
  }
  ping(): number {
    return 7;
  }
}

/** What the server never answers. */
type Stage = 'session' | 'upgrade' | 'close';

const STAGES: readonly Stage[] = ['session', 'upgrade', 'close'];

/** A promise that never settles: the server's Root method never returns. */
const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

/**
 * A Silent server whose Root never answers `stage` (`null`: it answers everything); a session costs it the session
 * object's capability, or nothing at all (`free`). It notes in `seen` every request that reached its Root.
 */
function silentServer(stage: Stage | null, seen: string[], free = false): ComponentModule {
  return {
    async construct(env: Env) {
      class SilentRoot extends RootComponent<SilentSession> {
        constructor() {
          super({ service: 'Silent', ep: env.ep });
        }
        protected override sessionCost(): SessionCost {
          return { ram: 0, caps: free ? 0 : 1 };
        }
        protected override createSession(): SilentSession | Promise<SilentSession> {
          seen.push('session asked');
          return stage === 'session' ? never() : new SilentSession();
        }
        protected override upgradeSession(): void | Promise<void> {
          seen.push('upgrade asked');
          if (stage === 'upgrade') return never();
        }
        protected override destroySession(): void | Promise<void> {
          seen.push('close asked');
          if (stage === 'close') return never();
        }
      }
      await new SilentRoot().announce(env);
    },
  };
}

/** Virtual time in whole milliseconds. */
const msOf = (env: Env): number => Math.round(env.thread.time() / 1000);

/**
 * Closes session `id` the Genode way (`Env::close`): while the parent answers `Pending`, waits for its session signal
 * and asks again.
 */
async function closeAtParent(env: Env, id: number): Promise<void> {
  for (;;) {
    const seen = env.sessionSignals;
    if ((await env.parent.close(id)) !== SessionResult.Pending) return;
    await env.waitForSessionSignal(seen);
  }
}

/**
 * The victim, the hung server's client: once `go` resolves it asks for a Silent session (4096 bytes and 2 capabilities
 * donated) and gets stuck at `stage`: its request stays pending, or its upgrade does, or its close does. It then
 * closes (a pending request, or the session under the pending upgrade) and notes when the close returns and whether
 * all it donated came back.
 */
function victim(stage: Stage, go: Promise<void>, notes: string[]): ComponentModule {
  return {
    async construct(env: Env) {
      const timer = await Timer.Connection.open(env);
      // its first sleep makes the connection's signal context: it is in the figures taken before the attack
      await timer.msleep(1);
      await go;
      const before = env.pd.quota();
      let closing: Promise<void>;
      let upgrading: Promise<void> = Promise.resolve();
      if (stage === 'session') {
        const id = env.allocSessionId();
        const answered = (await env.parent.session(id, 'Silent', 'ram_quota=4096, cap_quota=2')).valid();
        await timer.msleep(20);
        notes.push(`request ${answered || (await env.parent.sessionCap(id)).valid() ? 'answered' : 'pending'}`);
        closing = closeAtParent(env, id);
      } else {
        const silent = await Connection.openSession(env, Silent, { service: 'Silent', ram: 4096, caps: 2 });
        notes.push(`session open, ping ${await silent.session.ping()}`);
        if (stage === 'upgrade') {
          let upgraded = false;
          upgrading = silent.upgrade({ ram: 4096 }).then(() => {
            upgraded = true;
          });
          await timer.msleep(20);
          notes.push(`upgrade ${upgraded ? 'done' : 'pending'}`);
        }
        closing = silent.close();
      }
      let closed = false;
      void closing.then(() => (closed = true));
      await timer.msleep(20);
      notes.push(`close ${closed ? 'returned' : 'pending'}`);
      await closing;
      // the session signal that ended the close ends the upgrade's wait too
      await upgrading;
      const after = env.pd.quota();
      notes.push(
        `close returned at ${msOf(env)} ms, donation back: ` +
          `${after.ramLimit === before.ramLimit && after.capLimit === before.capLimit}`,
      );
    },
  };
}

/** Where the hung server runs. */
type Where = 'sibling' | 'inner';

/** The start entry of `name`, monitored by heartbeats: restarted after 2 skipped ones, or (`watched`) only counted. */
const monitored = (name: string, body = '', watched = false): string =>
  `<start name="${name}"> <heartbeat${watched ? '' : ' restart_after_skipped="2"'}/> ${body} </start>`;

/** The inner init's config: it exports Silent, the victim's requests to `silent` (if it runs), all else to `fine`. */
function innerConfig(hung: boolean): string {
  return `<config>
      <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
      <default-route> <any-service> <parent/> </any-service> </default-route>
      <default caps="100" ram="1M"/>
      <service name="Silent">
        ${hung ? '<policy label="victim"> <child name="silent"/> </policy>' : ''}
        <default-policy> <child name="fine"/> </default-policy>
      </service>
      ${hung ? '<start name="silent"> <provides> <service name="Silent"/> </provides> </start>' : ''}
      <start name="fine"> <provides> <service name="Silent"/> </provides> </start>
    </config>`;
}

/**
 * The start entries besides the timer and the Counter server, with the hung server running (`hung`) or removed: the
 * bystander and the inner init `sub` (exporting Silent) monitored and restarted after 2 skipped heartbeats, the victim
 * and the hung sibling monitored without restarts (their skipped heartbeats show), and the driver.
 */
function starts(where: Where, hung: boolean): string {
  // the driver sleeps on its Timer session (msleep blocks its entrypoint): it is not monitored
  const driver = '<start name="driver"> <exit propagate="yes"/> </start>';
  const bystander = monitored('bystander');
  if (where === 'inner') {
    const sub = monitored(
      'sub',
      `<binary name="init"/> <provides> <service name="Silent"/> </provides>
      ${innerConfig(hung)}`,
    ).replace('<start name="sub">', '<start name="sub" ram="8M" caps="600">');
    return `${bystander} ${sub} ${monitored('victim', '', true)} ${driver}`;
  }
  const route = hung ? '<service name="Silent"> <child name="silent"/> </service>' : '';
  const victimStart = monitored(
    'victim',
    `<route> ${route} <service name="Timer"> <child name="timer"/> </service> <any-service> <parent/> </any-service> \
</route>`,
    true,
  );
  const silent = hung ? monitored('silent', '<provides> <service name="Silent"/> </provides>', true) : '';
  return `${bystander} ${silent} ${victimStart} ${driver}`;
}

/** What one unanswered-request attack showed. */
interface Outcome {
  /** What the victim noted. */
  readonly victim: string[];
  /** What reached the hung server's Root (and its successor's). */
  readonly seen: string[];
  /** What the driver got from init (and through the inner init) while the server hung. */
  readonly served: string[];
  /** Skipped heartbeats by child, in the state report of a config applied while the server hung. */
  readonly skipped: Record<string, number>;
  /** Every PD's figures before the attack, and once the hung server was removed and started again. */
  readonly tables: readonly [Record<string, Figures>, Record<string, Figures>];
  readonly system: AttackSystem;
}

/**
 * Runs one attack: the victim asks the hung server (a sibling, or behind the inner init) at 20 ms; at 50 ms the driver
 * asks init for a Counter and a Timer session (and the inner init for a Silent session, which its default policy
 * sends to the healthy server); at 350 ms, after three heartbeat periods, it has init apply a new config version; then
 * it removes the hung server, and 50 ms later starts it again.
 */
async function unanswered(where: Where, stage: Stage): Promise<Outcome> {
  const notes: string[] = [];
  const seen: string[] = [];
  const served: string[] = [];
  let skipped: Record<string, number> = {};
  let tables: [Record<string, Figures>, Record<string, Figures>] | null = null;
  let go: () => void = () => undefined;
  const started = new Promise<void>((resolve) => (go = resolve));
  const system = await attackSystem({
    heartbeatMs: 100,
    starts: starts(where, true),
    routes: where === 'inner' ? '<service name="Silent"> <child name="sub"/> </service>' : '',
    components: (ready) => ({
      silent: silentServer(stage, seen),
      fine: silentServer(null, []),
      victim: victim(stage, started, notes),
      driver: {
        async construct(env: Env) {
          const attack = await ready;
          const timer = await Timer.Connection.open(env);
          await timer.msleep(20);
          const before = quotaTable(await attack.fresh());
          go();
          await timer.msleep(30);
          const counter = await Connection.openSession(env, Counter, {
            service: 'Counter',
            ram: COUNTER_SESSION_RAM,
            caps: COUNTER_SESSION_CAPS,
          });
          served.push(`Counter add(5) -> ${await counter.session.add(5)}`);
          await counter.close();
          const other = await Timer.Connection.open(env);
          served.push(`a Timer session at ${msOf(env)} ms`);
          await other.close();
          if (where === 'inner') {
            const fine = await Connection.openSession(env, Silent, { service: 'Silent', ram: 0, caps: 1 });
            served.push(`Silent ping -> ${await fine.session.ping()}`);
            await fine.close();
          }
          await timer.msleep(300);
          const hung: StateView = await attack.fresh();
          served.push(`config version ${hung.version} applied`);
          skipped = Object.fromEntries([...hung.children].map(([name, child]) => [name, child.skipped]));
          attack.reconfigure(starts(where, false));
          await timer.msleep(50);
          attack.reconfigure(starts(where, true));
          await timer.msleep(50);
          tables = [before, quotaTable(await attack.fresh())];
          await env.parent.exit(0);
        },
      },
    }),
  });
  expect(await system.handle.exit).toBe(0);
  if (tables === null) throw new Error('the driver did not finish');
  return { victim: notes, seen, served, skipped, tables, system };
}

/** What the hung server's Root saw, by the stage it never answers. */
const SEEN: Record<Stage, string[]> = {
  session: ['session asked'],
  upgrade: ['session asked', 'upgrade asked'],
  close: ['session asked', 'close asked'],
};

/** What the victim notes, by stage, up to its close returning. */
const STUCK: Record<Stage, string[]> = {
  session: ['request pending', 'close pending'],
  upgrade: ['session open, ping 7', 'upgrade pending', 'close pending'],
  close: ['session open, ping 7', 'close pending'],
};

/**
 * The attack stalled only the hung server's client: it is stuck at `stage`, while the driver got sessions from init
 * (and through the inner init), a new config was applied, heartbeats went on, and the bystander kept its answers.
 */
function expectContained(outcome: Outcome, where: Where, stage: Stage): void {
  expect(outcome.victim.slice(0, STUCK[stage].length)).toEqual(STUCK[stage]);
  expect(outcome.seen.slice(0, SEEN[stage].length)).toEqual(SEEN[stage]);
  expect(outcome.served).toEqual(
    where === 'inner'
      ? ['Counter add(5) -> 5', 'a Timer session at 50 ms', 'Silent ping -> 7', 'config version 3 applied']
      : ['Counter add(5) -> 5', 'a Timer session at 50 ms', 'config version 3 applied'],
  );
  // three heartbeats by then: the hung sibling skipped them, blocked in its Root, and so did its client, blocked in
  // its construct (both are counted only); everyone else answered them, the inner init too
  expect(outcome.skipped).toEqual(
    where === 'inner'
      ? { timer: 0, server: 0, bystander: 0, sub: 0, victim: 2, driver: 0 }
      : { timer: 0, server: 0, bystander: 0, silent: 2, victim: 2, driver: 0 },
  );
  expect(outcome.system.handle.lines.filter((line) => line.includes('restarting'))).toEqual([]);
  const { bystander } = outcome.system;
  expect(bystander.wrong).toEqual([]);
  expect(bystander.errors).toEqual([]);
  expect(bystander.rounds).toBeGreaterThanOrEqual(40);
}

/**
 * Removing the hung server (at 350 ms) released its client from its close, with all it donated; the server started
 * again got no request of the gone one's; every PD's RAM and capabilities in init's report are then what they were
 * before the attack.
 */
function expectReleased(outcome: Outcome, stage: Stage): void {
  expect(outcome.victim).toEqual([...STUCK[stage], 'close returned at 350 ms, donation back: true']);
  expect(outcome.seen).toEqual(SEEN[stage]);
  expect(outcome.tables[1]).toEqual(outcome.tables[0]);
}

/** What a stage is called in a test's name. */
const NAMED: Record<Stage, string> = { session: 'a session request', upgrade: 'an upgrade', close: 'a close' };

describe(`servers that never answer, on ${KERNEL.name}`, () => {
  for (const stage of STAGES)
    it(
      `a sibling server that never answers ${NAMED[stage]} stalls only its client: init routes, applies configs and ` +
        "monitors heartbeats meanwhile; removing the server releases the client's close with its donation, and " +
        "once it is replaced every PD's quota is as before",
      async () => {
        const outcome = await unanswered('sibling', stage);
        expectContained(outcome, 'sibling', stage);
        expectReleased(outcome, stage);
      },
    );

  for (const stage of ['upgrade', 'close'] as const)
    it(
      `a server behind an inner init's exported service that never answers ${NAMED[stage]} stalls only its ` +
        'client: both inits route, apply configs and answer heartbeats meanwhile; removing it from the inner ' +
        "init's config releases the client's close with its donation",
      async () => {
        const outcome = await unanswered('inner', stage);
        expectContained(outcome, 'inner', stage);
        expectReleased(outcome, stage);
      },
    );

  let innerSession: Promise<Outcome> | null = null;
  const innerSessionRun = (): Promise<Outcome> => (innerSession ??= unanswered('inner', 'session'));

  it(
    "a server behind an inner init's exported service that never answers a session request stalls only its " +
      'client: both inits route, apply configs and answer heartbeats meanwhile',
    async () => {
      expectContained(await innerSessionRun(), 'inner', 'session');
    },
  );

  // (It was open: the outer init kept a close of a request still CREATING to itself, and the inner init kept the
  // request for a successor of its removed server. The close now reaches the server as a <close> of the request, and a
  // request whose server is gone ends at once with its donation.)
  it(
    "removing a server behind an inner init's exported service that never answered a session request releases " +
      "the client's close of that request with its donation",
    async () => {
      expectReleased(await innerSessionRun(), 'session');
    },
  );
});

/** Session ids the limit attacks use: clear of the runtime's own and of what `Connection` hands out. */
let nextId = 1000;
const freshId = (): number => nextId++;

/** The code and message of what `work` threw, or `none`. */
async function refusalOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
    return 'none';
  } catch (error) {
    return `${(error as { code?: unknown }).code}: ${(error as Error).message}`;
  }
}

/** What init answers a child past {@link MAX_UNSETTLED_REQUESTS}. */
const PAST_THE_LIMIT =
  `ERR_OS_SERVICE_DENIED: "attacker" has ${MAX_UNSETTLED_REQUESTS} session requests whose answer it has not ` +
  'fetched or whose server has not answered: fetch (sessionCap) or close some first';

/** A LOG session at core through init: answered at once, one capability donated. */
const LOG_ARGS = 'label="log", ram_quota=0, cap_quota=1';

/** The attacker's start entry with its Silent requests routed to the sibling `silent` (when it runs). */
const attackerStart = (silent: boolean): string =>
  `<start name="attacker"> <exit propagate="yes"/> <route> ${
    silent ? '<service name="Silent"> <child name="silent"/> </service>' : ''
  } <service name="Timer"> <child name="timer"/> </service> <any-service> <parent/> </any-service> </route> </start>`;

/** The hung sibling `silent`'s start entry. */
const SILENT = '<start name="silent"> <provides> <service name="Silent"/> </provides> </start>';

describe(`what a child may keep at its parent unpaid, on ${KERNEL.name}`, () => {
  it(
    "a second session_requests ROM session is ServiceDenied (its text is the parent's RAM, one per child); once " +
      'the first is closed another opens; nothing moves',
    async () => {
      const run = await runAttack(async (env) => {
        const args = `label="${SESSION_REQUESTS_ROM}", ram_quota=0, cap_quota=1`;
        const first = freshId();
        const opened = (await env.parent.session(first, 'ROM', args)).valid();
        const second = await refusalOf(() => env.parent.session(freshId(), 'ROM', args));
        const closed = await env.parent.close(first);
        const third = freshId();
        const again = (await env.parent.session(third, 'ROM', args)).valid();
        await env.parent.close(third);
        return { opened, second, closed, again };
      });
      expect(run.result).toEqual({
        opened: true,
        second: 'ERR_OS_SERVICE_DENIED: the child has its "session_requests" ROM open already: one session per child',
        closed: SessionResult.Done,
        again: true,
      });
      expectUnharmed(run);
    },
  );

  it(
    `${MAX_UNSETTLED_REQUESTS} refusals left unfetched: the next request (to a sibling, to core) is ServiceDenied ` +
      'naming the limit; fetching one lets one in, closing one lets one in; fetching the rest returns to where it was',
    async () => {
      const run = await runAttack(async (env, { system, timer }) => {
        const refusedBefore = system.server.refused;
        const ids: number[] = [];
        const pending = new Set<string>();
        for (let index = 0; index < MAX_UNSETTLED_REQUESTS; index++) {
          const id = freshId();
          ids.push(id);
          // the Counter server refuses each (no donation) once it reads them: the refusals wait for sessionCap
          const capability = await env.parent.session(id, 'Counter', `label="r${index}", ram_quota=0, cap_quota=0`);
          pending.add(capability.valid() ? 'answered at once' : 'pending');
        }
        await timer.msleep(10);
        // one more request to the Counter (refused in turn, so again unsettled): it gets in or not
        const another = async (): Promise<string> => {
          const id = freshId();
          const outcome = await refusalOf(() => env.parent.session(id, 'Counter', 'ram_quota=0, cap_quota=0'));
          if (outcome === 'none') ids.push(id);
          return outcome;
        };
        const steps = {
          counter: await another(),
          log: await refusalOf(() => env.parent.session(freshId(), 'LOG', LOG_ARGS)),
          fetched: await codeOf(() => env.parent.sessionCap(ids[0] as number)),
          afterFetch: await another(),
          full: await another(),
          closed: await env.parent.close(ids[1] as number),
          afterClose: await another(),
          fullAgain: await refusalOf(() => env.parent.session(freshId(), 'LOG', LOG_ARGS)),
        };
        await timer.msleep(10);
        const refused = system.server.refused - refusedBefore;
        const rest = new Set<string>();
        for (const id of ids.slice(2)) rest.add(await codeOf(() => env.parent.sessionCap(id)));
        return { pending: [...pending], refused, steps, rest: [...rest] };
      });
      expect(run.result).toEqual({
        pending: ['pending'],
        // every request that got in was refused by the server: the 256 and the two let in
        refused: MAX_UNSETTLED_REQUESTS + 2,
        steps: {
          counter: PAST_THE_LIMIT,
          log: PAST_THE_LIMIT,
          fetched: 'ERR_OS_INSUFFICIENT_RAM_QUOTA',
          afterFetch: 'none',
          full: PAST_THE_LIMIT,
          closed: SessionResult.Done,
          afterClose: 'none',
          fullAgain: PAST_THE_LIMIT,
        },
        rest: ['ERR_OS_INSUFFICIENT_RAM_QUOTA'],
      });
      expectUnharmed(run);
    },
  );

  it(
    `${MAX_UNSETTLED_REQUESTS} requests a sibling never answers: the next is ServiceDenied naming the limit, the ` +
      'requests stay pending; closed and their server removed, they are settled, new requests go in, and once the ' +
      'server is started again every PD is as before',
    async () => {
      const seen: string[] = [];
      const run = await runAttack(
        async (env, { system, timer }) => {
          const ids: number[] = [];
          for (let index = 0; index < MAX_UNSETTLED_REQUESTS; index++) {
            const id = freshId();
            ids.push(id);
            await env.parent.session(id, 'Silent', `label="r${index}", ram_quota=0, cap_quota=0`);
          }
          await timer.msleep(10);
          const past = await refusalOf(() => env.parent.session(freshId(), 'LOG', LOG_ARGS));
          const closes = new Set<number>();
          for (const id of ids) closes.add(await env.parent.close(id));
          system.reconfigure(`<start name="bystander"/> ${attackerStart(false)}`);
          await timer.msleep(10);
          const settled = new Set<number>();
          for (const id of ids) settled.add(await env.parent.close(id));
          const log = freshId();
          const admitted = (await env.parent.session(log, 'LOG', LOG_ARGS)).valid();
          await env.parent.close(log);
          system.reconfigure(`<start name="bystander"/> ${attackerStart(true)} ${SILENT}`);
          await timer.msleep(10);
          return { past, closes: [...closes], settled: [...settled], admitted };
        },
        {
          starts: `<start name="bystander"/> ${attackerStart(true)} ${SILENT}`,
          components: () => ({ silent: silentServer('session', seen, true) }),
        },
      );
      expect(run.result).toEqual({
        past: PAST_THE_LIMIT,
        closes: [SessionResult.Pending],
        settled: [SessionResult.Done],
        admitted: true,
      });
      // the server's Root got the first request and never answered; the one started again got none
      expect(seen).toEqual(['session asked']);
      expectUnharmed(run);
    },
  );

  // A close of a request its server has not answered is passed on to the server (a <close> in its session_requests)
  // and counts against MAX_UNSETTLED_REQUESTS until the server answers it: otherwise a child could keep opening and
  // closing requests to a server that never answers, and init's records of them would grow without bound.
  const closingOne = `closing one of ${MAX_UNSETTLED_REQUESTS} requests a sibling never answers`;
  it(`${closingOne} does not make room while it hangs`, async () => {
    const run = await runAttack(
      async (env, { timer }) => {
        const ids: number[] = [];
        for (let index = 0; index < MAX_UNSETTLED_REQUESTS; index++) {
          const id = freshId();
          ids.push(id);
          await env.parent.session(id, 'Silent', `label="r${index}", ram_quota=0, cap_quota=0`);
        }
        await timer.msleep(10);
        await env.parent.close(ids[0] as number);
        return refusalOf(() => env.parent.session(freshId(), 'LOG', LOG_ARGS));
      },
      {
        starts: `<start name="bystander"/> ${attackerStart(true)} ${SILENT}`,
        components: () => ({ silent: silentServer('session', [], true) }),
      },
    );
    expect(run.result).toBe(
      `ERR_OS_SERVICE_DENIED: "attacker" has ${MAX_UNSETTLED_REQUESTS} session requests whose answer it has not ` +
        'fetched or whose server has not answered: fetch (sessionCap) or close some first',
    );
  });

  // (It was open: a close of a request whose server was removed stayed Pending for good. Such a request waits for a
  // successor of the same name with its donation back in init's PD, and a close ends it at once.)
  it(
    'a client that closes its request to a hung sibling only after the server was removed gets the close answered ' +
      'and its donation back',
    async () => {
      const notes: string[] = [];
      let removed: () => void = () => undefined;
      const gone = new Promise<void>((resolve) => (removed = resolve));
      const system = await attackSystem({
        starts: `<start name="bystander"/> ${SILENT} ${attackerStart(true).replace('"attacker"', '"victim"')}
          <start name="driver"> <exit propagate="yes"/> </start>`,
        components: (ready) => ({
          silent: silentServer('session', []),
          victim: {
            async construct(env: Env) {
              const before = env.pd.quota();
              const id = env.allocSessionId();
              await env.parent.session(id, 'Silent', 'ram_quota=4096, cap_quota=2');
              await gone;
              await closeAtParent(env, id);
              const after = env.pd.quota();
              notes.push(
                `close returned at ${msOf(env)} ms, donation back: ` +
                  `${after.ramLimit === before.ramLimit && after.capLimit === before.capLimit}`,
              );
            },
          },
          driver: {
            async construct(env: Env) {
              const attack = await ready;
              const timer = await Timer.Connection.open(env);
              await timer.msleep(20);
              attack.reconfigure(
                `<start name="bystander"/> ${attackerStart(false).replace('"attacker"', '"victim"')}
                <start name="driver"> <exit propagate="yes"/> </start>`,
              );
              await timer.msleep(20);
              removed();
              await timer.msleep(20);
              await env.parent.exit(0);
            },
          },
        }),
      });
      expect(await system.handle.exit).toBe(0);
      expect(notes).toEqual(['close returned at 40 ms, donation back: true']);
    },
  );
});

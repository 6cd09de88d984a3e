// init's state report shows every session in Genode's phases (`Session_state::Phase`), on the client's side
// (`<requested>`) and on the server's (`<provided>`): CREATING while the server has yet to answer, AVAIL once it
// delivered and the client has not fetched, OK, UPGRADING and CLOSING while the server holds an upgrade or a close,
// and the refusals a client has not fetched (DENIED, INSUFFICIENT_RAM, INSUFFICIENT_CAP). Then two timings of the
// protocol: a server busy calling its own parent while a request for it arrives, and a server answering a request
// whose client went away meanwhile.

import { init } from '@os/init';
import { VirtualClock } from '@os/kernel';
import { RpcObject, type ServerOf, codec, defineInterface, method } from '@os/rpc';
import { type ComponentModule, type Env, RootComponent, type SessionCost, XmlNode } from '@os/runtime';
import { type SystemHandle, binaryTable, boot } from '@os/runtime/host';
import { Connection, ServiceDenied, type SessionArgs, type SessionLabel } from '@os/session';
import { kernelUnderTest } from '@os/test-kernels';
import { Timer, timerDriver } from '@os/timer';
import { describe, expect, it } from 'vitest';

const createKernel = kernelUnderTest().factory;

/** A service whose one method answers 42. */
const Answer = defineInterface('Answer', { get: method([], codec.u32) });

class AnswerObject extends RpcObject<typeof Answer> implements ServerOf<typeof Answer> {
  constructor(readonly label: string) {
    super(Answer);
  }
  get(): number {
    return 42;
  }
}

/** A point the server waits at until the test's client opens it. */
class Gate {
  #open: () => void = () => undefined;
  /** Resolves once the gate is open. */
  readonly opened = new Promise<void>((resolve) => (this.#open = resolve));
  /** Lets the waiting server go on. */
  open(): void {
    this.#open();
  }
}

/** Where the `srv` server of {@link gatedServer} waits. */
interface Gates {
  /** It announces Answer once this opens. */
  readonly announce?: Gate;
  /** It takes an upgrade once this opens. */
  readonly upgrade?: Gate;
  /** It closes a session labelled `client` once this opens. */
  readonly close?: Gate;
  /** It makes a session whose label ends in `late` once this opens. */
  readonly late?: Gate;
}

/**
 * The Answer server `srv`: a session costs one capability and no RAM, except for labels ending in `ram` (4096 bytes)
 * or `caps` (2 capabilities); a label ending in `deny` is refused. It waits at the gates given, and logs each close.
 */
function gatedServer(gates: Gates): ComponentModule {
  return {
    async construct(env: Env) {
      class GatedRoot extends RootComponent<AnswerObject> {
        constructor() {
          super({ service: 'Answer', ep: env.ep });
        }
        protected override sessionCost(_args: SessionArgs, label: SessionLabel): SessionCost {
          return { ram: label.last() === 'ram' ? 4096 : 0, caps: label.last() === 'caps' ? 2 : 1 };
        }
        protected override async createSession(_args: SessionArgs, label: SessionLabel): Promise<AnswerObject> {
          if (label.last() === 'deny') throw new ServiceDenied(`srv: "${label.text}" is denied`);
          if (label.last() === 'late') await gates.late?.opened;
          return new AnswerObject(label.text);
        }
        protected override async upgradeSession(): Promise<void> {
          await gates.upgrade?.opened;
        }
        protected override async destroySession(session: AnswerObject): Promise<void> {
          if (session.label === 'client') await gates.close?.opened;
          await env.log(`closed "${session.label}"`);
        }
      }
      await gates.announce?.opened;
      await new GatedRoot().announce(env);
    },
  };
}

/** A size as the state report writes it (`1M`, `1032K`, `4100`), in bytes. */
function bytes(text: string): number {
  const unit = text.at(-1);
  if (unit === 'G') return Number(text.slice(0, -1)) * 1024 * 1024 * 1024;
  if (unit === 'M') return Number(text.slice(0, -1)) * 1024 * 1024;
  if (unit === 'K') return Number(text.slice(0, -1)) * 1024;
  return Number(text);
}

/** One child's element of a state report. */
function childOf(report: XmlNode, name: string): XmlNode {
  const child = report.subNodes('child').find((node) => node.stringAttribute('name', '') === name);
  if (child === undefined) throw new Error(`the state report shows no child "${name}"`);
  return child;
}

/** The `service` sessions of `child`'s `<requested>` or `<provided>`, each as `state label ram caps`. */
function sessions(report: XmlNode, child: string, side: 'requested' | 'provided', service = 'Answer'): string[] {
  return childOf(report, child)
    .subNode(side)
    .subNodes('session')
    .filter((session) => session.stringAttribute('name', '') === service)
    .map((session) =>
      ['state', 'label', 'ram', 'caps'].map((attribute) => session.stringAttribute(attribute, '?')).join(' '),
    );
}

/** What a test reads of the state report at one moment: the client's and the server's Answer sessions. */
interface Moment {
  readonly moment: string;
  /** The client's Answer sessions (`<requested>`). */
  readonly client: string[];
  /** The server's Answer sessions (`<provided>`). */
  readonly server: string[];
  /** Whether the client is shown `state="incomplete"`. */
  readonly incomplete: boolean;
  /** The server's RAM quota: its own and the donations it holds. */
  readonly serverRam: string;
}

/** A booted system with its state reports. */
interface StatesSystem {
  readonly handle: SystemHandle;
  /** The latest state report, read. */
  latest(): XmlNode;
}

const ROUTES = `
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> </parent-provides>
  <default-route>
    <service name="Timer"> <child name="timer"/> </service>
    <service name="Answer"> <child name="srv"/> </service>
    <any-service> <parent/> </any-service>
  </default-route>
  <default caps="100" ram="1M"/>
  <report requested="yes" provided="yes" init_ram="yes" child_ram="yes" delay_ms="0"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  <start name="srv"> <provides> <service name="Answer"/> </provides> </start>`;

/** init's config: the timer, `srv` and `starts`, with the state report on (sessions both ways, RAM). */
const configText = (starts: string): string => `<config>${ROUTES}\n  ${starts}\n</config>`;

/**
 * Boots init with the timer, `srv` and `starts`; `binaries` are built once the system exists (a component reads its
 * reports through it).
 */
async function statesSystem(
  starts: string,
  binaries: (system: () => StatesSystem) => Record<string, ComponentModule>,
): Promise<StatesSystem> {
  const reports: string[] = [];
  let system: StatesSystem | null = null;
  const handle = await boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, ...binaries(() => system as StatesSystem) }),
      roms: new Map([['config', new TextEncoder().encode(configText(starts))]]),
    },
    {
      kernel: createKernel,
      clock: new VirtualClock(1),
      onReport: (_label, report) => reports.push(new TextDecoder().decode(report)),
    },
  );
  system = {
    handle,
    latest: () => XmlNode.parse(reports.at(-1) ?? '<state/>', 'state report'),
  };
  return system;
}

/**
 * Lets 5 ms of virtual time pass (the server answers, init reports: nothing is timed, every step takes no time) and
 * notes what the latest state report shows of the Answer sessions of `client` and `srv`.
 */
async function look(timer: Timer.Connection, system: StatesSystem, moment: string, client = 'client'): Promise<Moment> {
  await timer.msleep(5);
  const report = system.latest();
  return {
    moment,
    client: sessions(report, client, 'requested'),
    server: sessions(report, 'srv', 'provided'),
    incomplete: childOf(report, client).stringAttribute('state', '') === 'incomplete',
    serverRam: childOf(report, 'srv').subNode('ram').stringAttribute('quota', '?'),
  };
}

/** The name of what `work` threw (its code), or `valid`/`invalid` for the capability it returned. */
async function outcome(work: () => Promise<{ valid(): boolean }>): Promise<string> {
  try {
    return (await work()).valid() ? 'valid' : 'invalid';
  } catch (error) {
    return String((error as { code?: unknown }).code ?? error);
  }
}

const CLIENT = '<start name="client"> <exit propagate="yes"/> </start>';

describe('the state report shows each session phase, on the client side and on the server side', () => {
  it(
    'CREATING while the server has not announced (the client incomplete), OK, UPGRADING while the server holds ' +
      'the upgrade, CLOSING while it holds the close; the server holds the donation meanwhile',
    async () => {
      const gates = { announce: new Gate(), upgrade: new Gate(), close: new Gate() };
      const moments: Moment[] = [];
      const system = await statesSystem(CLIENT, (system) => ({
        srv: gatedServer(gates),
        client: {
          async construct(env: Env) {
            const timer = await Timer.Connection.open(env);
            const opening = Connection.openSession(env, Answer, { service: 'Answer', ram: 8192, caps: 3 });
            moments.push(await look(timer, system(), 'requested before the server announced'));
            gates.announce.open();
            const answer = await opening;
            moments.push(await look(timer, system(), 'the server announced and answered'));
            const upgrading = answer.upgrade({ ram: 4096 });
            moments.push(await look(timer, system(), 'the server holds the upgrade'));
            gates.upgrade.open();
            await upgrading;
            moments.push(await look(timer, system(), 'the server took the upgrade'));
            const closing = answer.close();
            moments.push(await look(timer, system(), 'the server holds the close'));
            gates.close.open();
            await closing;
            moments.push(await look(timer, system(), 'the server closed it'));
            await env.parent.exit(0);
          },
        },
      }));
      expect(await system.handle.exit).toBe(0);
      expect(moments).toEqual([
        {
          moment: 'requested before the server announced',
          client: ['CREATING client 8K 3'],
          server: ['CREATING client 8K 3'],
          incomplete: true,
          serverRam: '1032K',
        },
        {
          moment: 'the server announced and answered',
          client: ['OK client 8K 3'],
          server: ['OK client 8K 3'],
          incomplete: false,
          serverRam: '1032K',
        },
        {
          moment: 'the server holds the upgrade',
          client: ['UPGRADING client 12K 3'],
          server: ['UPGRADING client 12K 3'],
          incomplete: false,
          serverRam: '1036K',
        },
        {
          moment: 'the server took the upgrade',
          client: ['OK client 12K 3'],
          server: ['OK client 12K 3'],
          incomplete: false,
          serverRam: '1036K',
        },
        {
          moment: 'the server holds the close',
          client: ['CLOSING client 12K 3'],
          server: ['CLOSING client 12K 3'],
          incomplete: false,
          serverRam: '1036K',
        },
        { moment: 'the server closed it', client: [], server: [], incomplete: false, serverRam: '1M' },
      ]);
      expect(system.handle.lines).toEqual(['[init -> srv] closed "client"']);
    },
  );

  it(
    'CLOSING for a close the client asked while the request was still CREATING, until the server answered the ' +
      'request and closed the session it made; then the donation is back with the client',
    async () => {
      const gates = { late: new Gate() };
      const moments: Moment[] = [];
      const results: string[] = [];
      const system = await statesSystem(CLIENT, (system) => ({
        srv: gatedServer(gates),
        client: {
          async construct(env: Env) {
            const timer = await Timer.Connection.open(env);
            await timer.msleep(5);
            const before = env.pd.quota();
            const id = env.allocSessionId();
            results.push(
              await outcome(() => env.parent.session(id, 'Answer', 'label="late", ram_quota=4096, cap_quota=1')),
            );
            moments.push(await look(timer, system(), 'the server holds the request'));
            results.push(`close: ${await env.parent.close(id)}`);
            moments.push(await look(timer, system(), 'closed while the server holds the request'));
            gates.late.open();
            moments.push(await look(timer, system(), 'the server answered and closed it'));
            results.push(`close: ${await env.parent.close(id)}`);
            const after = env.pd.quota();
            results.push(`donation back: ${after.ramLimit === before.ramLimit && after.capLimit === before.capLimit}`);
            await env.parent.exit(0);
          },
        },
      }));
      expect(await system.handle.exit).toBe(0);
      // the parent answers Pending (1) while the server has the request, Done (0) once it is closed
      expect(results).toEqual(['invalid', 'close: 1', 'close: 0', 'donation back: true']);
      expect(moments).toEqual([
        {
          moment: 'the server holds the request',
          client: ['CREATING client -> late 4K 1'],
          server: ['CREATING client -> late 4K 1'],
          incomplete: false,
          serverRam: '1028K',
        },
        {
          moment: 'closed while the server holds the request',
          client: ['CLOSING client -> late 4K 1'],
          server: ['CLOSING client -> late 4K 1'],
          incomplete: false,
          serverRam: '1028K',
        },
        { moment: 'the server answered and closed it', client: [], server: [], incomplete: false, serverRam: '1M' },
      ]);
      expect(system.handle.lines).toEqual(['[init -> srv] closed "client -> late"']);
    },
  );

  it(
    'DENIED, INSUFFICIENT_RAM and INSUFFICIENT_CAP for refusals the client has not fetched (on its side only, the ' +
      'donation at the server), AVAIL for a session it has not fetched; fetching settles each',
    async () => {
      const moments: Moment[] = [];
      const fetched: string[] = [];
      const system = await statesSystem(CLIENT, (system) => ({
        srv: gatedServer({}),
        client: {
          async construct(env: Env) {
            const timer = await Timer.Connection.open(env);
            await timer.msleep(5);
            const before = env.pd.quota();
            const requests: [string, string][] = [
              ['deny', 'ram_quota=4096, cap_quota=1'],
              ['ram', 'ram_quota=0, cap_quota=1'],
              ['caps', 'ram_quota=0, cap_quota=1'],
              ['avail', 'ram_quota=0, cap_quota=1'],
            ];
            const ids: number[] = [];
            for (const [label, quota] of requests) {
              const id = env.allocSessionId();
              ids.push(id);
              fetched.push(await outcome(() => env.parent.session(id, 'Answer', `label="${label}", ${quota}`)));
            }
            moments.push(await look(timer, system(), 'the server answered, the client fetched nothing'));
            for (const id of ids) fetched.push(await outcome(() => env.parent.sessionCap(id)));
            moments.push(await look(timer, system(), 'the client fetched every answer'));
            const after = env.pd.quota();
            // what is still away: the one session's capability
            fetched.push(`away: ${before.ramLimit - after.ramLimit} bytes, ${before.capLimit - after.capLimit} caps`);
            await env.parent.exit(0);
          },
        },
      }));
      expect(await system.handle.exit).toBe(0);
      expect(fetched).toEqual([
        'invalid',
        'invalid',
        'invalid',
        'invalid',
        'ERR_OS_SERVICE_DENIED',
        'ERR_OS_INSUFFICIENT_RAM_QUOTA',
        'ERR_OS_INSUFFICIENT_CAP_QUOTA',
        'valid',
        'away: 0 bytes, 1 caps',
      ]);
      expect(moments).toEqual([
        {
          moment: 'the server answered, the client fetched nothing',
          client: [
            'DENIED client -> deny 4K 1',
            'INSUFFICIENT_RAM client -> ram 0 1',
            'INSUFFICIENT_CAP client -> caps 0 1',
            'AVAIL client -> avail 0 1',
          ],
          server: ['AVAIL client -> avail 0 1'],
          incomplete: false,
          // the refused donations wait at the server until the client fetches the refusal
          serverRam: '1028K',
        },
        {
          moment: 'the client fetched every answer',
          client: ['OK client -> avail 0 1'],
          server: ['OK client -> avail 0 1'],
          incomplete: false,
          serverRam: '1M',
        },
      ]);
    },
  );
});

/** Virtual time in whole milliseconds. */
const msOf = (env: Env): number => Math.round(env.thread.time() / 1000);

/**
 * The Answer server `srv` of the timing tests: for each request it calls its own parent, inside `Root.session`: it
 * opens a Timer session, sleeps `delayMs` on it and closes it before it answers. It notes each step in `events` and
 * logs each close.
 */
function busyServer(events: string[], delayMs: number): ComponentModule {
  return {
    async construct(env: Env) {
      class BusyRoot extends RootComponent<AnswerObject> {
        constructor() {
          super({ service: 'Answer', ep: env.ep });
        }
        protected override async createSession(_args: SessionArgs, label: SessionLabel): Promise<AnswerObject> {
          events.push(`asked by "${label.text}" at ${msOf(env)} ms`);
          const timer = await Timer.Connection.open(env);
          await timer.msleep(delayMs);
          await timer.close();
          events.push(`answers "${label.text}" at ${msOf(env)} ms`);
          return new AnswerObject(label.text);
        }
        protected override async destroySession(session: AnswerObject): Promise<void> {
          await env.log(`closed "${session.label}" at ${msOf(env)} ms`);
        }
      }
      await new BusyRoot().announce(env);
    },
  };
}

/**
 * A client that asks for an Answer session after `delayMs` and notes when it got it (its first call may wait longer:
 * the server's entrypoint serves its sessions and its Root alike).
 */
function answerClient(name: string, delayMs: number, got: Record<string, string>): ComponentModule {
  return {
    async construct(env: Env) {
      if (delayMs > 0) await (await Timer.Connection.open(env)).msleep(delayMs);
      const answer = await Connection.openSession(env, Answer, { service: 'Answer', ram: 4096, caps: 2 });
      const at = msOf(env);
      got[name] = `a session at ${at} ms, answering ${await answer.session.get()}`;
    },
  };
}

describe('the timing of session requests', () => {
  it(
    'a server busy calling its parent (a Timer session, inside its Root.session) while a second request for it ' +
      'arrives: both are served in order, and init serves a bystander meanwhile',
    async () => {
      const events: string[] = [];
      const got: Record<string, string> = {};
      let moment: Moment | null = null;
      const system = await statesSystem(
        '<start name="first"/> <start name="second"/> <start name="bystander"> <exit propagate="yes"/> </start>',
        (system) => ({
          srv: busyServer(events, 20),
          first: answerClient('first', 0, got),
          second: answerClient('second', 5, got),
          bystander: {
            async construct(env: Env) {
              const timer = await Timer.Connection.open(env);
              await timer.msleep(10);
              // a session from init, and one from a sibling, while the server is busy with "first"
              await Timer.Connection.open(env);
              got['bystander'] = `a Timer session at ${msOf(env)} ms`;
              moment = await look(timer, system(), 'both requested, the server busy', 'first');
              await timer.msleep(50);
              await env.parent.exit(0);
            },
          },
        }),
      );
      expect(await system.handle.exit).toBe(0);
      expect(events).toEqual([
        'asked by "first" at 0 ms',
        'answers "first" at 20 ms',
        'asked by "second" at 20 ms',
        'answers "second" at 40 ms',
      ]);
      expect(got).toEqual({
        first: 'a session at 20 ms, answering 42',
        second: 'a session at 40 ms, answering 42',
        bystander: 'a Timer session at 10 ms',
      });
      expect(moment).toEqual({
        moment: 'both requested, the server busy',
        client: ['CREATING first 4K 2'],
        // the server has both requests and holds the donation of each; it donated 8K of its own to its Timer session
        server: ['CREATING first 4K 2', 'CREATING second 4K 2'],
        incomplete: false,
        serverRam: '1M',
      });
    },
  );

  it(
    'a server that answers after its client went away (removed by a new config while its request was CREATING): ' +
      'init closes the late session at the server and the donation comes back to init, to the byte',
    async () => {
      const events: string[] = [];
      let update: (text: string) => void = () => undefined;
      const figures: string[] = [];
      const moments: { moment: string; children: string[]; server: string[]; serverRam: string }[] = [];
      const gone = '<start name="gone"/>';
      const driver = '<start name="driver"> <exit propagate="yes"/> </start>';
      const system = await statesSystem(`${gone} ${driver}`, (system) => ({
        srv: busyServer(events, 20),
        gone: answerClient('gone', 0, {}),
        driver: {
          async construct(env: Env) {
            const timer = await Timer.Connection.open(env);
            await timer.msleep(5);
            const before = system().latest();
            const initAvail = bytes(before.subNode('ram').stringAttribute('avail', '?'));
            const assigned = bytes(childOf(before, 'gone').subNode('ram').stringAttribute('assigned', '?'));
            figures.push(`"gone" asked for ${sessions(before, 'gone', 'requested').join(', ')}`);
            const note = async (moment: string): Promise<void> => {
              await timer.msleep(5);
              const report = system().latest();
              moments.push({
                moment,
                children: report.subNodes('child').map((child) => child.stringAttribute('name', '')),
                server: sessions(report, 'srv', 'provided'),
                serverRam: childOf(report, 'srv').subNode('ram').stringAttribute('quota', '?'),
              });
            };
            update(configText(driver));
            await note('"gone" removed, the server still busy with its request');
            await timer.msleep(30);
            await note('the server answered "gone"');
            const after = system().latest();
            const back = bytes(after.subNode('ram').stringAttribute('avail', '?')) - initAvail;
            figures.push(`init's avail RAM: +${back} bytes, "gone" had ${assigned}`);
            await env.parent.exit(0);
          },
        },
      }));
      update = (text) => system.handle.core.updateRom('config', new TextEncoder().encode(text));
      expect(await system.handle.exit).toBe(0);
      expect(events).toEqual(['asked by "gone" at 0 ms', 'answers "gone" at 20 ms']);
      expect(system.handle.lines).toEqual(['[init -> srv] closed "gone" at 20 ms']);
      expect(figures).toEqual([
        '"gone" asked for CREATING gone 4K 2',
        `init's avail RAM: +${1024 * 1024} bytes, "gone" had ${1024 * 1024}`,
      ]);
      expect(moments).toEqual([
        {
          moment: '"gone" removed, the server still busy with its request',
          children: ['timer', 'srv', 'driver'],
          // the request has no client left: it is closed as soon as the server answers it; the server holds its
          // donation and donated 8K of its own to its Timer session
          server: ['CLOSING gone 4K 2'],
          serverRam: '1020K',
        },
        { moment: 'the server answered "gone"', children: ['timer', 'srv', 'driver'], server: [], serverRam: '1M' },
      ]);
    },
  );
});

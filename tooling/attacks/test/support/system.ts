// Whole systems under attack: core, init, a timer, a Counter server, a bystander client of it and
// the attacker, booted on the kernel under test and virtual time. The server and the bystander
// record what they see into plain objects the test reads afterwards; init publishes its state
// report (its own and every child's RAM and capabilities) whenever the test asks for a fresh one.

import type { Capability } from '@os/capability';
import { init } from '@os/init';
import { type QuotaState, VirtualClock } from '@os/kernel';
import { RpcObject, type RpcValue, type ServerOf } from '@os/rpc';
import {
  type ComponentModule,
  type DataspaceCapability,
  type Env,
  RootComponent,
  type SessionCost,
  SignalHandler,
  XmlNode,
} from '@os/runtime';
import { type SystemHandle, binaryTable, boot } from '@os/runtime/host';
import {
  Connection,
  InsufficientCapQuota,
  InsufficientRamQuota,
  type SessionArgs,
  type SessionError,
  type SessionLabel,
} from '@os/session';
import { Timer, timerDriver } from '@os/timer';
import { Counter, type FailureKind, throwFailure } from './counter.js';
import { KERNEL } from './kernel-world.js';

/** RAM a Counter session needs: the server keeps one page of state per session, paid from the donation. */
export const COUNTER_SESSION_RAM = 4096;
/** Capabilities a Counter session needs: its session object and its state dataspace. */
export const COUNTER_SESSION_CAPS = 2;

/** What the Counter server saw, for the test to read. */
export interface ServerRecord {
  /** Sessions open right now. */
  open: number;
  /** Sessions ever opened. */
  opened: number;
  /** Sessions refused (too small a donation). */
  refused: number;
  /** The label of every session request that reached the server, as it saw it. */
  readonly labels: string[];
  /** The sum of every accepted `add`, over all sessions. */
  total: number;
  /** `Counter.<method>` of every call whose body ran. */
  readonly accepted: string[];
  /** What `keep` received. */
  readonly kept: RpcValue[];
  /** Lines the server's environment logged about undeclared errors. */
  readonly errors: string[];
  /** The server's own quota, readable at any time once it runs. */
  quota: (() => QuotaState) | null;
  /** The server's PD, once it runs. */
  pd: number | null;
}

/** A fresh, empty {@link ServerRecord}. */
export function serverRecord(): ServerRecord {
  return {
    open: 0,
    opened: 0,
    refused: 0,
    labels: [],
    total: 0,
    accepted: [],
    kept: [],
    errors: [],
    quota: null,
    pd: null,
  };
}

class CounterSession extends RpcObject<typeof Counter> implements ServerOf<typeof Counter> {
  total = 0;
  constructor(private readonly record: ServerRecord) {
    super(Counter);
  }
  add(amount: number): number {
    this.record.accepted.push('add');
    this.record.total += amount;
    return (this.total += amount);
  }
  read(): number {
    this.record.accepted.push('read');
    return this.total;
  }
  keep(value: RpcValue): number {
    this.record.accepted.push('keep');
    this.record.kept.push(value);
    return this.record.kept.length;
  }
  tag(record: { name: string; weight: number }): number {
    this.record.accepted.push('tag');
    return record.name.length + record.weight;
  }
  hand(capability: Capability): number {
    this.record.accepted.push('hand');
    return capability.valid() ? 1 : 0;
  }
  fail(kind: FailureKind): void | Promise<void> {
    this.record.accepted.push('fail');
    return throwFailure(kind);
  }
}

/**
 * The Counter server, written as a careful Genode server: a session costs {@link COUNTER_SESSION_RAM}
 * bytes and {@link COUNTER_SESSION_CAPS} capabilities, which the donation must cover (else
 * `InsufficientRamQuota`/`InsufficientCapQuota`), and closing a session frees what it held.
 */
export function counterServer(record: ServerRecord): ComponentModule {
  return {
    async construct(env: Env) {
      record.quota = () => env.pd.quota();
      record.pd = env.thread.pd;
      const states = new Map<CounterSession, DataspaceCapability>();
      class CounterRoot extends RootComponent<CounterSession> {
        constructor() {
          super({ service: 'Counter', ep: env.ep });
        }
        protected override sessionCost(_args: SessionArgs, label: SessionLabel): SessionCost {
          record.labels.push(label.text);
          return { ram: COUNTER_SESSION_RAM, caps: COUNTER_SESSION_CAPS };
        }
        protected override createSession(): CounterSession {
          const session = new CounterSession(record);
          states.set(session, env.ram.alloc(COUNTER_SESSION_RAM));
          record.open++;
          record.opened++;
          return session;
        }
        protected override destroySession(session: CounterSession): void {
          env.ram.free(states.get(session) as DataspaceCapability);
          states.delete(session);
          record.open--;
        }
        protected override refused(error: SessionError): void {
          if (error instanceof InsufficientRamQuota || error instanceof InsufficientCapQuota) record.refused++;
        }
      }
      await new CounterRoot().announce(env);
    },
  };
}

/** What the bystander saw: every answer checked against what its own calls alone make the counter hold. */
export interface BystanderRecord {
  /** Rounds of `add(1)` then `read()` done. */
  rounds: number;
  /** Rounds whose answers were not what they had to be. */
  readonly wrong: string[];
  /** Calls that failed. */
  readonly errors: string[];
  /** Its session's capability selector, once open (for attackers that try it in their own space). */
  selector: number | null;
  /** Its PD. */
  pd: number | null;
}

/** A fresh {@link BystanderRecord}. */
export function bystanderRecord(): BystanderRecord {
  return { rounds: 0, wrong: [], errors: [], selector: null, pd: null };
}

/**
 * The bystander: a Counter client that adds 1 and reads the total back every 10 ms of virtual time, from a signal
 * handler.
 */
export function bystander(record: BystanderRecord): ComponentModule {
  return {
    async construct(env: Env) {
      record.pd = env.thread.pd;
      const counter = await Connection.openSession(env, Counter, {
        service: 'Counter',
        ram: COUNTER_SESSION_RAM,
        caps: COUNTER_SESSION_CAPS,
      });
      record.selector = counter.capability.selector;
      const timer = await Timer.Connection.open(env);
      let expected = 0;
      await timer.sigh(
        new SignalHandler(env.ep, async () => {
          try {
            expected++;
            const added = await counter.session.add(1);
            const read = await counter.session.read();
            if (added !== expected || read !== expected)
              record.wrong.push(`round ${record.rounds + 1}: add -> ${added}, read -> ${read}, expected ${expected}`);
            record.rounds++;
          } catch (error) {
            record.errors.push(String(error));
          }
        }),
      );
      await timer.triggerPeriodic(10_000);
    },
  };
}

/** A PD's RAM and capability figures from a state report. */
export interface Figures {
  readonly ramQuota: number;
  readonly ramUsed: number;
  readonly capQuota: number;
  readonly capUsed: number;
}

/** One child in a state report. */
export interface ChildView extends Figures {
  readonly id: number;
  readonly ramAssigned: number;
  readonly capAssigned: number;
  readonly skipped: number;
  readonly exited: number | null;
}

/** init's state report, read back. */
export interface StateView {
  readonly version: string;
  readonly init: Figures;
  readonly children: ReadonlyMap<string, ChildView>;
}

/** Reads a state report written with `ids`, `init_ram`, `init_caps`, `child_ram` and `child_caps`. */
export function readState(text: string): StateView {
  const state = XmlNode.parse(text, 'state report');
  const figures = (ram: XmlNode, caps: XmlNode): Figures => ({
    ramQuota: ram.numberAttribute('quota', -1),
    ramUsed: ram.numberAttribute('used', -1),
    capQuota: caps.numberAttribute('quota', -1),
    capUsed: caps.numberAttribute('used', -1),
  });
  const children = new Map<string, ChildView>();
  for (const child of state.subNodes('child')) {
    const ram = child.subNode('ram');
    const caps = child.subNode('caps');
    children.set(child.stringAttribute('name', ''), {
      ...figures(ram, caps),
      id: child.numberAttribute('id', -1),
      ramAssigned: ram.numberAttribute('assigned', -1),
      capAssigned: caps.numberAttribute('assigned', -1),
      skipped: child.numberAttribute('skipped_heartbeats', 0),
      exited: child.hasAttribute('exited') ? child.numberAttribute('exited', -1) : null,
    });
  }
  return {
    version: state.stringAttribute('version', ''),
    init: figures(state.subNode('ram'), state.subNode('caps')),
    children,
  };
}

/** Every PD's figures from a state view, init's under `init`: what "all quota came back" compares. */
export function quotaTable(state: StateView): Record<string, Figures> {
  const table: Record<string, Figures> = { init: state.init };
  for (const [name, child] of state.children)
    table[name] = {
      ramQuota: child.ramQuota,
      ramUsed: child.ramUsed,
      capQuota: child.capQuota,
      capUsed: child.capUsed,
    };
  return table;
}

/** Options of {@link attackSystem}. */
export interface AttackSystemOptions {
  /**
   * The start entries besides the timer and the Counter server (XML); `bystander` and `attacker` name the built-in ones
   * below.
   */
  readonly starts: string;
  /**
   * Components by binary name, besides init, timer, server (Counter) and bystander. They get the
   * system as a promise: a component awaits it before it uses the handle (it resolves once boot
   * returned, before virtual time moves).
   */
  readonly components?: (system: Promise<AttackSystem>) => Readonly<Record<string, ComponentModule>>;
  /** `<heartbeat rate_ms>` of the config; none when absent. */
  readonly heartbeatMs?: number;
  /** Routes before the default ones (XML rules of `<default-route>`). */
  readonly routes?: string;
  /** Machine capabilities (core keeps half, init gets the other half); the boot default when absent. */
  readonly caps?: number;
  /**
   * Virtual time (ms) after which the run is given up: `handle.exit` rejects (the bystander's
   * periodic timer keeps a wedged system from ever stalling). Default 5000.
   */
  readonly deadlineMs?: number;
}

/** The init config of an attack system: timer and Counter server first, then `starts`. */
export function attackConfig(
  options: Pick<AttackSystemOptions, 'starts' | 'heartbeatMs' | 'routes'>,
  version = 1,
): string {
  return `<config version="${version}">
  <parent-provides> <service name="LOG"/> <service name="ROM"/> <service name="PD"/> <service name="Rtc"/> \
</parent-provides>
  <default-route>
    ${options.routes ?? ''}
    <service name="Timer"> <child name="timer"/> </service>
    <service name="Counter"> <child name="server"/> </service>
    <any-service> <parent/> </any-service>
  </default-route>
  <default caps="100" ram="1M"/>
  ${options.heartbeatMs === undefined ? '' : `<heartbeat rate_ms="${options.heartbeatMs}"/>`}
  <report ids="yes" init_ram="yes" init_caps="yes" child_ram="yes" child_caps="yes" delay_ms="0"/>
  <start name="timer"> <provides> <service name="Timer"/> </provides> </start>
  <start name="server"> <provides> <service name="Counter"/> </provides> </start>
  ${options.starts}
</config>`;
}

/** A booted attack system. */
export interface AttackSystem {
  readonly handle: SystemHandle;
  readonly server: ServerRecord;
  readonly bystander: BystanderRecord;
  /** Every state report so far, with the virtual time it came at (µs). */
  readonly reports: { readonly at: number; readonly text: string }[];
  /** The latest state report, read. */
  latest(): StateView;
  /**
   * A state report of now: bumps the config's version (nothing else changes, so init applies it as
   * a no-op and reports) and resolves with the report it causes.
   */
  fresh(): Promise<StateView>;
  /** Replaces init's config with one built from `starts` (and the same other options). */
  reconfigure(starts: string): void;
}

/**
 * Boots core, init (with its state report on), the timer, the Counter server and `starts` on the
 * kernel under test and virtual time. `binaries` may use the system handle through the returned
 * object once boot returns (components start after it).
 */
export async function attackSystem(options: AttackSystemOptions): Promise<AttackSystem> {
  const server = serverRecord();
  const byRecord = bystanderRecord();
  const reports: { at: number; text: string }[] = [];
  const waiters: ((state: StateView) => void)[] = [];
  let version = 1;
  let starts = options.starts;
  const configText = (): Uint8Array => new TextEncoder().encode(attackConfig({ ...options, starts }, version));
  const clock = new VirtualClock(1);
  const deadline = new AbortController();
  clock.schedule((options.deadlineMs ?? 5000) * 1000, () =>
    deadline.abort(new Error(`the system did not exit within ${options.deadlineMs ?? 5000} ms of virtual time`)),
  );
  let ready: (system: AttackSystem) => void = () => undefined;
  const system = new Promise<AttackSystem>((resolve) => (ready = resolve));
  const handle = await boot(
    {
      init: 'init',
      binaries: binaryTable({
        init,
        timer: timerDriver,
        server: counterServer(server),
        bystander: bystander(byRecord),
        ...options.components?.(system),
      }),
      roms: new Map([['config', configText()]]),
      ...(options.caps === undefined ? {} : { caps: options.caps }),
    },
    {
      kernel: KERNEL.factory,
      clock,
      signal: deadline.signal,
      onReport: (_label, report) => {
        const text = new TextDecoder().decode(report);
        reports.push({ at: clock.now(), text });
        const state = readState(text);
        for (const wake of waiters.splice(0)) wake(state);
      },
    },
  );
  const latest = (): StateView => {
    const last = reports.at(-1);
    if (last === undefined) throw new Error('init has published no state report yet');
    return readState(last.text);
  };
  const attack: AttackSystem = {
    handle,
    server,
    bystander: byRecord,
    reports,
    latest,
    fresh() {
      const next = new Promise<StateView>((resolve) => waiters.push(resolve));
      version++;
      handle.core.updateRom('config', configText());
      return next;
    },
    reconfigure(text: string) {
      starts = text;
      version++;
      handle.core.updateRom('config', configText());
    },
  };
  ready(attack);
  return attack;
}

/** The bystander's start entry: a Counter client ticking every 10 ms. */
export const BYSTANDER = '<start name="bystander"/>';

/** An attacker's start entry; its exit ends the run. */
export const ATTACKER = '<start name="attacker"> <exit propagate="yes"/> </start>';

/** What an attacker component gets besides its `env`: the system under attack and a Timer session of its own. */
export interface AttackKit {
  readonly system: AttackSystem;
  readonly timer: Timer.Connection;
}

/** One attack's run: what the attack returned, and the figures before and after it. */
export interface AttackRun<T> {
  readonly system: AttackSystem;
  /** What the attack function returned. */
  readonly result: T;
  /** Every PD's RAM and capabilities from init's state report: just before the attack, and once it is over. */
  readonly tables: readonly [Record<string, Figures>, Record<string, Figures>];
  /** The attacker's own quota, as its PD reports it, before and after. */
  readonly own: readonly [QuotaState, QuotaState];
  /** Rounds the bystander completed in the 50 ms after the attack. */
  readonly roundsAfter: number;
  /** The Counter server's open sessions before and after. */
  readonly open: readonly [number, number];
}

/**
 * Runs `attack` in a component named `attacker` beside the Counter server and the bystander: the
 * attacker opens a Timer session, lets the system settle, takes init's state report and its own
 * quota, attacks, waits 50 ms of virtual time (the bystander goes on ticking), takes them again and
 * exits (which ends the run).
 */
export async function runAttack<T>(
  attack: (env: Env, kit: AttackKit) => Promise<T>,
  options: Partial<AttackSystemOptions> = {},
): Promise<AttackRun<T>> {
  let run: Omit<AttackRun<T>, 'system'> | null = null;
  let failure: unknown = null;
  const extra = options.components;
  const system = await attackSystem({
    starts: `${BYSTANDER}${ATTACKER}`,
    ...options,
    components: (ready) => ({
      ...extra?.(ready),
      attacker: {
        async construct(env: Env) {
          try {
            const attackSystem = await ready;
            const timer = await Timer.Connection.open(env);
            await timer.msleep(20);
            const before = quotaTable(await attackSystem.fresh());
            const ownBefore = env.pd.quota();
            const openBefore = attackSystem.server.open;
            const result = await attack(env, { system: attackSystem, timer });
            const rounds = attackSystem.bystander.rounds;
            await timer.msleep(50);
            const roundsAfter = attackSystem.bystander.rounds - rounds;
            const after = quotaTable(await attackSystem.fresh());
            run = {
              result,
              tables: [before, after],
              own: [ownBefore, env.pd.quota()],
              roundsAfter,
              open: [openBefore, attackSystem.server.open],
            };
          } catch (error) {
            failure = error;
          }
          await env.parent.exit(0);
        },
      },
    }),
  });
  await system.handle.exit;
  if (failure !== null) throw failure;
  if (run === null) throw new Error('the attacker did not finish');
  return { system, ...(run as Omit<AttackRun<T>, 'system'>) };
}

/** The code of what `work` threw or rejected with, or `'none'`. */
export { codeOf } from './kernel-world.js';

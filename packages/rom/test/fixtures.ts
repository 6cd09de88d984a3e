import type { Capability } from '@os/capability';
import { type InitConfigValue, type RouteRuleValue, type StartEntryValue, init } from '@os/init';
import { type QuotaState, VirtualClock } from '@os/kernel';
import { kernelUnderTest } from '@os/test-kernels';
import { AttachedRomDataspace, type ComponentModule, type Env, Reporter, SignalHandler } from '@os/runtime';
import { type SystemHandle, binaryTable, boot } from '@os/runtime/host';
import { SessionArgs, SessionResult, sessionAtParent } from '@os/session';
import { Timer, timerDriver } from '@os/timer';
import { type RomModules, RomService, reportRom } from '../src/index.js';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
const createKernel = kernelUnderTest().factory;

/** A booted system on virtual time, with every LOG line also stamped with the virtual millisecond it was printed at. */
export interface TestSystem extends SystemHandle {
  /** The system's clock. */
  readonly clock: VirtualClock;
  /** `<ms> <line>` for every LOG line, in order (whole milliseconds). */
  readonly stamped: readonly string[];
}

/** The timer driver as init's child `timer`. */
const timerChild: StartEntryValue = { name: 'timer', ram: 1 << 20, caps: 50, provides: ['Timer'] };

/**
 * Routes: each listed service to the named sibling (optionally only for one label), everything else to init's parent.
 */
export function routesTo(
  children: Readonly<Record<string, string>>,
  extra: readonly RouteRuleValue[] = [],
): RouteRuleValue[] {
  return [
    ...extra,
    ...Object.entries(children).map(([service, child]) => ({ service, to: { child } })),
    { service: '*', to: 'parent' },
  ];
}

/** Routes of a client of report_rom: Report and ROM to it, Timer to the timer. */
export const toReportRom = routesTo({ Report: 'report_rom', ROM: 'report_rom', Timer: 'timer' });

/** report_rom as init's child `report_rom` with `config`. */
export function reportRomChild(config: string, extra: Partial<StartEntryValue> = {}): StartEntryValue {
  return { name: 'report_rom', ram: 1 << 20, caps: 100, provides: ['Report', 'ROM'], config, ...extra };
}

/** A child `name` running `binary` (default: its name) with `routes`, whose exit ends the system. */
export function clientChild(
  name: string,
  routes: readonly RouteRuleValue[],
  extra: Partial<StartEntryValue> = {},
): StartEntryValue {
  return { name, ram: 1 << 20, caps: 100, routes, exit: { propagate: true }, ...extra };
}

/** The init config {@link bootInit} boots: the timer first, then `children`. */
export function initConfig(children: readonly StartEntryValue[]): InitConfigValue {
  return {
    parentProvides: ['LOG', 'ROM', 'PD', 'CPU'],
    defaultRoute: routesTo({ Timer: 'timer' }),
    children: [timerChild, ...children],
  };
}

/** Encodes an init config as the ROM core serves init. */
export function configRom(value: InitConfigValue): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/**
 * Boots init with the timer (child `timer`) and `children` on a `VirtualClock`; `report_rom` and
 * `timer` are always known binaries. `onLine` sees each LOG line as it is printed; `roms` are boot
 * modules besides init's config.
 */
export async function bootInit(
  children: readonly StartEntryValue[],
  binaries: Readonly<Record<string, ComponentModule>> = {},
  onLine: (line: string, system: () => TestSystem) => void = () => undefined,
  roms: Readonly<Record<string, string>> = {},
): Promise<TestSystem> {
  const clock = new VirtualClock(7);
  const stamped: string[] = [];
  let handle: TestSystem | null = null;
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, report_rom: reportRom, ...binaries }),
      roms: new Map([
        ...Object.entries(roms).map(([name, text]): [string, Uint8Array] => [name, new TextEncoder().encode(text)]),
        ['config', configRom(initConfig(children))],
      ]),
    },
    {
      kernel: createKernel,
      clock,
      log: (line) => {
        stamped.push(`${Math.floor(clock.now() / 1000)} ${line}`);
        onLine(line, () => handle as TestSystem);
      },
    },
  );
  handle = { ...system, clock, stamped };
  return handle;
}

/** `Name: message` of an error, as the tests' components log it. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs `action` and logs `<what>: ok` or `<what>: <ErrorName>: <message>`. */
export async function attempt(env: Env, what: string, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
    await env.log(`${what}: ok`);
  } catch (error) {
    await env.log(`${what}: ${describeError(error)}`);
  }
}

/** A component that runs `body` in its `construct` and then exits with 0. */
export function script(body: (env: Env, timer: Timer.Connection) => Promise<void>): ComponentModule {
  return {
    async construct(env) {
      const timer = await Timer.Connection.open(env);
      await body(env, timer);
      await env.parent.exit(0);
    },
  };
}

/**
 * An open session requested with exactly the given arguments: no upgrade on an insufficient donation, the error reaches
 * the caller.
 */
export interface RawSession {
  /** The session capability. */
  readonly capability: Capability;
  /** Closes the session at the parent. */
  close(): Promise<void>;
}

/** Asks the parent for a `service` session with `args` as given, as Genode's `Env::session` without its retries. */
export async function rawSession(
  env: Env,
  service: string,
  args: Readonly<Record<string, string | number>>,
): Promise<RawSession> {
  const id = env.allocSessionId();
  try {
    const capability = await sessionAtParent(env, id, service, SessionArgs.from(args).toString());
    return {
      capability,
      async close() {
        // as Genode's Env::close: a sibling server closes in its own time, the parent signals when it did
        for (;;) {
          const seen = env.sessionSignals;
          if ((await env.parent.close(id)) === SessionResult.Done) break;
          await env.waitForSessionSignal(seen);
        }
        env.freeSessionId(id);
      },
    };
  } catch (error) {
    env.freeSessionId(id);
    throw error;
  }
}

/**
 * One thing a {@link producer} does at `at` ms: report (on the session labelled `label`, default `weather`), close that
 * session, or exit.
 */
export type ProducerStep =
  | { readonly at: number; readonly report: string; readonly label?: string }
  | { readonly at: number; readonly close: string }
  | { readonly at: number; readonly exit: number };

/** A component that reports through `Reporter`s, one per label, at the steps' times; it logs nothing. */
export function producer(steps: readonly ProducerStep[]): ComponentModule {
  return {
    async construct(env) {
      const timer = await Timer.Connection.open(env);
      const reporters = new Map<string, Reporter>();
      let now = 0;
      for (const step of steps) {
        if (step.at > now) await timer.msleep(step.at - now);
        now = Math.max(now, step.at);
        if ('report' in step) {
          const label = step.label ?? 'weather';
          let reporter = reporters.get(label);
          if (reporter === undefined) reporters.set(label, (reporter = await Reporter.open(env, label)));
          await reporter.report(step.report);
        } else if ('close' in step) {
          await reporters.get(step.close)?.close();
          reporters.delete(step.close);
        } else {
          await env.parent.exit(step.exit);
        }
      }
    },
  };
}

/**
 * A component that opens ROM `rom` (default `weather`) and logs `<rom>: <text>` (or `(empty)`) for
 * the first version and for each signalled one; after `versions` lines it exits with 0, if given.
 */
export function consumer(options: { readonly rom?: string; readonly versions?: number } = {}): ComponentModule {
  const name = options.rom ?? 'weather';
  return {
    async construct(env) {
      const rom = await AttachedRomDataspace.open(env, name);
      let seen = 0;
      const show = async (): Promise<void> => {
        await env.log(`${name}: ${rom.valid() ? rom.text() : '(empty)'}`);
        if (++seen === options.versions) await env.parent.exit(0);
      };
      await rom.sigh(
        new SignalHandler(env.ep, async () => {
          await rom.update();
          await show();
        }),
      );
      await show();
    },
  };
}

/** One change a {@link changingRomServer} makes at `at` ms: a module's new content, or `null` to delete it. */
export interface ModuleChange {
  /** Milliseconds after the server started. */
  readonly at: number;
  /** The module. */
  readonly name: string;
  /** Its new content, or null to delete it. */
  readonly content: string | null;
}

/**
 * A component serving `modules` with a {@link RomService} and making `changes` at their times. It keeps
 * time with its thread's kernel timeout, as a driver does, so that it never calls init after
 * announcing (init may be waiting on this entrypoint for a client's session then).
 */
export function changingRomServer(modules: RomModules, changes: readonly ModuleChange[]): ComponentModule {
  return {
    async construct(env) {
      await RomService.announce(env, modules);
      let index = 0;
      let now = 0;
      const arm = (): void => {
        const change = changes[index];
        if (change !== undefined) env.thread.timeout((change.at - now) * 1000, tick.capability.selector);
      };
      const tick = new SignalHandler(env.ep, () => {
        const change = changes[index++] as ModuleChange;
        now = change.at;
        if (change.content === null) modules.delete(change.name);
        else modules.set(change.name, change.content);
        arm();
      });
      arm();
    },
  };
}

/** A component module whose `Env` the test can reach afterwards, to read the component's PD quota. */
export interface Spied {
  /** The module to put in the binary table. */
  readonly module: ComponentModule;
  /** The component's PD quota now; throws before it started. */
  quota(): QuotaState;
}

/**
 * Wraps `module` so that the test can read its component's quota (the harness looks in; the component does nothing
 * different).
 */
export function spied(module: ComponentModule): Spied {
  let env: Env | null = null;
  return {
    module: {
      async construct(started) {
        env = started;
        await module.construct(started);
      },
    },
    quota() {
      if (env === null) throw new Error('the spied component has not started');
      return env.pd.quota();
    },
  };
}

import { type InitConfigValue, type RouteRuleValue, type StartEntryValue, init } from '@os/init';
import { VirtualClock, pageRound } from '@os/kernel';
import { kernelUnderTest } from '@os/test-kernels';
import { connect } from '@os/rpc';
import {
  Child,
  type ComponentModule,
  ENV_PD_SESSION_ID,
  type Env,
  Pd,
  RomSessionComponent,
  RootComponent,
  type SessionCost,
  SignalHandler,
  ParentService,
} from '@os/runtime';
import { type SystemHandle, binaryTable, boot } from '@os/runtime/host';
import { Connection, ServiceDenied, type SessionArgs, type SessionLabel } from '@os/session';
import { Timer, timerDriver } from '@os/timer';
import { dummy } from '../src/index.js';

/** The kernel this run tests on (OS_KERNEL, one vitest project per kernel). */
const createKernel = kernelUnderTest().factory;

/** A booted system on virtual time, with every LOG line also stamped with the virtual microsecond it was printed at. */
export interface TestSystem extends SystemHandle {
  /** The system's clock. */
  readonly clock: VirtualClock;
  /** `<us> <line>` for every LOG line, in order. */
  readonly stamped: readonly string[];
}

/** The timer driver as init's child `timer`. */
const timerChild: StartEntryValue = { name: 'timer', ram: 1 << 20, caps: 50, provides: ['Timer'] };

/** Routes: each listed service to the named sibling, everything else to init's parent. */
export function routesTo(children: Readonly<Record<string, string>>): RouteRuleValue[] {
  return [
    ...Object.entries(children).map(([service, child]) => ({ service, to: { child } })),
    { service: '*', to: 'parent' },
  ];
}

/**
 * Boots init with the timer driver (child `timer`) and `children` (init's typed JSON config; a child
 * without routes gets Timer from `timer` and the rest from the parent) on a `VirtualClock`; `dummy`
 * and `timer` are always known binaries.
 */
export async function bootInit(
  children: readonly StartEntryValue[],
  binaries: Record<string, ComponentModule> = {},
): Promise<TestSystem> {
  const clock = new VirtualClock(7);
  const stamped: string[] = [];
  const value: InitConfigValue = {
    parentProvides: ['LOG', 'ROM', 'PD', 'CPU'],
    defaultRoute: routesTo({ Timer: 'timer' }),
    children: [timerChild, ...children],
  };
  const config = new TextEncoder().encode(JSON.stringify(value));
  const system = await boot(
    {
      init: 'init',
      binaries: binaryTable({ init, timer: timerDriver, dummy, ...binaries }),
      roms: new Map([['config', config]]),
    },
    { kernel: createKernel, clock, log: (line) => stamped.push(`${clock.now()} ${line}`) },
  );
  return { ...system, clock, stamped };
}

/** A `dummy` start entry with the config `xml` whose exit init propagates. */
export function dummyChild(config: string, extra: Partial<StartEntryValue> = {}): StartEntryValue {
  return { name: 'dummy', binary: 'dummy', ram: 1 << 20, caps: 50, config, exit: { propagate: true }, ...extra };
}

/**
 * Runs `action` `ms` milliseconds from now on `timer`, without blocking the entrypoint (the component goes on serving).
 */
async function after(env: Env, timer: Timer.Connection, ms: number, action: () => Promise<void>): Promise<void> {
  const handler = new SignalHandler(env.ep, async () => {
    handler.dispose();
    await action();
  });
  await timer.sigh(handler);
  await timer.triggerOnce(ms * 1000);
}

/** The server side of ROM sessions to one module named "config", whose text can be replaced. */
class ConfigRomRoot extends RootComponent<RomSessionComponent> {
  readonly #env: Env;
  #text: string;

  constructor(env: Env, text: string) {
    super({ service: 'ROM', ep: env.ep });
    this.#env = env;
    this.#text = text;
  }

  protected override sessionCost(): SessionCost {
    return { ram: pageRound(Math.max(1, new TextEncoder().encode(this.#text).length)), caps: 2 };
  }

  protected override createSession(_args: SessionArgs, label: SessionLabel): RomSessionComponent {
    if (label.last() !== 'config') throw new ServiceDenied(`only ROM "config" is served here, not "${label.last()}"`);
    return new RomSessionComponent(this.#env.thread, this.#copy());
  }

  replace(text: string): void {
    this.#text = text;
    for (const session of this.sessions()) session.replace(this.#copy());
  }

  #copy(): number {
    const bytes = new TextEncoder().encode(this.#text);
    const dataspace = this.#env.thread.allocDataspace(Math.max(1, bytes.length));
    this.#env.thread.attach(dataspace).set(bytes);
    return dataspace;
  }
}

/** One version of a config: its text and when (ms after the server started) it replaces the one before. */
export interface ConfigVersion {
  /** Milliseconds after start; the first version is served from the start, whatever it says. */
  readonly at: number;
  /** The `<config>` text. */
  readonly text: string;
}

/**
 * A component serving ROM "config" (its start entry provides "ROM") that replaces the module's text
 * with each of `versions` at its time, signalling every client. It keeps time with its thread's
 * kernel timeout, as a driver does, so that after announcing it never calls init: init may be
 * waiting on this entrypoint for a client's session then, and a call back would close a cycle.
 */
export function configServer(versions: readonly [ConfigVersion, ...ConfigVersion[]]): ComponentModule {
  return {
    async construct(env) {
      const root = new ConfigRomRoot(env, versions[0].text);
      await root.announce(env);
      let index = 1;
      const tick = new SignalHandler(env.ep, () => {
        const version = versions[index] as ConfigVersion;
        root.replace(version.text);
        index++;
        arm();
      });
      const arm = (): void => {
        const version = versions[index];
        if (version !== undefined)
          env.thread.timeout((version.at - (versions[index - 1] as ConfigVersion).at) * 1000, tick.capability.selector);
      };
      arm();
    },
  };
}

/** What the host does at a time: log its child's quota, ask it to yield, or exit with 0. */
export interface HostStep {
  /** Milliseconds after the host started. */
  readonly at: number;
  /** `quota`: log `dummy quota: ...`; `yield`: send a yield request; `exit`: exit with 0. */
  readonly action: 'quota' | 'yield' | 'exit';
}

/**
 * A parent of one `dummy` child (named `dummy`, with `ram` and `caps`): it forwards all the child's
 * sessions to its own parent, propagates the child's exit, and at each step's time logs the child's
 * PD quota as the parent sees it (`dummy quota: ram <limit> used <used>, caps <limit> used <used>`),
 * sends the child a yield request, or exits.
 */
export function host(options: {
  readonly ram: number;
  readonly caps: number;
  readonly steps: readonly HostStep[];
}): ComponentModule {
  return {
    async construct(env) {
      const ownPd = (await env.parent.session(ENV_PD_SESSION_ID, 'PD', '')).cast<typeof Pd>();
      const own = { client: connect(Pd, env.thread, ownPd), capability: ownPd };
      const services = new Map<string, ParentService>();
      const pd = await Connection.openSession(env, Pd, {
        service: 'PD',
        label: 'dummy',
        ram: options.ram,
        caps: options.caps,
      });
      const child = new Child(
        'dummy',
        {
          resolve(service) {
            let forwarded = services.get(service);
            if (forwarded === undefined) services.set(service, (forwarded = new ParentService(service, env, own)));
            return { service: forwarded };
          },
          announce() {},
          exited(value) {
            void env.parent.exit(value);
          },
          resourceRequest(args) {
            void env.log(`dummy requests resources: ${args.toString()}`);
          },
        },
        { thread: env.thread, ep: env.ep, pd: pd.capability, own },
      );
      await pd.session.start('dummy', 'dummy', env.ep.manage(child));
      const timer = await Timer.Connection.open(env);
      let at = 0;
      const run = async (index: number): Promise<void> => {
        const step = options.steps[index];
        if (step === undefined) return;
        await after(env, timer, step.at - at, async () => {
          at = step.at;
          if (step.action === 'quota') {
            const quota = await child.pd.quota();
            await env.log(
              `dummy quota: ram ${quota.ramLimit} used ${quota.ramUsed}, caps ${quota.capLimit} used ${quota.capUsed}`,
            );
          } else if (step.action === 'yield') {
            await env.log(
              child.requestYield('ram_quota=0') ? 'asking dummy to yield' : 'dummy does not take yield requests',
            );
          } else {
            await env.parent.exit(0);
          }
          await run(index + 1);
        });
      };
      await run(0);
    },
  };
}

/** Parses a host's `dummy quota: ...` line. */
export function parseQuota(line: string | undefined): {
  ramLimit: number;
  ramUsed: number;
  capLimit: number;
  capUsed: number;
} {
  const match = /dummy quota: ram (\d+) used (\d+), caps (\d+) used (\d+)$/.exec(line ?? '');
  if (match === null) throw new Error(`not a quota line: ${line}`);
  return {
    ramLimit: Number(match[1]),
    ramUsed: Number(match[2]),
    capLimit: Number(match[3]),
    capUsed: Number(match[4]),
  };
}

/** The quota the host lends its dummy in {@link bootHost}. */
export const HOSTED = { ram: 2 << 20, caps: 100 } as const;

/**
 * Boots init with the timer, `configs` serving `config` as ROM "config", and `host` running one
 * `dummy` (with {@link HOSTED} quota) whose ROM comes from `configs`; the host takes `steps`.
 */
export function bootHost(config: string, steps: readonly HostStep[]): Promise<TestSystem> {
  return bootInit(
    [
      { name: 'configs', ram: 1 << 20, caps: 50, provides: ['ROM'] },
      {
        name: 'host',
        ram: 8 << 20,
        caps: 300,
        routes: routesTo({ ROM: 'configs', Timer: 'timer' }),
        exit: { propagate: true },
      },
    ],
    { configs: configServer([{ at: 0, text: config }]), host: host({ ...HOSTED, steps }) },
  );
}

import type { Capability } from '@os/capability';
import { type ClientOf, connect } from '@os/rpc';
import {
  Child,
  type ChildPolicy,
  ENV_PD_SESSION_ID,
  type Env,
  Pd,
  Reporter,
  type Route,
  StartFailed,
  parentRoot,
} from '@os/runtime';
import { Connection, OutOfCaps, Root, ServiceDenied, SessionLabel } from '@os/session';
import { hasErrorCode } from '@os/kernel';
import { Alarms } from './alarms.js';
import { ConfigRomService } from './config-rom.js';
import { DeferredWork } from './deferred-work.js';
import { type ExportTarget, ExportedServiceRoot, type OwnPd } from './exported-service.js';
import { IdleWatch } from './idle-watch.js';
import { ServerCaller } from './server-caller.js';
import type { InitConfig, StartEntry } from './model.js';
import { checkQuota, keeps } from './quota.js';
import { type RouteDecision, resolveRoute } from './routing.js';
import { type ChildState, type ProvidedSession, type StateSnapshot, StateReportRenderer } from './state-report.js';

/** A started child as init keeps it. */
interface RunningChild {
  /** Its start entry, as last applied. */
  entry: StartEntry;
  /** init's id for it: counts up with every start. */
  readonly id: number;
  /** The parent side of the child. */
  readonly child: Child;
  /** init's ROM service for the child's config, when its start entry has one. */
  readonly configRom: ConfigRomService | null;
  /** Its PD session, which init holds. */
  readonly pd: Connection<typeof Pd>;
  /** The services it announced, with their roots. */
  readonly announced: Map<string, Capability<typeof Root>>;
  /** Siblings' session requests waiting for it to announce a service, by service. */
  readonly waiting: Map<string, ((root: Capability<typeof Root>) => void)[]>;
  /** What init lent it so far. */
  readonly assigned: { ram: number; caps: number };
  /** Its pending `resource_request`, if any. */
  requested: { ram: number; caps: number } | null;
  /** Its exit value, once it exited. */
  exited: number | null;
  /** Skipped heartbeats at the last check. */
  skipped: number;
  /**
   * The thread init calls its roots from, once a sibling's session was routed to it; null: none yet; `entrypoint`: init
   * had no capability for one, and calls from its entrypoint.
   */
  caller: ServerCaller | null | 'entrypoint';
}

/** The heartbeat alarm's name. */
const HEARTBEAT = 'heartbeat';
/** The state report alarm's name. */
const REPORT = 'report';

/** Whether `entry` lends less RAM or capabilities than `running` holds: what `#downgrade` takes back. */
function takesBack(running: RunningChild, entry: StartEntry): boolean {
  return Math.max(0, running.assigned.ram - entry.ram) !== 0 || Math.max(0, running.assigned.caps - entry.caps) !== 0;
}

/** Whether `entry` lends more RAM or capabilities than `running` holds: what `#upgrade` adds. */
function lends(running: RunningChild, entry: StartEntry): boolean {
  return Math.max(0, entry.ram - running.assigned.ram) !== 0 || Math.max(0, entry.caps - running.assigned.caps) !== 0;
}

function sameDecision(a: RouteDecision, b: RouteDecision): boolean {
  if (a.kind === 'denied' || b.kind === 'denied') return false;
  if (a.kind !== b.kind || a.label !== b.label) return false;
  return a.kind === 'parent' || (b.kind === 'child' && a.name === b.name);
}

/**
 * init's children and what it knows about them (Genode's sandbox): applies a configuration, first at
 * start and then at every change of the config ROM, as Genode's init does; monitors heartbeats,
 * moves quota, exports services to init's parent and publishes the state report.
 */
export class Sandbox {
  readonly #env: Env;
  readonly #own: OwnPd;
  readonly #running = new Map<string, RunningChild>();
  readonly #parentRoots = new Map<string, ClientOf<typeof Root>>();
  #config: InitConfig | null = null;
  readonly #later: DeferredWork;
  readonly #alarms: Alarms;
  readonly #idle: IdleWatch;
  /** Requests that waited for a child that was destroyed keep waiting for its successor. */
  readonly #orphans = new Map<string, Map<string, ((root: Capability<typeof Root>) => void)[]>>();
  readonly #exported = new Map<string, ExportedServiceRoot>();
  #nextId = 1;
  #reporter: Reporter | null = null;
  readonly #renderer = new StateReportRenderer();
  #reportedAt = Number.NEGATIVE_INFINITY;
  #heartbeatRate = 0;
  #retries = 0;

  private constructor(env: Env, own: OwnPd) {
    this.#env = env;
    this.#own = own;
    this.#later = new DeferredWork(env);
    this.#alarms = new Alarms(env);
    this.#idle = new IdleWatch(env);
  }

  /** Creates init's sandbox in `env`. */
  static async create(env: Env): Promise<Sandbox> {
    const capability = (await env.parent.session(ENV_PD_SESSION_ID, 'PD', '')).cast<typeof Pd>();
    return new Sandbox(env, { client: connect(Pd, env.thread, capability), capability });
  }

  /** The names of the running children, in start order. */
  get children(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Applies `config`: children that are gone, whose version or binary changed, or whose open
   * sessions would now be routed differently are destroyed (and with them, transitively, the
   * children holding sessions they serve); kept children get quota downgrades (asking them to yield
   * what they cannot give back at once) before upgrades; a child whose `<config>` alone changed gets
   * the new one as a ROM update; every start entry without a running child is started, in order.
   */
  async apply(config: InitConfig): Promise<void> {
    checkQuota(
      this.#env.pd.quota(),
      config,
      new Map(
        [...this.#running].map(([name, running]) => [name, { entry: running.entry, assigned: running.assigned }]),
      ),
    );
    this.#config = config;
    const next = new Map(config.children.map((entry) => [entry.name, entry]));
    const doomed: string[] = [];
    for (const [name, running] of this.#running) {
      const entry = next.get(name);
      if (!keeps(running.entry, entry) || this.#reroutes(config, running, entry as StartEntry)) doomed.push(name);
    }
    await this.#destroyWithClients(doomed);
    const kept = config.children.flatMap((entry) => {
      const running = this.#running.get(entry.name);
      return running === undefined ? [] : [{ running, entry }];
    });
    // only what moves quota waits: a config that adds one child keeps the others' quota as it is
    for (const { running, entry } of kept) if (takesBack(running, entry)) await this.#downgrade(running, entry);
    for (const { running, entry } of kept) if (lends(running, entry)) await this.#upgrade(running, entry);
    for (const { running, entry } of kept) {
      if (entry.config !== running.entry.config) {
        if (entry.config !== null && running.configRom !== null) running.configRom.update(entry.config);
        else
          this.#later.log(
            `Warning: "${entry.name}": a <config> that appears or vanishes takes effect at its next restart`,
          );
      }
      running.entry = entry;
    }
    for (const entry of config.children) if (!this.#running.has(entry.name)) await this.#start(entry);
    this.#applyHeartbeat(config.heartbeatRateMs);
    this.#stateChanged();
  }

  /** Whether one of `running`'s open sessions would be routed elsewhere under `config`. */
  #reroutes(config: InitConfig, running: RunningChild, entry: StartEntry): boolean {
    const providers = {
      providers: (service: string) =>
        config.children.filter((child) => child.provides.includes(service)).map((child) => child.name),
    };
    for (const session of running.child.sessions()) {
      if (session.state !== 'OK' || this.#isConfigRom(entry, session.service, session.label)) continue;
      const now: RouteDecision =
        session.server === undefined
          ? { kind: 'parent', label: session.serverLabel }
          : { kind: 'child', name: session.server, label: session.serverLabel };
      if (!sameDecision(now, resolveRoute(config, entry, session.service, session.label, providers))) return true;
    }
    return false;
  }

  #isConfigRom(entry: StartEntry, service: string, label: string): boolean {
    return entry.config !== null && service === 'ROM' && new SessionLabel(label).last() === 'config';
  }

  /** Destroys `names` and, transitively, every child holding a session one of them serves; clients go first. */
  async #destroyWithClients(names: readonly string[]): Promise<string[]> {
    const doomed = [...names];
    for (let i = 0; i < doomed.length; i++) {
      for (const [name, running] of this.#running) {
        if (doomed.includes(name)) continue;
        if ([...running.child.servers()].some((server) => doomed.includes(server))) doomed.push(name);
      }
    }
    for (const name of [...doomed].reverse()) await this.#destroy(name);
    return doomed;
  }

  /** Restarts `name` and the children depending on it, from their current start entries. */
  async #restart(name: string): Promise<void> {
    const doomed = await this.#destroyWithClients([name]);
    for (const entry of this.#config?.children ?? [])
      if (doomed.includes(entry.name) && !this.#running.has(entry.name)) await this.#start(entry);
    this.#stateChanged();
  }

  /**
   * Takes back what `entry` no longer lends: at once what the child has free, the rest after it yields; nothing when
   * `entry` does not take back ({@link takesBack}).
   */
  async #downgrade(running: RunningChild, entry: StartEntry): Promise<void> {
    const ram = Math.max(0, running.assigned.ram - entry.ram);
    const caps = Math.max(0, running.assigned.caps - entry.caps);
    if (ram === 0 && caps === 0) return;
    const quota = await running.pd.session.quota();
    const now = {
      ram: Math.min(ram, Math.max(0, quota.ramLimit - quota.ramUsed)),
      caps: Math.min(caps, Math.max(0, quota.capLimit - quota.capUsed)),
    };
    if (now.ram > 0 || now.caps > 0) {
      await running.pd.session.transferQuota(this.#own.capability, now.ram, now.caps);
      running.assigned.ram -= now.ram;
      running.assigned.caps -= now.caps;
    }
    const rest = { ram: ram - now.ram, caps: caps - now.caps };
    if (rest.ram === 0 && rest.caps === 0) return;
    const args = [rest.ram > 0 ? `ram_quota=${rest.ram}` : '', rest.caps > 0 ? `cap_quota=${rest.caps}` : '']
      .filter((part) => part !== '')
      .join(', ');
    if (!running.child.requestYield(args))
      this.#later.log(
        `Warning: "${entry.name}" holds ${args} that the new config takes back, and does not take yield requests`,
      );
  }

  /** Lends `running` what `entry` adds ({@link lends}), and answers a pending resource request with it. */
  async #upgrade(running: RunningChild, entry: StartEntry): Promise<void> {
    const ram = Math.max(0, entry.ram - running.assigned.ram);
    const caps = Math.max(0, entry.caps - running.assigned.caps);
    if (ram === 0 && caps === 0) return;
    await this.#own.client.transferQuota(running.pd.capability, ram, caps);
    running.assigned.ram += ram;
    running.assigned.caps += caps;
    if (running.requested !== null) {
      running.requested = null;
      running.child.resourcesAvailable();
    }
  }

  #providers(service: string): string[] {
    return (this.#config?.children ?? [])
      .filter((child) => child.provides.includes(service) && this.#running.has(child.name))
      .map((child) => child.name);
  }

  async #childRoute(name: string, service: string, label: string, waiting: () => void): Promise<Route> {
    const provider = this.#running.get(name);
    if (provider === undefined) throw new ServiceDenied(`child "${name}" is not running`);
    if (!provider.announced.has(service)) {
      waiting();
      this.#stateChanged();
    }
    const rootCapability = await this.#env.waitFor(
      `child "${name}" to announce "${service}" (requested by "${label}")`,
      this.#providerRoot(provider, service),
    );
    const caller = this.#callerOf(provider, name);
    const root =
      caller === 'entrypoint' ? connect(Root, this.#env.thread, rootCapability) : caller.root(rootCapability);
    return {
      root,
      serverPd: provider.pd.session,
      serverPdCapability: provider.pd.capability,
      server: name,
      detached: caller !== 'entrypoint',
    };
  }

  /** The thread init calls `provider`'s roots from, made on first use; its entrypoint if init cannot afford one. */
  #callerOf(provider: RunningChild, name: string): ServerCaller | 'entrypoint' {
    if (provider.caller !== null) return provider.caller;
    try {
      provider.caller = new ServerCaller(this.#env, name);
    } catch (error) {
      if (!hasErrorCode(error, OutOfCaps.code)) throw error;
      provider.caller = 'entrypoint';
      this.#later.log(
        `Warning: no capability free for a thread to call "${name}" from: while "${name}" does not answer a session ` +
          `request, init waits (raise init's caps)`,
      );
    }
    return provider.caller;
  }

  /** The root of a service `provider` announced, or a promise of it until it does. */
  #providerRoot(provider: RunningChild, service: string): Promise<Capability<typeof Root>> {
    const announced = provider.announced.get(service);
    if (announced !== undefined) return Promise.resolve(announced);
    return new Promise((resolve) => provider.waiting.set(service, [...(provider.waiting.get(service) ?? []), resolve]));
  }

  #parentRoute(service: string): Route {
    let root = this.#parentRoots.get(service);
    if (root === undefined) {
      root = parentRoot(this.#env, service);
      this.#parentRoots.set(service, root);
    }
    return { root, serverPd: this.#own.client, serverPdCapability: this.#own.capability };
  }

  #policy(name: string, initial: StartEntry, configRom: ConfigRomService | null): ChildPolicy {
    const current = (): StartEntry => this.#running.get(name)?.entry ?? initial;
    return {
      resolve: async (service, label, waiting): Promise<Route> => {
        if (configRom !== null && this.#isConfigRom(current(), service, label)) {
          return { root: configRom, serverPd: this.#own.client, serverPdCapability: this.#own.capability };
        }
        const decision = resolveRoute(this.#config as InitConfig, current(), service, label, {
          providers: (wanted) => this.#providers(wanted),
        });
        if (decision.kind === 'denied') {
          this.#later.log(`Warning: ${decision.reason}`);
          throw new ServiceDenied(decision.reason);
        }
        const rewritten = decision.label === label ? {} : { label: decision.label };
        const route =
          decision.kind === 'child'
            ? await this.#childRoute(decision.name, service, label, waiting)
            : this.#parentRoute(service);
        this.#stateChanged();
        return { ...route, ...rewritten };
      },
      announce: (service, root) => this.#announced(name, service, root),
      exited: (value) => this.#exited(name, initial, value),
      resourceRequest: (args) => {
        const running = this.#running.get(name);
        if (running !== undefined)
          running.requested = { ram: args.number('ram_quota'), caps: args.number('cap_quota') };
        this.#later.log(`child "${name}" requests resources: ${args.toString()}`);
        this.#stateChanged(true);
      },
      later: () => new Promise<void>((resolve) => this.#alarms.set(`retry ${this.#retries++}`, 0, resolve)),
      resume: <T>(work: () => Promise<T>) =>
        new Promise<T>((resolve, reject) => this.#later.defer(() => work().then(resolve, reject))),
      patience: (work, giveUp) => this.#idle.watch(work, giveUp),
      yielded: () => {
        const running = this.#running.get(name);
        if (running !== undefined)
          this.#later.defer(() => this.#downgrade(running, running.entry).then(() => this.#stateChanged()));
      },
    };
  }

  #announced(name: string, service: string, root: Capability<typeof Root>): void {
    const child = this.#running.get(name);
    if (child === undefined || !child.entry.provides.includes(service)) {
      this.#later.log(`Warning: "${name}" announced "${service}", which its start entry does not provide`);
      return;
    }
    child.announced.set(service, root);
    for (const resolve of child.waiting.get(service) ?? []) resolve(root);
    child.waiting.delete(service);
    this.#export(service);
    this.#stateChanged();
  }

  /** Announces `service` to init's parent once a child its `<service>` policies name serves it. */
  #export(service: string): void {
    const exported = this.#config?.services.find((candidate) => candidate.name === service);
    if (exported === undefined || this.#exported.has(service)) return;
    if (!exported.policies.some((policy) => this.#running.get(policy.child)?.announced.has(service))) return;
    const root = new ExportedServiceRoot(
      () =>
        this.#config?.services.find((candidate) => candidate.name === service) ?? {
          name: service,
          policies: [],
          line: 0,
        },
      (child) => this.#exportTarget(child, service),
      this.#own,
    );
    this.#exported.set(service, root);
    const capability = this.#env.ep.manage(root);
    this.#later.defer(() => this.#env.parent.announce(service, capability));
  }

  #exportTarget(child: string, service: string): ExportTarget | undefined {
    const running = this.#running.get(child);
    const root = running?.announced.get(service);
    if (running === undefined || root === undefined) return undefined;
    return { root: connect(Root, this.#env.thread, root), pd: running.pd.session, pdCapability: running.pd.capability };
  }

  /**
   * Child `name` (started as `started`) exited with `value`: init propagates it (`<exit propagate>` of its entry now)
   * or logs it, and reports it.
   */
  #exited(name: string, started: StartEntry, value: number): void {
    const running = this.#running.get(name);
    if (running !== undefined) running.exited = value;
    if ((running?.entry ?? started).exitPropagate) this.#later.defer(() => this.#env.parent.exit(value));
    else this.#later.log(`child "${name}" exited with exit value ${value}`);
    this.#stateChanged();
  }

  async #start(entry: StartEntry): Promise<void> {
    const env = this.#env;
    const name = entry.name;
    const configRom = entry.config === null ? null : new ConfigRomService(env, entry.config);
    const pd = await Connection.openSession(env, Pd, { service: 'PD', label: name, ram: entry.ram, caps: entry.caps });
    const child = new Child(name, this.#policy(name, entry, configRom), env.thread, pd.capability);
    const waiting = this.#orphans.get(name) ?? new Map<string, ((root: Capability<typeof Root>) => void)[]>();
    this.#orphans.delete(name);
    this.#running.set(name, {
      entry,
      id: this.#nextId++,
      pd,
      child,
      configRom,
      announced: new Map(),
      waiting,
      assigned: { ram: entry.ram, caps: entry.caps },
      requested: null,
      exited: null,
      skipped: 0,
      caller: null,
    });
    try {
      await pd.session.start(entry.binary, name, env.ep.manage(child));
    } catch (error) {
      if (!hasErrorCode(error, StartFailed.code)) throw error;
      // a binary that cannot be loaded ends that child as a fault would, never init and its other children: the
      // child keeps its place (exited, value 1) until the config drops or changes it
      this.#later.log(`Error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      this.#exited(name, entry, 1);
    }
  }

  async #destroy(name: string): Promise<void> {
    const running = this.#running.get(name);
    if (running === undefined) return;
    this.#running.delete(name);
    if (running.waiting.size > 0) this.#orphans.set(name, running.waiting);
    for (const exported of this.#exported.values()) exported.forget(name);
    for (const failure of await running.child.closeAll()) {
      this.#later.log(
        `Warning: closing a session of "${name}" ` +
          `failed: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
    }
    await running.pd.close();
    if (running.caller instanceof ServerCaller) running.caller.destroy();
    this.#env.ep.dissolve(running.child);
  }

  /** Pings the monitored children at `rateMs` (`<heartbeat rate_ms>`); 0 stops. */
  #applyHeartbeat(rateMs: number): void {
    if (rateMs === this.#heartbeatRate) return;
    this.#heartbeatRate = rateMs;
    this.#alarms.clear(HEARTBEAT);
    if (rateMs > 0) this.#alarms.set(HEARTBEAT, rateMs * 1000, () => this.#heartbeat());
  }

  #heartbeat(): void {
    if (this.#heartbeatRate === 0) return;
    this.#alarms.set(HEARTBEAT, this.#heartbeatRate * 1000, () => this.#heartbeat());
    for (const [name, running] of this.#running) {
      const monitor = running.entry.heartbeat;
      if (monitor === null || running.exited !== null) continue;
      running.child.heartbeat();
      const skipped = running.child.skippedHeartbeats;
      if (skipped === running.skipped) continue;
      running.skipped = skipped;
      this.#stateChanged();
      if (monitor.restartAfterSkipped > 0 && skipped > monitor.restartAfterSkipped) {
        this.#later.log(`child "${name}" skipped ${skipped} heartbeats: restarting it`);
        this.#later.defer(() => this.#restart(name));
      }
    }
  }

  /** Schedules a state report, now (`immediate`, or no `delay_ms`) or at most once per `delay_ms`. */
  #stateChanged(immediate = false): void {
    const options = this.#config?.report ?? null;
    if (options === null) return;
    const now = this.#env.thread.time();
    const delayUs = immediate ? 0 : Math.max(0, this.#reportedAt + options.delayMs * 1000 - now);
    if (this.#alarms.pending(REPORT) && !immediate) return;
    this.#alarms.set(REPORT, delayUs, () => this.#later.defer(() => this.#report()));
  }

  async #report(): Promise<void> {
    const options = this.#config?.report ?? null;
    if (options === null) return;
    this.#reportedAt = this.#env.thread.time();
    this.#reporter ??= await Reporter.open(this.#env, 'state');
    const snapshot = await this.#snapshot(options.requested, options.provided);
    await this.#reporter.report(this.#renderer.render(snapshot, options));
  }

  /** What the state report shows, now. */
  snapshot(): Promise<StateSnapshot> {
    return this.#snapshot(true, true);
  }

  /**
   * {@link Sandbox.snapshot}, with the children's sessions only as far as the report shows them: listing them takes
   * a copy of each child's sessions, twice, for every report.
   */
  async #snapshot(withRequested: boolean, withProvided: boolean): Promise<StateSnapshot> {
    const own = this.#env.pd.quota();
    const children: ChildState[] = [];
    const provided = new Map<string, ProvidedSession[]>();
    for (const running of withProvided ? this.#running.values() : []) {
      for (const session of running.child.sessions()) {
        if (session.server === undefined) continue;
        provided.set(session.server, [
          ...(provided.get(session.server) ?? []),
          {
            service: session.service,
            label: session.serverLabel,
            state: session.state,
            ram: session.ram,
            caps: session.caps,
            args: session.args,
          },
        ]);
      }
    }
    for (const exported of withProvided ? this.#exported.values() : []) {
      for (const session of exported.sessions()) {
        provided.set(session.child, [
          ...(provided.get(session.child) ?? []),
          {
            service: session.service,
            label: session.label,
            state: 'OK',
            ram: session.ram,
            caps: session.caps,
            args: session.args,
          },
        ]);
      }
    }
    // in config order, as Genode's report lists them (a restarted child is not moved to the end)
    const order = new Map((this.#config?.children ?? []).map((entry, index) => [entry.name, index]));
    const ordered = [...this.#running].sort(
      ([a], [b]) => (order.get(a) ?? Number.MAX_SAFE_INTEGER) - (order.get(b) ?? Number.MAX_SAFE_INTEGER),
    );
    for (const [name, running] of ordered) {
      const quota = await running.pd.session.quota();
      children.push({
        name,
        binary: running.entry.binary,
        version: running.entry.version,
        id: running.id,
        incomplete: running.child.waiting,
        exited: running.exited,
        skippedHeartbeats: running.entry.heartbeat === null ? 0 : running.skipped,
        ram: {
          assigned: running.assigned.ram,
          quota: quota.ramLimit,
          used: quota.ramUsed,
          avail: quota.ramLimit - quota.ramUsed,
          requested: running.requested?.ram ?? 0,
        },
        caps: {
          assigned: running.assigned.caps,
          quota: quota.capLimit,
          used: quota.capUsed,
          avail: quota.capLimit - quota.capUsed,
          requested: running.requested?.caps ?? 0,
        },
        requested: withRequested ? running.child.sessions() : [],
        provided: provided.get(name) ?? [],
      });
    }
    return {
      version: this.#config?.version ?? '',
      ram: { quota: own.ramLimit, used: own.ramUsed, avail: own.ramLimit - own.ramUsed },
      caps: { quota: own.capLimit, used: own.capUsed, avail: own.capLimit - own.capUsed },
      children,
    };
  }
}

import { connect } from '@os/rpc';
import {
  Child,
  type ChildPolicy,
  type ChildSession,
  ChildService,
  ENV_PD_SESSION_ID,
  type Env,
  LocalService,
  ParentService,
  Pd,
  type PdAccount,
  Reporter,
  type Route,
  type SessionState,
  StartFailed,
} from '@os/runtime';
import { Connection, ServiceDenied, SessionLabel } from '@os/session';
import { hasErrorCode } from '@os/kernel';
import { Alarms } from './alarms.js';
import { ConfigRomService } from './config-rom.js';
import { DeferredWork } from './deferred-work.js';
import { Server } from './server.js';
import type { InitConfig, StartEntry } from './model.js';
import { checkQuota, keeps } from './quota.js';
import { type RouteDecision, resolveRoute } from './routing.js';
import { type ChildState, type StateSnapshot, StateReportRenderer } from './state-report.js';

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
  /** The services it announced. */
  readonly announced: Set<string>;
  /** The services it provides as init routes to them, made on first use. */
  readonly services: Map<string, ChildService>;
  /** Ends the notes (see `Env.waitFor`) of requests waiting for it to announce a service, by service. */
  readonly announcements: Map<string, (() => void)[]>;
  /** Its `<config>` ROM as the service init routes the child's config requests to. */
  readonly configService: LocalService | null;
  /** What init lent it so far. */
  readonly assigned: { ram: number; caps: number };
  /** Its pending `resource_request`, if any. */
  requested: { ram: number; caps: number } | null;
  /** Its exit value, once it exited. */
  exited: number | null;
  /** Skipped heartbeats at the last check. */
  skipped: number;
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
  readonly #own: PdAccount;
  readonly #running = new Map<string, RunningChild>();
  readonly #parentServices = new Map<string, ParentService>();
  #config: InitConfig | null = null;
  readonly #later: DeferredWork;
  readonly #alarms: Alarms;
  /** Requests nobody answered of a child that was destroyed: they go to its successor. */
  readonly #orphans = new Map<string, SessionState[]>();
  readonly #server: Server;
  #nextId = 1;
  #reporter: Reporter | null = null;
  readonly #renderer = new StateReportRenderer();
  #reportedAt = Number.NEGATIVE_INFINITY;
  #heartbeatRate = 0;

  private constructor(env: Env, own: PdAccount) {
    this.#env = env;
    this.#own = own;
    this.#later = new DeferredWork(env);
    this.#alarms = new Alarms(env);
    this.#server = new Server(env, own, {
      services: () => this.#config?.services ?? [],
      target: (child, service) => {
        const running = this.#running.get(child);
        return running === undefined ? undefined : this.#childService(child, running, service);
      },
      log: (text) => this.#later.log(text),
      changed: () => this.#stateChanged(),
    });
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
    if (config.services.length > 0) this.#later.defer(() => this.#server.announce());
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

  /**
   * The route to child `name`'s `service`. The request waits in the child's `session_requests` until it announces the
   * service; meanwhile init notes it among what the system waits for, which a stalled system lists.
   */
  #childRoute(name: string, service: string, label: string): Route {
    const provider = this.#running.get(name);
    if (provider === undefined) throw new ServiceDenied(`child "${name}" is not running`);
    if (!provider.announced.has(service)) {
      const announced = new Promise<void>((resolve) =>
        provider.announcements.set(service, [...(provider.announcements.get(service) ?? []), resolve]),
      );
      void this.#env.waitFor(`child "${name}" to announce "${service}" (requested by "${label}")`, announced);
    }
    return { service: this.#childService(name, provider, service) };
  }

  /** `provider`'s `service` as init routes to it, made on first use. */
  #childService(name: string, provider: RunningChild, service: string): ChildService {
    let routed = provider.services.get(service);
    if (routed === undefined) {
      const account = { client: provider.pd.session, capability: provider.pd.capability };
      routed = new ChildService(service, name, account, provider.child.requests, () => provider.announced.has(service));
      provider.services.set(service, routed);
    }
    return routed;
  }

  #parentRoute(service: string): Route {
    let routed = this.#parentServices.get(service);
    if (routed === undefined) {
      routed = new ParentService(service, this.#env, this.#own);
      this.#parentServices.set(service, routed);
    }
    return { service: routed };
  }

  #policy(name: string, initial: StartEntry, configService: LocalService | null): ChildPolicy {
    const current = (): StartEntry => this.#running.get(name)?.entry ?? initial;
    return {
      resolve: (service, label): Route => {
        if (configService !== null && this.#isConfigRom(current(), service, label)) return { service: configService };
        const decision = resolveRoute(this.#config as InitConfig, current(), service, label, {
          providers: (wanted) => this.#providers(wanted),
        });
        if (decision.kind === 'denied') {
          this.#later.log(`Warning: ${decision.reason}`);
          throw new ServiceDenied(decision.reason);
        }
        const rewritten = decision.label === label ? {} : { label: decision.label };
        const route = decision.kind === 'child' ? this.#childRoute(decision.name, service, label) : this.#parentRoute(service);
        return { ...route, ...rewritten };
      },
      announce: (service) => this.#announced(name, service),
      sessionStateChanged: () => this.#stateChanged(),
      exited: (value) => this.#exited(name, initial, value),
      resourceRequest: (args) => {
        const running = this.#running.get(name);
        if (running !== undefined)
          running.requested = { ram: args.number('ram_quota'), caps: args.number('cap_quota') };
        this.#later.log(`child "${name}" requests resources: ${args.toString()}`);
        this.#stateChanged(true);
      },
      yielded: () => {
        const running = this.#running.get(name);
        if (running !== undefined)
          this.#later.defer(() => this.#downgrade(running, running.entry).then(() => this.#stateChanged()));
      },
    };
  }

  #announced(name: string, service: string): void {
    const child = this.#running.get(name);
    if (child === undefined || !child.entry.provides.includes(service)) {
      this.#later.log(`Warning: "${name}" announced "${service}", which its start entry does not provide`);
      return;
    }
    child.announced.add(service);
    for (const resolve of child.announcements.get(service) ?? []) resolve();
    child.announcements.delete(service);
    this.#later.defer(() => this.#server.announce());
    this.#stateChanged();
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
    const configService = configRom === null ? null : new LocalService('ROM', configRom, this.#own);
    const pd = await Connection.openSession(env, Pd, { service: 'PD', label: name, ram: entry.ram, caps: entry.caps });
    const child = new Child(name, this.#policy(name, entry, configService), {
      thread: env.thread,
      ep: env.ep,
      pd: pd.capability,
      own: this.#own,
    });
    const running: RunningChild = {
      entry,
      id: this.#nextId++,
      pd,
      child,
      configRom,
      configService,
      announced: new Set(),
      services: new Map(),
      announcements: new Map(),
      assigned: { ram: entry.ram, caps: entry.caps },
      requested: null,
      exited: null,
      skipped: 0,
    };
    this.#running.set(name, running);
    await this.#adoptOrphans(name, running);
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
    for (const waiting of running.announcements.values()) for (const resolve of waiting) resolve();
    for (const failure of await running.child.closeAll()) {
      this.#later.log(
        `Warning: closing a session of "${name}" ` +
          `failed: ${failure instanceof Error ? failure.message : String(failure)}`,
      );
    }
    // destroying the PD settles every donation it holds back to where it came from (init's PD)
    await running.pd.close();
    const unanswered = running.child.serverGone();
    if (unanswered.length > 0) this.#orphans.set(name, [...(this.#orphans.get(name) ?? []), ...unanswered]);
    running.child.dispose();
    this.#env.ep.dissolve(running.child);
  }

  /**
   * Hands the requests nobody answered of `name`'s predecessor to the new `running`: the donation, back in init's PD
   * since the predecessor's PD was destroyed, moves to the new one, and the request is listed in its ROM.
   */
  async #adoptOrphans(name: string, running: RunningChild): Promise<void> {
    const orphans = this.#orphans.get(name);
    if (orphans === undefined) return;
    this.#orphans.delete(name);
    for (const state of orphans) {
      if (state.client === null) continue;
      if (state.closeRequested) {
        await state.client.sessionClosed(state);
        continue;
      }
      state.service = this.#childService(name, running, state.service.name);
      await this.#own.client.transferQuota(running.pd.capability, state.ram, state.caps);
      state.service.initiateRequest(state);
    }
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

  /**
   * The child's PD session, one of its environment sessions (Genode's `Parent::Env::pd()`, id 1): init opened it at core
   * on the child's behalf with what the start entry lends, and the report lists it like any other. A component's threads
   * are made with its PD and its binary is loaded by core, so there are no CPU and binary ROM sessions to list.
   */
  #envPdSession(name: string, running: RunningChild): ChildSession {
    return {
      id: ENV_PD_SESSION_ID,
      service: 'PD',
      label: name,
      serverLabel: name,
      state: 'OK',
      ram: running.assigned.ram,
      caps: running.assigned.caps,
      args: `ram_quota=${running.assigned.ram}, cap_quota=${running.assigned.caps}, label="${name}"`,
    };
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
        requested: withRequested ? [this.#envPdSession(name, running), ...running.child.sessions()] : [],
        provided: withProvided
          ? running.child.provided().map((session) => ({
              service: session.service,
              label: session.serverLabel,
              state: session.state,
              ram: session.ram,
              caps: session.caps,
              args: session.args,
            }))
          : [],
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

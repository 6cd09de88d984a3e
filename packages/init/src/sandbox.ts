import { connect } from '@os/rpc';
import {
  Child,
  ChildService,
  ENV_PD_SESSION_ID,
  type Env,
  LocalService,
  ParentService,
  Pd,
  type PdAccount,
  type Route,
  type SessionState,
  StartFailed,
} from '@os/runtime';
import { Connection, ServiceDenied, type SessionArgs } from '@os/session';
import { hasErrorCode } from '@os/kernel';
import { Alarms } from './alarms.js';
import { type RunningChild, lends, takesBack } from './child.js';
import { childPolicy, isConfigRom } from './child-policy.js';
import { ConfigRomService } from './config-rom.js';
import { DeferredWork } from './deferred-work.js';
import { Heartbeat } from './heartbeat.js';
import { Server } from './server.js';
import type { InitConfig, StartEntry } from './model.js';
import { checkQuota, keeps } from './quota.js';
import { type RouteDecision, resolveRoute } from './routing.js';
import type { StateSnapshot } from './state-report.js';
import { StateReporter } from './state-reporter.js';

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
  readonly #heartbeat: Heartbeat;
  readonly #reporter: StateReporter;
  #nextId = 1;

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
    this.#heartbeat = new Heartbeat(this.#alarms, {
      children: () => this.#running,
      changed: () => this.#stateChanged(),
      restart: (name) => this.#later.defer(() => this.#restart(name)),
      log: (text) => this.#later.log(text),
    });
    this.#reporter = new StateReporter(env, this.#alarms, this.#later, {
      config: () => this.#config,
      children: () => this.#running,
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
    this.#heartbeat.apply(config.heartbeatRateMs);
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
      if (session.state !== 'OK' || isConfigRom(entry, session.service, session.label)) continue;
      const now: RouteDecision =
        session.server === undefined
          ? { kind: 'parent', label: session.serverLabel }
          : { kind: 'child', name: session.server, label: session.serverLabel };
      if (!sameDecision(now, resolveRoute(config, entry, session.service, session.label, providers))) return true;
    }
    return false;
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
      const announcements = (provider.announcements ??= new Map());
      const announced = new Promise<void>((resolve) =>
        announcements.set(service, [...(announcements.get(service) ?? []), resolve]),
      );
      void this.#env.waitFor(`child "${name}" to announce "${service}" (requested by "${label}")`, announced);
    }
    return { service: this.#childService(name, provider, service) };
  }

  /** `provider`'s `service` as init routes to it, made on first use. */
  #childService(name: string, provider: RunningChild, service: string): ChildService {
    provider.services ??= new Map();
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

  #policy(name: string, initial: StartEntry, configService: LocalService | null) {
    return childPolicy(
      {
        config: () => this.#config as InitConfig,
        entry: (child) => this.#running.get(child)?.entry,
        providers: (service) => this.#providers(service),
        route: (decision, service, label): Route =>
          decision.kind === 'child' ? this.#childRoute(decision.name, service, label) : this.#parentRoute(service),
        announced: (child, service) => this.#announced(child, service),
        exited: (child, started, value) => this.#exited(child, started, value),
        resourceRequest: (child, args) => this.#resourceRequest(child, args),
        yielded: (child) => {
          const running = this.#running.get(child);
          if (running !== undefined)
            this.#later.defer(() => this.#downgrade(running, running.entry).then(() => this.#stateChanged()));
        },
        changed: () => this.#stateChanged(),
        log: (text) => this.#later.log(text),
      },
      name,
      initial,
      configService,
    );
  }

  /** Child `name` asks for resources: init logs and reports it, and answers when a config lends it more. */
  #resourceRequest(name: string, args: SessionArgs): void {
    const running = this.#running.get(name);
    if (running !== undefined) running.requested = { ram: args.number('ram_quota'), caps: args.number('cap_quota') };
    this.#later.log(`child "${name}" requests resources: ${args.toString()}`);
    this.#stateChanged(true);
  }

  #announced(name: string, service: string): void {
    const child = this.#running.get(name);
    if (child === undefined || !child.entry.provides.includes(service)) {
      this.#later.log(`Warning: "${name}" announced "${service}", which its start entry does not provide`);
      return;
    }
    child.announced.add(service);
    for (const resolve of child.announcements?.get(service) ?? []) resolve();
    child.announcements?.delete(service);
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
      services: null,
      announcements: null,
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
    for (const waiting of running.announcements?.values() ?? []) for (const resolve of waiting) resolve();
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
      if (state.client === null || state.phase !== 'CREATING' || !state.orphaned) continue;
      state.orphaned = false;
      state.service = this.#childService(name, running, state.service.name);
      await this.#own.client.transferQuota(running.pd.capability, state.ram, state.caps);
      await state.service.initiateRequest(state);
    }
  }

  /** Schedules a state report (see {@link StateReporter.changed}). */
  #stateChanged(immediate = false): void {
    this.#reporter.changed(immediate);
  }

  /** What the state report shows, now. */
  snapshot(): Promise<StateSnapshot> {
    return this.#reporter.snapshot(true, true);
  }
}

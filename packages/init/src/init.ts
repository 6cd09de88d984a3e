import type { Capability } from '@os/capability';
import { type ClientOf, connect } from '@os/rpc';
import { AttachedRomDataspace, Child, type ChildPolicy, ENV_PD_SESSION_ID, type Env, Pd, type Route, SignalHandler, parentRoot } from '@os/runtime';
import { Connection, Root, ServiceDenied, SessionLabel } from '@os/session';
import { InitConfigError } from './config-error.js';
import { ConfigRomService } from './config-rom.js';
import { DeferredWork } from './deferred-work.js';
import { parseInitConfigText } from './config-text.js';
import type { InitConfig, StartEntry } from './model.js';
import { resolveRoute } from './routing.js';

/** A started child as init keeps it. */
interface RunningChild {
  /** Its start entry, as last applied. */
  entry: StartEntry;
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
}

/** init's own PD session: where donations for sessions it forwards to its parent pass through. */
async function ownPd(env: Env): Promise<{ client: ClientOf<typeof Pd>; capability: Capability<typeof Pd> }> {
  const capability = (await env.parent.session(ENV_PD_SESSION_ID, 'PD', '')).cast<typeof Pd>();
  return { client: connect(Pd, env.thread, capability), capability };
}

/** The root of a service `provider` announced, or a promise of it until it does. */
function providerRoot(provider: RunningChild, service: string): Promise<Capability<typeof Root>> {
  const announced = provider.announced.get(service);
  if (announced !== undefined) return Promise.resolve(announced);
  return new Promise((resolve) => provider.waiting.set(service, [...(provider.waiting.get(service) ?? []), resolve]));
}

/** Whether `entry` keeps the child started from `running` alive: a child's identity is its name, version and binary. */
function keeps(running: StartEntry, entry: StartEntry | undefined): boolean {
  return entry !== undefined && entry.name === running.name && entry.version === running.version && entry.binary === running.binary;
}

/** Checks that init's own quota covers every new start entry plus what it preserves; names the first child it cannot afford. */
function checkQuota(env: Env, config: InitConfig, running: ReadonlyMap<string, RunningChild>): void {
  const quota = env.pd.quota();
  let ram = quota.ramLimit - quota.ramUsed - config.preserve.ram;
  let caps = quota.capLimit - quota.capUsed - config.preserve.caps;
  for (const lent of running.values()) {
    if (config.children.some((child) => keeps(lent.entry, child))) continue;
    // a child about to be destroyed gives its quota back
    ram += lent.entry.ram;
    caps += lent.entry.caps;
  }
  for (const child of config.children) {
    const lent = running.get(child.name);
    if (lent !== undefined && keeps(lent.entry, child)) continue;
    ram -= child.ram;
    caps -= child.caps;
    const where = child.line > 0 ? `line ${child.line}: ` : '';
    if (ram < 0) throw new InitConfigError(`init config: ${where}<start name="${child.name}">: not enough RAM: init has ${ram + child.ram} bytes left for it, it asks ${child.ram} (lower its ram or give init more)`);
    if (caps < 0) throw new InitConfigError(`init config: ${where}<start name="${child.name}">: not enough capabilities: init has ${caps + child.caps} left for it, it asks ${child.caps} (lower its caps or give init more)`);
  }
}

/**
 * init's children and what it knows about them (Genode's sandbox): applies a configuration, first at
 * start and then at every change of the config ROM, as Genode's init does.
 */
export class Sandbox {
  readonly #env: Env;
  readonly #own: { client: ClientOf<typeof Pd>; capability: Capability<typeof Pd> };
  readonly #running = new Map<string, RunningChild>();
  readonly #parentRoots = new Map<string, ClientOf<typeof Root>>();
  #config: InitConfig | null = null;
  readonly #later: DeferredWork;
  /** Requests that waited for a child that was destroyed keep waiting for its successor. */
  readonly #orphans = new Map<string, Map<string, ((root: Capability<typeof Root>) => void)[]>>();

  private constructor(env: Env, own: { client: ClientOf<typeof Pd>; capability: Capability<typeof Pd> }) {
    this.#env = env;
    this.#own = own;
    this.#later = new DeferredWork(env);
  }

  /** Creates init's sandbox in `env`. */
  static async create(env: Env): Promise<Sandbox> {
    return new Sandbox(env, await ownPd(env));
  }

  /** The names of the running children, in start order. */
  get children(): string[] {
    return [...this.#running.keys()];
  }

  /**
   * Applies `config`: children that are gone, or whose version or binary changed, are destroyed
   * (and with them, transitively, the children holding sessions they serve), a child whose
   * `<config>` alone changed gets the new one as a ROM update (no restart), and every start entry
   * without a running child is started, in config order.
   */
  async apply(config: InitConfig): Promise<void> {
    checkQuota(this.#env, config, this.#running);
    this.#config = config;
    const next = new Map(config.children.map((entry) => [entry.name, entry]));
    const doomed: string[] = [];
    for (const [name, running] of this.#running) if (!keeps(running.entry, next.get(name))) doomed.push(name);
    for (let i = 0; i < doomed.length; i++) {
      for (const [name, running] of this.#running) {
        if (doomed.includes(name)) continue;
        if ([...running.child.servers()].some((server) => doomed.includes(server))) doomed.push(name);
      }
    }
    for (const name of [...doomed].reverse()) await this.#destroy(name);
    for (const entry of config.children) {
      const running = this.#running.get(entry.name);
      if (running === undefined) {
        await this.#start(entry);
        continue;
      }
      if (entry.config !== running.entry.config) {
        if (entry.config !== null && running.configRom !== null) running.configRom.update(entry.config);
        else this.#later.log(`Warning: "${entry.name}": a <config> that appears or vanishes takes effect at its next restart`);
      }
      running.entry = entry;
    }
  }

  #providers(service: string): string[] {
    return (this.#config?.children ?? []).filter((child) => child.provides.includes(service) && this.#running.has(child.name)).map((child) => child.name);
  }

  async #childRoute(name: string, service: string, label: string, waiting: () => void): Promise<Route> {
    const provider = this.#running.get(name);
    if (provider === undefined) throw new ServiceDenied(`child "${name}" is not running`);
    if (!provider.announced.has(service)) waiting();
    const rootCapability = await this.#env.waitFor(`child "${name}" to announce "${service}" (requested by "${label}")`, providerRoot(provider, service));
    return { root: connect(Root, this.#env.thread, rootCapability), serverPd: provider.pd.session, serverPdCapability: provider.pd.capability, server: name };
  }

  #parentRoute(service: string): Route {
    let root = this.#parentRoots.get(service);
    if (root === undefined) {
      root = parentRoot(this.#env, service);
      this.#parentRoots.set(service, root);
    }
    return { root, serverPd: this.#own.client, serverPdCapability: this.#own.capability };
  }

  async #start(entry: StartEntry): Promise<void> {
    const env = this.#env;
    const name = entry.name;
    const configRom = entry.config === null ? null : new ConfigRomService(env, entry.config);
    const current = (): StartEntry => this.#running.get(name)?.entry ?? entry;
    const policy: ChildPolicy = {
      resolve: async (service, label, waiting): Promise<Route> => {
        if (configRom !== null && service === 'ROM' && new SessionLabel(label).last() === 'config') {
          return { root: configRom, serverPd: this.#own.client, serverPdCapability: this.#own.capability };
        }
        const config = this.#config as InitConfig;
        const decision = resolveRoute(config, current(), service, label, { providers: (wanted) => this.#providers(wanted) });
        if (decision.kind === 'denied') {
          this.#later.log(`Warning: ${decision.reason}`);
          throw new ServiceDenied(decision.reason);
        }
        const rewritten = decision.label === label ? {} : { label: decision.label };
        if (decision.kind === 'child') return { ...(await this.#childRoute(decision.name, service, label, waiting)), ...rewritten };
        return { ...this.#parentRoute(service), ...rewritten };
      },
      announce: (service, root) => {
        const child = this.#running.get(name);
        if (child === undefined || !child.entry.provides.includes(service)) {
          this.#later.log(`Warning: "${name}" announced "${service}", which its start entry does not provide`);
          return;
        }
        child.announced.set(service, root);
        for (const resolve of child.waiting.get(service) ?? []) resolve(root);
        child.waiting.delete(service);
      },
      exited: (value) => {
        if (current().exitPropagate) this.#later.defer(() => env.parent.exit(value));
        else this.#later.log(`child "${name}" exited with exit value ${value}`);
      },
      resourceRequest: (args) => {
        this.#later.log(`child "${name}" requests resources: ${args.toString()}`);
      },
    };
    const pd = await Connection.openSession(env, Pd, { service: 'PD', label: name, ram: entry.ram, caps: entry.caps });
    const child = new Child(name, policy, env.thread, pd.capability);
    const waiting = this.#waitingFor(name);
    this.#running.set(name, { entry, pd, child, configRom, announced: new Map(), waiting });
    await pd.session.start(entry.binary, name, env.ep.manage(child));
  }

  #waitingFor(name: string): Map<string, ((root: Capability<typeof Root>) => void)[]> {
    const waiting = this.#orphans.get(name) ?? new Map<string, ((root: Capability<typeof Root>) => void)[]>();
    this.#orphans.delete(name);
    return waiting;
  }

  async #destroy(name: string): Promise<void> {
    const running = this.#running.get(name);
    if (running === undefined) return;
    this.#running.delete(name);
    if (running.waiting.size > 0) this.#orphans.set(name, running.waiting);
    for (const failure of await running.child.closeAll()) {
      this.#later.log(`Warning: closing a session of "${name}" failed: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
    await running.pd.close();
    this.#env.ep.dissolve(running.child);
  }
}

/** Starts the children of `config` in order; resolves once all are started. */
export async function startChildren(env: Env, config: InitConfig): Promise<Sandbox> {
  const sandbox = await Sandbox.create(env);
  await sandbox.apply(config);
  return sandbox;
}

/**
 * init (binary `init`): reads its "config" ROM (Genode's XML, or JSON of the typed value), starts the
 * children, and applies every new version of the ROM. A new version that does not parse is reported
 * and the running system stays as it is.
 */
export async function construct(env: Env): Promise<void> {
  const rom = await AttachedRomDataspace.open(env, 'config');
  const sandbox = await startChildren(env, parseInitConfigText(rom.text(), 'init config'));
  await rom.sigh(
    new SignalHandler(env.ep, async () => {
      await rom.update();
      let config: InitConfig;
      try {
        config = parseInitConfigText(rom.text(), 'init config');
      } catch (error) {
        await env.log(`Error: the new config is not applied: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      try {
        await sandbox.apply(config);
      } catch (error) {
        await env.log(`Error: applying the new config failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
}

/** init as a component module, for binary tables. */
export const init = { construct };

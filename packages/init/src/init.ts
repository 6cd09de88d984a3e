import type { Capability } from '@os/capability';
import { type ClientOf, connect } from '@os/rpc';
import { AttachedRomDataspace, Child, type ChildPolicy, ENV_PD_SESSION_ID, type Env, Pd, type Route } from '@os/runtime';
import { Connection, Root, ServiceDenied, SessionLabel } from '@os/session';
import { InitConfigError } from './config-error.js';
import { ConfigRomService } from './config-rom.js';
import { parseInitConfigText } from './config-text.js';
import type { InitConfig, StartEntry } from './model.js';
import { resolveRoute } from './routing.js';

/** A started child as init keeps it. */
interface RunningChild {
  /** Its start entry. */
  readonly entry: StartEntry;
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

/** A root that forwards sessions to init's own parent: how a child's request routed to "parent" travels on. */
function parentRoot(env: Env, service: string): ClientOf<typeof Root> {
  const ids = new Map<number, number>();
  return {
    async session(args) {
      const id = env.allocSessionId();
      try {
        const capability = await env.parent.session(id, service, args);
        ids.set(capability.rawSelector, id);
        return capability;
      } catch (error) {
        env.freeSessionId(id);
        throw error;
      }
    },
    async upgrade(capability, args) {
      const id = ids.get(capability.rawSelector);
      if (id !== undefined) await env.parent.upgrade(id, args);
    },
    async close(capability) {
      const id = ids.get(capability.rawSelector);
      if (id === undefined) return;
      ids.delete(capability.rawSelector);
      await env.parent.close(id);
      env.freeSessionId(id);
    },
  };
}

/** Checks that init's own quota covers every start entry plus what it preserves; names the first child it cannot afford. */
function checkQuota(env: Env, config: InitConfig): void {
  const quota = env.pd.quota();
  let ram = quota.ramLimit - quota.ramUsed - config.preserve.ram;
  let caps = quota.capLimit - quota.capUsed - config.preserve.caps;
  for (const child of config.children) {
    ram -= child.ram;
    caps -= child.caps;
    const where = child.line > 0 ? `line ${child.line}: ` : '';
    if (ram < 0) throw new InitConfigError(`init config: ${where}<start name="${child.name}">: not enough RAM: init has ${ram + child.ram} bytes left for it, it asks ${child.ram} (lower its ram or give init more)`);
    if (caps < 0) throw new InitConfigError(`init config: ${where}<start name="${child.name}">: not enough capabilities: init has ${caps + child.caps} left for it, it asks ${child.caps} (lower its caps or give init more)`);
  }
}

/** Starts the children of `config` in order; resolves once all are started. */
export async function startChildren(env: Env, config: InitConfig): Promise<void> {
  checkQuota(env, config);
  const own = await ownPd(env);
  const running = new Map<string, RunningChild>();
  const parentRoots = new Map<string, ClientOf<typeof Root>>();
  const providers = {
    providers: (service: string): string[] => config.children.filter((child) => child.provides.includes(service)).map((child) => child.name),
  };

  const providerRoot = (provider: RunningChild, service: string): Promise<Capability<typeof Root>> => {
    const announced = provider.announced.get(service);
    if (announced !== undefined) return Promise.resolve(announced);
    return new Promise((resolve) => provider.waiting.set(service, [...(provider.waiting.get(service) ?? []), resolve]));
  };

  const childRoute = async (name: string, service: string, label: string): Promise<Route> => {
    const provider = running.get(name);
    if (provider === undefined) throw new ServiceDenied(`child "${name}" is not running`);
    const rootCapability = await env.waitFor(`child "${name}" to announce "${service}" (requested by "${label}")`, providerRoot(provider, service));
    return { root: connect(Root, env.thread, rootCapability), serverPd: provider.pd.session, serverPdCapability: provider.pd.capability };
  };

  for (const entry of config.children) {
    const configRom = entry.config === null ? null : new ConfigRomService(env, entry.config);
    const policy: ChildPolicy = {
      async resolve(service, label): Promise<Route> {
        if (configRom !== null && service === 'ROM' && new SessionLabel(label).last() === 'config') {
          return { root: configRom, serverPd: own.client, serverPdCapability: own.capability };
        }
        const decision = resolveRoute(config, entry, service, label, providers);
        if (decision.kind === 'denied') {
          void env.log(`Warning: ${decision.reason}`);
          throw new ServiceDenied(decision.reason);
        }
        const rewritten = decision.label === label ? {} : { label: decision.label };
        if (decision.kind === 'child') return { ...(await childRoute(decision.name, service, label)), ...rewritten };
        let root = parentRoots.get(service);
        if (root === undefined) {
          root = parentRoot(env, service);
          parentRoots.set(service, root);
        }
        return { root, serverPd: own.client, serverPdCapability: own.capability, ...rewritten };
      },
      announce(service, root) {
        const child = running.get(entry.name);
        if (child === undefined || !entry.provides.includes(service)) {
          void env.log(`Warning: "${entry.name}" announced "${service}", which its start entry does not provide`);
          return;
        }
        child.announced.set(service, root);
        for (const resolve of child.waiting.get(service) ?? []) resolve(root);
        child.waiting.delete(service);
      },
      exited(value) {
        if (entry.exitPropagate) void env.parent.exit(value);
        else void env.log(`child "${entry.name}" exited with exit value ${value}`);
      },
      resourceRequest(args) {
        void env.log(`child "${entry.name}" requests resources: ${args.toString()}`);
      },
    };
    const pd = await Connection.openSession(env, Pd, { service: 'PD', label: entry.name, ram: entry.ram, caps: entry.caps });
    running.set(entry.name, { entry, pd, announced: new Map(), waiting: new Map() });
    const child = new Child(entry.name, policy, env.thread, pd.capability);
    await pd.session.start(entry.binary, entry.name, env.ep.manage(child));
  }
}

/** init (binary `init`): reads its "config" ROM (Genode's XML, or JSON of the typed value) and starts the children. */
export async function construct(env: Env): Promise<void> {
  const rom = await AttachedRomDataspace.open(env, 'config');
  await startChildren(env, parseInitConfigText(rom.text(), 'init config'));
}

/** init as a component module, for binary tables. */
export const init = { construct };

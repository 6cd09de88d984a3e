import { Capability } from '@os/capability';
import { type ClientOf, connect } from '@os/rpc';
import { AttachedRomDataspace, Child, type ChildPolicy, ENV_PD_SESSION_ID, type Env, Pd, type Route } from '@os/runtime';
import { Connection, Root, SessionLabel } from '@os/session';
import { ConfigRomService } from './config-rom.js';
import { type InitConfig, type StartEntry, parseInitConfig } from './config.js';

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

/** Starts the children of `config` in order; resolves once all are started. */
export async function startChildren(env: Env, config: InitConfig): Promise<void> {
  const own = await ownPd(env);
  const running = new Map<string, RunningChild>();
  const parentRoots = new Map<string, ClientOf<typeof Root>>();

  const providerRoot = (provider: RunningChild, service: string): Promise<Capability<typeof Root>> => {
    const announced = provider.announced.get(service);
    if (announced !== undefined) return Promise.resolve(announced);
    return new Promise((resolve) => provider.waiting.set(service, [...(provider.waiting.get(service) ?? []), resolve]));
  };

  for (const entry of config.children) {
    const configRom = entry.config === undefined ? null : new ConfigRomService(env, entry.config);
    const policy: ChildPolicy = {
      async resolve(service, label): Promise<Route> {
        if (configRom !== null && service === 'ROM' && new SessionLabel(label).withoutPrefix(entry.name).toString() === 'config') {
          return { root: configRom, serverPd: own.client, serverPdCapability: own.capability };
        }
        const target = entry.routes?.[service] ?? 'parent';
        if (target === 'parent') {
          let root = parentRoots.get(service);
          if (root === undefined) {
            root = parentRoot(env, service);
            parentRoots.set(service, root);
          }
          return { root, serverPd: own.client, serverPdCapability: own.capability };
        }
        const provider = running.get(target.child) as RunningChild;
        const rootCapability = await env.waitFor(`child "${target.child}" to announce "${service}" (requested by "${label}")`, providerRoot(provider, service));
        return { root: connect(Root, env.thread, rootCapability), serverPd: provider.pd.session, serverPdCapability: provider.pd.capability };
      },
      announce(service, root) {
        const child = running.get(entry.name);
        if (child === undefined || !(entry.provides ?? []).includes(service)) {
          void env.log(`Warning: "${entry.name}" announced "${service}", which its start entry does not provide`);
          return;
        }
        child.announced.set(service, root);
        for (const resolve of child.waiting.get(service) ?? []) resolve(root);
        child.waiting.delete(service);
      },
      exited(value) {
        if (entry.exit?.propagate === true) void env.parent.exit(value);
        else void env.log(`child "${entry.name}" exited with exit value ${value}`);
      },
      resourceRequest(args) {
        void env.log(`Warning: "${entry.name}" requests resources (${args.toString()}); init grants none in this form`);
      },
    };
    const pd = await Connection.openSession(env, Pd, { service: 'PD', label: entry.name, ram: entry.ram, caps: entry.caps });
    running.set(entry.name, { entry, pd, announced: new Map(), waiting: new Map() });
    const child = new Child(entry.name, policy, env.thread, pd.capability);
    await pd.session.start(entry.binary ?? entry.name, entry.name, env.ep.manage(child));
  }
}

/** init (binary `init`): reads its "config" ROM (JSON, first form) and starts the children. */
export async function construct(env: Env): Promise<void> {
  const rom = await AttachedRomDataspace.open(env, 'config');
  let config: InitConfig;
  try {
    config = parseInitConfig(JSON.parse(rom.text()));
  } catch (error) {
    if (error instanceof SyntaxError) throw new Error(`init config: not valid JSON: ${error.message}`);
    throw error;
  }
  await startChildren(env, config);
}

/** init as a component module, for binary tables. */
export const init = { construct };

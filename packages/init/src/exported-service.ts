import type { Capability } from '@os/capability';
import { type ClientOf, RpcObject, type ServerOf } from '@os/rpc';
import type { Pd } from '@os/runtime';
import { Root, ServiceDenied, SessionArgs, SessionLabel } from '@os/session';
import type { ExportedService, LabelMatch, ServicePolicy } from './model.js';

/** Where an exported session goes: the serving child's root and PD. */
export interface ExportTarget {
  /** The child's root of the service. */
  readonly root: ClientOf<typeof Root>;
  /** The child's PD session, where the donation moves. */
  readonly pd: ClientOf<typeof Pd>;
  /** The same PD session as a capability. */
  readonly pdCapability: Capability<typeof Pd>;
}

/** init's own PD session, through which donations pass. */
export interface OwnPd {
  /** The client. */
  readonly client: ClientOf<typeof Pd>;
  /** The capability. */
  readonly capability: Capability<typeof Pd>;
}

/** A session init's parent opened on an exported service. */
export interface ExportedSession {
  /** The serving child. */
  readonly child: string;
  /** The service. */
  readonly service: string;
  /** The label, as init's parent sent it. */
  readonly label: string;
  /** RAM donated. */
  ram: number;
  /** Capabilities donated. */
  caps: number;
  /** The arguments the child got. */
  readonly args: string;
}

/**
 * How well a policy's label condition fits `label`, as `[exact, prefix, suffix]` (lengths + 1); `null` when it does not
 * match.
 */
function score(match: LabelMatch | undefined, label: SessionLabel): readonly [number, number, number] | null {
  if (match === undefined) return null;
  if ('label' in match) return label.text === match.label ? [1, 0, 0] : null;
  if ('labelPrefix' in match)
    return label.text.startsWith(match.labelPrefix) ? [0, match.labelPrefix.length + 1, 0] : null;
  if ('labelSuffix' in match)
    return label.text.endsWith(match.labelSuffix) ? [0, 0, match.labelSuffix.length + 1] : null;
  return label.last() === match.labelLast ? [0, 0, match.labelLast.length + 1] : null;
}

/**
 * Whether `a` beats `b` (Genode's `Node_label_score::stronger`): an exact label, then any prefix (the longer), then the
 * longer suffix; ties keep the first.
 */
function stronger(a: readonly [number, number, number], b: readonly [number, number, number]): boolean {
  if (b[0] === 1) return false;
  if (a[0] !== b[0]) return a[0] > b[0];
  if (a[1] !== b[1]) return a[1] > b[1];
  return a[2] > b[2];
}

/**
 * The policy of an exported `<service>` that serves `label`, as Genode's `with_matching_policy`
 * picks it: an exact `label` first, then any `label_prefix` (the longest), then the longest suffix
 * (`label_last` counts as one, an addition of ours); the `<default-policy>` when none matches; `null`
 * when there is none either.
 */
export function selectPolicy(policies: readonly ServicePolicy[], label: string): ServicePolicy | null {
  const session = new SessionLabel(label);
  let best: { policy: ServicePolicy; score: readonly [number, number, number] } | null = null;
  for (const policy of policies) {
    const value = score(policy.match, session);
    if (value !== null && (best === null || stronger(value, best.score))) best = { policy, score: value };
  }
  return best?.policy ?? policies.find((policy) => policy.match === undefined) ?? null;
}

/**
 * The root init announces to its parent for one exported `<service>` (Genode's init as a server):
 * each session request picks a policy by its label, moves the donation on from init's PD to the
 * serving child's, and opens the session at the child; closing reverses both.
 */
export class ExportedServiceRoot extends RpcObject<typeof Root> implements ServerOf<typeof Root> {
  readonly #service: () => ExportedService;
  readonly #target: (child: string) => ExportTarget | undefined;
  readonly #own: OwnPd;
  readonly #sessions = new Map<
    number,
    ExportedSession & { readonly target: ExportTarget; readonly capability: Capability }
  >();

  /** Serves the service `service()` describes (re-read at each request: the config may change). */
  constructor(service: () => ExportedService, target: (child: string) => ExportTarget | undefined, own: OwnPd) {
    super(Root);
    this.#service = service;
    this.#target = target;
    this.#own = own;
  }

  /** The sessions open on this service. */
  sessions(): ExportedSession[] {
    return [...this.#sessions.values()].map(({ child, service, label, ram, caps, args }) => ({
      child,
      service,
      label,
      ram,
      caps,
      args,
    }));
  }

  /** Opens a session at the child the label's policy names (Root::session). */
  async session(argsText: string): Promise<Capability> {
    const service = this.#service();
    const args = SessionArgs.parse(argsText);
    const label = args.string('label');
    const policy = selectPolicy(service.policies, label);
    if (policy === null)
      throw new ServiceDenied(
        `init: no <policy> of the exported service "${service.name}" matches label "${label}", and it has no ` +
          `<default-policy>`,
      );
    const target = this.#target(policy.child);
    if (target === undefined)
      throw new ServiceDenied(
        `init: child "${policy.child}" does not serve "${service.name}" (it is not running or has not announced it)`,
      );
    const ram = args.number('ram_quota');
    const caps = args.number('cap_quota');
    await this.#own.client.transferQuota(target.pdCapability, ram, caps);
    let capability: Capability;
    try {
      capability = await target.root.session(argsText);
    } catch (error) {
      await target.pd.transferQuota(this.#own.capability, ram, caps);
      throw error;
    }
    this.#sessions.set(capability.rawSelector, {
      child: policy.child,
      service: service.name,
      label,
      ram,
      caps,
      args: argsText,
      target,
      capability,
    });
    return capability;
  }

  /** Moves an upgrade on to the serving child (Root::upgrade). */
  async upgrade(capability: Capability, argsText: string): Promise<void> {
    const session = this.#sessions.get(capability.rawSelector);
    if (session === undefined)
      throw new ServiceDenied('init: upgrade of a session this exported service does not hold');
    const args = SessionArgs.parse(argsText);
    const ram = args.number('ram_quota');
    const caps = args.number('cap_quota');
    await this.#own.client.transferQuota(session.target.pdCapability, ram, caps);
    await session.target.root.upgrade(session.capability, argsText);
    session.ram += ram;
    session.caps += caps;
  }

  /** Closes the session at the child and takes the donation back to init's parent's side (Root::close). */
  async close(capability: Capability): Promise<void> {
    const session = this.#sessions.get(capability.rawSelector);
    if (session === undefined) return;
    this.#sessions.delete(capability.rawSelector);
    await session.target.root.close(session.capability);
    await session.target.pd.transferQuota(this.#own.capability, session.ram, session.caps);
  }

  /** Forgets the sessions of `child` (it is gone); their donations went back to init with its PD. */
  forget(child: string): ExportedSession[] {
    const gone: ExportedSession[] = [];
    for (const [key, session] of this.#sessions) {
      if (session.child !== child) continue;
      this.#sessions.delete(key);
      gone.push(session);
    }
    return gone;
  }
}

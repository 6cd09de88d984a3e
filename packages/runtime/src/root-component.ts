import type { Capability } from '@os/capability';
import { QuotaExceededError, hasErrorCode } from '@os/kernel';
import { type RpcInterface, RpcObject, type ServerOf } from '@os/rpc';
import {
  InsufficientCapQuota,
  InsufficientRamQuota,
  OutOfCaps,
  OutOfRam,
  Root,
  ServiceDenied,
  SessionArgs,
  SessionArgsError,
  SessionError,
  SessionLabel,
} from '@os/session';
import type { Env } from './env.js';
import { NoPolicyDefined, SessionPolicy } from './session-policy.js';
import { numberOfBytes } from './number-of-bytes.js';
import type { XmlNode } from './xml-node.js';

/**
 * What one session costs its server, paid from the client's donation (`ram_quota`, `cap_quota`).
 * `ram`: every byte the server allocates for the session (buffers, copies, dataspaces; page-rounded,
 * as the kernel charges whole pages). `caps`: every capability the server makes for it: 1 for the
 * session object itself (managing it on the entrypoint makes one RPC object), plus one per
 * dataspace and per signal context the session creates.
 */
export interface SessionCost {
  /** Bytes of RAM. */
  readonly ram: number;
  /** Capabilities, the session object's own included. */
  readonly caps: number;
  /** What the RAM is for, for a refusal's message: `a buffer of 8192 bytes, page-rounded`. */
  readonly ramFor?: string;
}

/** Where a root serves its session objects: the component's `Entrypoint`, or an `RpcEntrypoint` (core's). */
export interface SessionEntrypoint {
  /** Makes `object` callable; returns the capability that reaches it. */
  manage<I extends RpcInterface>(object: RpcObject<I>): Capability<I>;
  /** Stops serving `object`; every capability to it becomes invalid. */
  dissolve(object: RpcObject): void;
}

/** How a {@link RootComponent} serves. */
export interface RootComponentOptions {
  /** The service's name, as announced ("Timer"); it names the service in every refusal. */
  readonly service: string;
  /** The entrypoint that serves the session objects (and the root, once announced). */
  readonly ep: SessionEntrypoint;
  /**
   * The server's config, read at each request: when given, a session's label must match one of its
   * `<policy>` nodes or its `<default-policy>` (`SessionPolicy.select`), else the request is refused
   * with `NoPolicyDefined` (a `ServiceDenied`); the matching node is passed to `createSession`.
   */
  readonly config?: () => XmlNode;
}

/** One open session: its object, its capability, its label and what its client donated so far. */
interface OpenSession<S> {
  readonly session: S;
  readonly capability: Capability;
  readonly label: SessionLabel;
  ram: number;
  caps: number;
}

/** The one cost a root declares when it declares none: the session object's capability. */
const SESSION_OBJECT_ONLY: SessionCost = { ram: 0, caps: 1 };

/**
 * A server's `Root` (Genode's `Root_component`, `repos/base/include/root/component.h`): extend it,
 * declare what a session costs (`sessionCost`) and how one is made (`createSession`), and it does
 * what every server must do with a session request it cannot trust. It parses the arguments once
 * (malformed ones are refused with `ServiceDenied`), selects the session's policy from the server's
 * config if it has one, checks the donation against the declared cost (`InsufficientRamQuota`,
 * `InsufficientCapQuota`, naming the service, label and both amounts), makes the session object and
 * manages it on the entrypoint. `upgrade` adds a donation to the session it names (`upgradeSession`);
 * `close` dissolves the session object's capability and lets `destroySession` free what the session
 * held (by default the session object's own `destroy()`, if it has one), so the donation is whole
 * again when the parent returns it. Unknown session capabilities are ignored, as in Genode.
 *
 * It lives in `@os/runtime`, not `@os/session`: it serves its session objects on an entrypoint and
 * reads policies from the server's config (`SessionPolicy`, `XmlNode`), and both are the runtime's.
 * Unlike Genode it does not shrink `ram_quota` in the arguments it passes on: the cost covers the
 * session object too (its capability is the first of `caps`), and the donation is checked whole.
 */
export abstract class RootComponent<S extends RpcObject>
  extends RpcObject<typeof Root>
  implements ServerOf<typeof Root>
{
  /** The service's name. */
  readonly service: string;
  readonly #ep: SessionEntrypoint;
  readonly #config: (() => XmlNode) | undefined;
  readonly #open = new Map<number, OpenSession<S>>();

  /** Serves `options.service` on `options.ep`. */
  constructor(options: RootComponentOptions) {
    super(Root);
    this.service = options.service;
    this.#ep = options.ep;
    this.#config = options.config;
  }

  /**
   * What a session with these arguments costs the server (called once per request, before
   * `createSession`). The default is the session object's capability alone. It may refuse with a
   * `SessionError` (`ServiceDenied` for a request it will never serve).
   */
  protected sessionCost(_args: SessionArgs, _label: SessionLabel, _policy: XmlNode | null): SessionCost {
    return SESSION_OBJECT_ONLY;
  }

  /**
   * Makes the session object for a request whose donation covers its cost; the root manages it. It
   * may refuse with a `SessionError`; a `QuotaExceededError` of the kernel (the server's own quota
   * ran out) and `OutOfRam`/`OutOfCaps` are refused as insufficient donations.
   */
  protected abstract createSession(args: SessionArgs, label: SessionLabel, policy: XmlNode | null): S | Promise<S>;

  /**
   * Told of a donation added to `session` (`added` is what this upgrade brought, now the session's;
   * `donated` is the session's donation in all). The default does nothing: a session whose cost was
   * paid at creation needs no more.
   */
  protected upgradeSession(
    _session: S,
    _args: SessionArgs,
    _added: SessionCost,
    _donated: SessionCost,
  ): void | Promise<void> {}

  /**
   * Frees what `session` held, after its capability was dissolved: its dataspaces, signal contexts,
   * timers. The default calls the session object's `destroy()` when it has one.
   */
  protected destroySession(session: S): void | Promise<void> {
    const destroy = (session as { destroy?: unknown }).destroy;
    if (typeof destroy === 'function') return (destroy as () => void | Promise<void>).call(session);
  }

  /** How a refusal names the session: `Timer "init -> client"` (the service and the label) by default. */
  protected describeSession(label: SessionLabel, _policy: XmlNode | null): string {
    return `${this.service} "${label.text}"`;
  }

  /**
   * Told of every refusal before it goes to the parent: for a server that logs them (report_rom's
   * `Error: insufficient ram donation from <label>`). `label` is empty when the arguments did not parse.
   */
  protected refused(_error: SessionError, _label: string): void | Promise<void> {}

  /** The open sessions, oldest first. */
  sessions(): S[] {
    return Array.from(this.#open.values(), (entry) => entry.session);
  }

  /** The open session behind `capability` (in the server's space), if it is one of this root's. */
  lookup(capability: Capability): S | undefined {
    return this.#open.get(capability.rawSelector)?.session;
  }

  /** What `session`'s client donated, first request and upgrades together; undefined once it closed. */
  donation(session: S): SessionCost | undefined {
    for (const entry of this.#open.values()) if (entry.session === session) return { ram: entry.ram, caps: entry.caps };
    return undefined;
  }

  /**
   * Manages the root on its entrypoint and announces the service to `env`'s parent (see `Env.announce`); returns the
   * root's capability.
   */
  async announce(env: Pick<Env, 'announce'>): Promise<Capability<typeof Root>> {
    const capability = this.#ep.manage(this);
    await env.announce(this.service, capability);
    return capability;
  }

  /** Opens a session (Root::session): parse, policy, cost, create, manage; every failure a typed refusal. */
  async session(argsText: string): Promise<Capability> {
    let label = '';
    try {
      const args = SessionArgs.parse(argsText);
      const sessionLabel = new SessionLabel(args.string('label'));
      label = sessionLabel.text;
      const ram = args.number('ram_quota');
      const caps = args.number('cap_quota');
      const policy = this.#config === undefined ? null : this.#policy(sessionLabel, this.#config());
      const cost = this.sessionCost(args, sessionLabel, policy);
      const what = this.describeSession(sessionLabel, policy);
      const aSession = `${/^[AEIOU]/i.test(this.service) ? 'an' : 'a'} ${this.service} session`;
      if (ram < cost.ram) {
        const why = cost.ramFor === undefined ? '' : ` (${cost.ramFor})`;
        throw new InsufficientRamQuota(
          `${what}: ${aSession} needs ${numberOfBytes(cost.ram)} of RAM${why}, ` +
            `the request donated ${numberOfBytes(ram)}`,
        );
      }
      if (caps < cost.caps)
        throw new InsufficientCapQuota(
          `${what}: ${aSession} needs ${cost.caps} ${cost.caps === 1 ? 'capability' : 'capabilities'}, ` +
            `the request donated ${caps}`,
        );
      const session = await this.#create(args, sessionLabel, policy, what);
      this.#open.set(session.capability.rawSelector, { ...session, ram, caps });
      return session.capability;
    } catch (error) {
      const refusal = this.#refusal(error, label);
      if (refusal === null) throw error;
      await this.refused(refusal, label);
      throw refusal;
    }
  }

  /** Adds a donation to the session it names (Root::upgrade); malformed arguments and unknown sessions are ignored. */
  async upgrade(capability: Capability, argsText: string): Promise<void> {
    const entry = this.#open.get(capability.rawSelector);
    if (entry === undefined) return;
    let args: SessionArgs;
    let added: SessionCost;
    try {
      args = SessionArgs.parse(argsText);
      added = { ram: args.number('ram_quota'), caps: args.number('cap_quota') };
    } catch (error) {
      if (hasErrorCode(error, SessionArgsError.code)) return;
      throw error;
    }
    entry.ram += added.ram;
    entry.caps += added.caps;
    await this.upgradeSession(entry.session, args, added, { ram: entry.ram, caps: entry.caps });
  }

  /** Closes the session (Root::close): dissolves its capability, then frees what it held (`destroySession`). */
  async close(capability: Capability): Promise<void> {
    const entry = this.#open.get(capability.rawSelector);
    if (entry === undefined) return;
    this.#open.delete(capability.rawSelector);
    this.#ep.dissolve(entry.session);
    await this.destroySession(entry.session);
  }

  /** Closes every open session, as `close` does each: for a root that stops serving. */
  async closeAll(): Promise<void> {
    for (const entry of [...this.#open.values()]) await this.close(entry.capability);
  }

  async #create(
    args: SessionArgs,
    label: SessionLabel,
    policy: XmlNode | null,
    what: string,
  ): Promise<{ session: S; capability: Capability; label: SessionLabel }> {
    let session: S | null = null;
    try {
      session = await this.createSession(args, label, policy);
      return { session, capability: this.#ep.manage(session), label };
    } catch (error) {
      // a session object made but not served holds what it allocated: free it before refusing
      if (session !== null) await this.destroySession(session);
      if (hasErrorCode<QuotaExceededError>(error, QuotaExceededError.code))
        throw error.kind === 'ram'
          ? new InsufficientRamQuota(`${what}: ${error.message}`)
          : new InsufficientCapQuota(`${what}: ${error.message}`);
      if (error instanceof OutOfRam) throw new InsufficientRamQuota(`${what}: ${error.message}`);
      if (error instanceof OutOfCaps) throw new InsufficientCapQuota(`${what}: ${error.message}`);
      throw error;
    }
  }

  /** The policy of `config` for `label`; `NoPolicyDefined`, naming the service, when there is none. */
  #policy(label: SessionLabel, config: XmlNode): XmlNode {
    try {
      return SessionPolicy.select(label, config);
    } catch (error) {
      if (error instanceof NoPolicyDefined) throw new NoPolicyDefined(`${this.service}: ${error.message}`);
      throw error;
    }
  }

  /** The session error to refuse with for `error`; null for one that is not a refusal (a bug of the server). */
  #refusal(error: unknown, label: string): SessionError | null {
    if (error instanceof SessionError) return error;
    if (hasErrorCode<SessionArgsError>(error, SessionArgsError.code)) {
      const where = label === '' ? '' : ` "${label}"`;
      return new ServiceDenied(`${this.service}${where}: ${error.message}`);
    }
    return null;
  }
}

import type { Capability } from '@os/capability';
import type { KernelThread } from '@os/kernel';
import { errorCode, hasErrorCode } from '@os/kernel';
import { type ClientOf, type RpcInterface, connect } from '@os/rpc';
import { type Parent, SessionResult } from './parent.js';
import { SessionArgs } from './session-args.js';
import { InsufficientCapQuota, InsufficientRamQuota, OutOfCaps, OutOfRam } from './session-error.js';

/** What a connection needs of its component's environment; the runtime's `Env` provides it. */
export interface SessionEnv {
  /** The component's parent. */
  readonly parent: ClientOf<typeof Parent>;
  /** The thread whose IPC buffer carries the session's calls. */
  readonly thread: KernelThread;
  /** A fresh id for a session to the parent (Genode's `Parent::Client::Id`). */
  allocSessionId(): number;
  /** Returns an id after its session closed. */
  freeSessionId(id: number): void;
  /** Resolves once the parent signals `resource_avail` after a `resourceRequest`. */
  waitForResources(): Promise<void>;
  /** How many session signals the parent has sent so far (see {@link SessionEnv.waitForSessionSignal}). */
  readonly sessionSignals: number;
  /** Resolves once the parent has sent more than `seen` session signals (Genode's `session_sigh`). */
  waitForSessionSignal(seen: number): Promise<void>;
  /**
   * Awaits `work`, noting meanwhile that the component waits for `what`, so a system that can go on
   * no more can say who waits on what. Optional: an environment without it just awaits.
   */
  waitFor?<T>(what: string, work: Promise<T>): Promise<T>;
}

function waiting<T>(env: SessionEnv, what: string, work: Promise<T>): Promise<T> {
  return env.waitFor === undefined ? work : env.waitFor(what, work);
}

/** What a connection asks for. */
export interface SessionRequest {
  /** The service's name, e.g. `Timer`. */
  readonly service: string;
  /** The label the requester gives the session; parents put their child names in front. */
  readonly label?: string;
  /** RAM donated to the server for the session, in bytes. */
  readonly ram: number;
  /** Capabilities donated to the server for the session. */
  readonly caps: number;
  /** Further session arguments. */
  readonly args?: Readonly<Record<string, string | number | boolean>>;
}

/** How many times a request is retried with more quota before it is given up. */
export const SESSION_REQUEST_ATTEMPTS = 64;

/** A session request that kept failing for lack of quota; names the service and what was offered last. */
export class SessionRequestError extends Error {
  /**
   * Stable code of this failure, `ERR_OS_SESSION_REQUEST`: compare it, not the class, to recognise an error from
   * another copy of this package.
   */
  readonly code: string;

  /** The code of this class's errors (`SessionRequestError.code`); see `errorCode` in `@os/kernel`. */
  static get code(): string {
    return errorCode(this.name);
  }

  /** Creates the error for `service` with the last arguments tried. */
  constructor(
    /** The service requested. */
    readonly service: string,
    /** The arguments of the last attempt. */
    readonly args: string,
  ) {
    super(
      `session request to "${service}" still lacks quota after ${SESSION_REQUEST_ATTEMPTS} attempts ` +
        `(last: ${args}); the server asks for more than it can be given`,
    );
    this.name = 'SessionRequestError';
    this.code = errorCode(new.target.name);
  }
}

/** RAM added to a donation after `InsufficientRamQuota`, as Genode's `Env::session`. */
export const RAM_UPGRADE_STEP = 4096;
/** Capabilities added after `InsufficientCapQuota`. */
export const CAP_UPGRADE_STEP = 4;
/**
 * How many upgrades add one step each before each upgrade doubles the last (so a big ROM takes a few attempts, not
 * hundreds).
 */
export const LINEAR_UPGRADES = 8;

/** Asks the parent for the resources an attempt lacked and waits until they are there. */
async function requestResources(env: SessionEnv, amount: string): Promise<void> {
  await env.parent.resourceRequest(amount);
  await waiting(env, `resources from its parent (${amount})`, env.waitForResources());
}

/**
 * Asks the parent for session `id` and, while the request is pending, waits for the parent's session
 * signal and asks again (`sessionCap`), as Genode's `Env::session` does. Throws the request's error.
 * `what` names the wait (see {@link SessionEnv.waitFor}) while the request is pending; made only then.
 */
export async function sessionAtParent(
  env: SessionEnv,
  id: number,
  service: string,
  args: string,
  what?: () => string,
): Promise<Capability> {
  const capability = await env.parent.session(id, service, args);
  if (capability.valid()) return capability;
  const pending = (async () => {
    for (;;) {
      const seen = env.sessionSignals;
      const answer = await env.parent.sessionCap(id);
      if (answer.valid()) return answer;
      await env.waitForSessionSignal(seen);
    }
  })();
  return what === undefined ? pending : waiting(env, what(), pending);
}

/** The largest upgrade step doubling reaches (in steps): past it, upgrades grow by this much each. */
const MAX_STEP_DOUBLINGS = 18;

/**
 * The donation of one quota kind across a request's attempts. Upgrades add one step
 * {@link LINEAR_UPGRADES} times, then twice the last step each time (a 600 KiB ROM takes about 16
 * attempts, not 150). When the component cannot afford an upgraded donation, the next attempt halves
 * the distance to what the server last refused, so it asks its own parent for resources only when
 * even that is too much: never for more than twice what the server needs.
 */
class Donation {
  #refused = -1;
  #upgrades = 0;

  constructor(
    /** The session argument this donation is (`ram_quota`, `cap_quota`). */
    readonly key: string,
    /** The first step of an upgrade, and the rounding of every lowered donation. */
    readonly step: number,
  ) {}

  /** The donation after the server refused `offered` as too little. */
  upgrade(offered: number): number {
    this.#refused = Math.max(this.#refused, offered);
    this.#upgrades++;
    const doublings = Math.min(Math.max(0, this.#upgrades - LINEAR_UPGRADES), MAX_STEP_DOUBLINGS);
    return offered + this.step * 2 ** doublings;
  }

  /**
   * A smaller donation to try after `offered` was more than the component has, or `undefined` when only its parent can
   * help.
   */
  lower(offered: number): number | undefined {
    if (this.#refused < 0 || offered - this.#refused <= this.step) return undefined;
    return this.#refused + Math.ceil((offered - this.#refused) / 2 / this.step) * this.step;
  }
}

/**
 * Opens a session through the parent, as Genode's `Env::session` does: donating `ram` and `caps`, adding
 * 4096 bytes or 4 capabilities when the server says the donation is insufficient (after
 * {@link LINEAR_UPGRADES} such steps, doubling the step each time), and asking the component's own parent
 * for resources (then waiting for `resource_avail`) when the component cannot afford the donation.
 * Returns the session id, its capability and the arguments that succeeded.
 */
export async function requestSession(
  env: SessionEnv,
  request: SessionRequest,
): Promise<{ id: number; capability: Capability; args: SessionArgs }> {
  const args = SessionArgs.from({
    ...request.args,
    label: request.label ?? '',
    ram_quota: request.ram,
    cap_quota: request.caps,
  });
  const ram = new Donation('ram_quota', RAM_UPGRADE_STEP);
  const caps = new Donation('cap_quota', CAP_UPGRADE_STEP);
  const id = env.allocSessionId();
  try {
    for (let attempt = 0; attempt < SESSION_REQUEST_ATTEMPTS; attempt++) {
      try {
        const capability = await sessionAtParent(
          env,
          id,
          request.service,
          args.toString(),
          () => `a "${request.service}" session (label "${request.label ?? ''}") from its parent`,
        );
        return { id, capability, args };
      } catch (error) {
        const donation =
          hasErrorCode(error, InsufficientRamQuota.code) || hasErrorCode(error, OutOfRam.code)
            ? ram
            : hasErrorCode(error, InsufficientCapQuota.code) || hasErrorCode(error, OutOfCaps.code)
              ? caps
              : null;
        if (donation === null) throw error;
        const offered = args.number(donation.key);
        if (hasErrorCode(error, InsufficientRamQuota.code) || hasErrorCode(error, InsufficientCapQuota.code)) {
          args.set(donation.key, donation.upgrade(offered));
          continue;
        }
        const lower = donation.lower(offered);
        if (lower !== undefined) args.set(donation.key, lower);
        else await requestResources(env, `${donation.key}=${offered}`);
      }
    }
  } catch (error) {
    env.freeSessionId(id);
    throw error;
  }
  env.freeSessionId(id);
  throw new SessionRequestError(request.service, args.toString());
}

/**
 * An open session to a service of interface `I`: the base of every `Xyz.Connection`. It holds the
 * session's id and capability, the typed client, and what was donated; `upgrade` donates more,
 * `close` (or `await using`) ends the session and the parent returns the donation.
 */
export class Connection<I extends RpcInterface> {
  /** The session's id at the parent. */
  readonly id: number;
  /** The session capability. */
  readonly capability: Capability<I>;
  /** The typed client of the session. */
  readonly session: ClientOf<I>;
  readonly #env: SessionEnv;
  #ram: number;
  #caps: number;
  #closed = false;

  /** Wraps an open session; use {@link Connection.openSession}. */
  protected constructor(env: SessionEnv, rpcInterface: I, id: number, capability: Capability, args: SessionArgs) {
    this.#env = env;
    this.id = id;
    this.capability = capability.cast<I>();
    this.session = connect(rpcInterface, env.thread, this.capability);
    this.#ram = args.number('ram_quota');
    this.#caps = args.number('cap_quota');
  }

  /** Opens a session of `rpcInterface` as `request` describes. */
  static async openSession<I extends RpcInterface>(
    env: SessionEnv,
    rpcInterface: I,
    request: SessionRequest,
  ): Promise<Connection<I>> {
    const { id, capability, args } = await requestSession(env, request);
    return new Connection(env, rpcInterface, id, capability, args);
  }

  /** RAM donated for this session so far. */
  get ram(): number {
    return this.#ram;
  }

  /** Capabilities donated for this session so far. */
  get caps(): number {
    return this.#caps;
  }

  /** Whether the session was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Donates more quota to the server for this session, asking the own parent for it if needed. The
   * donation leaves this component at once; when the parent answers `Pending` (a sibling server has yet
   * to take it), waits for the parent's session signal, as Genode's `Env::upgrade` does.
   */
  async upgrade(amount: { readonly ram?: number; readonly caps?: number }): Promise<void> {
    const ram = amount.ram ?? 0;
    const caps = amount.caps ?? 0;
    const args = SessionArgs.from({ ram_quota: ram, cap_quota: caps }).toString();
    for (let attempt = 0; ; attempt++) {
      try {
        const seen = this.#env.sessionSignals;
        if ((await this.#env.parent.upgrade(this.id, args)) === SessionResult.Pending)
          await waiting(
            this.#env,
            `its parent to upgrade session ${this.id} at the server`,
            this.#env.waitForSessionSignal(seen),
          );
        break;
      } catch (error) {
        if (attempt >= SESSION_REQUEST_ATTEMPTS) throw error;
        if (hasErrorCode(error, OutOfRam.code)) await requestResources(this.#env, `ram_quota=${ram}`);
        else if (hasErrorCode(error, OutOfCaps.code)) await requestResources(this.#env, `cap_quota=${caps}`);
        else throw error;
      }
    }
    this.#ram += ram;
    this.#caps += caps;
  }

  /**
   * Closes the session; the parent returns the donation. When the parent answers that the server has
   * yet to close it, waits for the parent's session signal and asks again, as Genode's `Env::close`
   * does: once this resolves, the donation is back. Closing twice does nothing.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (;;) {
      const seen = this.#env.sessionSignals;
      if ((await this.#env.parent.close(this.id)) !== SessionResult.Pending) break;
      await waiting(
        this.#env,
        `its parent to close session ${this.id} at the server`,
        this.#env.waitForSessionSignal(seen),
      );
    }
    this.#env.freeSessionId(this.id);
  }

  /** Closes the session at the end of an `await using` block. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

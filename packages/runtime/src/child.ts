import { Capability } from '@os/capability';
import { DeadlockError, type KernelThread, hasErrorCode } from '@os/kernel';
import { type ClientOf, RpcObject, RpcServerError, type ServerOf, connect } from '@os/rpc';
import {
  OutOfCaps,
  OutOfRam,
  Parent,
  type Root,
  ServiceDenied,
  SessionArgs,
  SessionLabel,
  SessionResult,
} from '@os/session';
import { numberOfBytes } from './number-of-bytes.js';
import { Pd } from './services.js';
import type { SignalContextCapability } from './signal.js';

/** Where a session request goes: the server's root, and the PD its donation moves to. */
export interface Route {
  /** The server's root interface. */
  readonly root: ClientOf<typeof Root>;
  /** The server's PD session: the donation is transferred there, and back on close. */
  readonly serverPd: ClientOf<typeof Pd>;
  /** The same PD session as a capability, the target of the child's transfer. */
  readonly serverPdCapability: Capability<typeof Pd>;
  /** The label the server sees, when the route rewrites it (Genode's `label` on a route target). */
  readonly label?: string;
  /**
   * The serving sibling's name, when the server is a child of the same parent (so the parent knows who depends on
   * whom).
   */
  readonly server?: string;
  /**
   * Whether `root` calls from a thread of the parent's own, not from its entrypoint (as init calls
   * each sibling server). The parent then waits for such a call only until its policy's `patience`
   * runs out; a server that does not answer by then keeps only its own clients waiting.
   */
  readonly detached?: boolean;
}

/** What a parent decides for one child: where its sessions go, and what happens when it exits or announces. */
export interface ChildPolicy {
  /**
   * Routes a session request (label already prefixed with the child's name); throws `ServiceDenied`
   * if none. A policy that must wait for its server (a sibling yet to announce) calls `waiting()`
   * first: the request then becomes pending and the parent's entrypoint is free meanwhile.
   */
  resolve(service: string, label: string, waiting: () => void): Promise<Route>;
  /** The child announced a service. */
  announce(service: string, root: Capability<typeof Root>): void;
  /** The child asked to exit with `value`. */
  exited(value: number): void;
  /**
   * The child asked for more resources (`ram_quota=...`); answer by transferring and calling
   * `child.resourcesAvailable()`.
   */
  resourceRequest(args: SessionArgs): void;
  /** The child answered a yield request (`child.requestYield`): what it gave up can be taken back now. */
  yielded?(): void;
  /**
   * Resolves once the calls queued at the parent's entrypoint were served (a timeout does; a signal to
   * the entrypoint may come first). A session request to a server that is itself blocked calling the
   * parent fails with `DeadlockError` (the parent calls its children synchronously); with `later` and
   * `resume` the request turns pending, the parent serves the server, and tries again, up to
   * {@link SERVER_CALL_ATTEMPTS} times. Without them such a request fails.
   */
  later?(): Promise<void>;
  /**
   * Runs `work` as an activity of the parent's entrypoint: how a pending request goes on once its handler has returned.
   */
  resume?<T>(work: () => Promise<T>): Promise<T>;
  /**
   * Watches `work`, a call to a server on a detached route (see {@link Route.detached}), and calls
   * `giveUp` if it has not settled when the handler has waited long enough: init gives up once the
   * system has nothing else to run. A session request the server has not answered by then turns
   * pending; a close or upgrade is answered `Pending` and finishes in the background. Without it,
   * the parent waits as long as the server takes.
   */
  patience?(work: Promise<unknown>, giveUp: () => void): void;
}

/** Genode's session states as a state report shows them: `CREATING` while pending, `OK` once handed out. */
export type ChildSessionState = 'CREATING' | 'OK';

/** One session a child requested, as its parent sees it (Genode's `Session_state`, client side). */
export interface ChildSession {
  /** The child's id for it. */
  readonly id: number;
  /** The service. */
  readonly service: string;
  /** The label with the child's name in front, before any rewriting by the route. */
  readonly label: string;
  /** The label the server sees. */
  readonly serverLabel: string;
  /** Pending or handed out. */
  readonly state: ChildSessionState;
  /** RAM donated so far. */
  readonly ram: number;
  /** Capabilities donated so far. */
  readonly caps: number;
  /** The session arguments as the server got them. */
  readonly args: string;
  /** The serving sibling, if the server is one (see {@link Route.server}). */
  readonly server?: string;
}

/**
 * How often a parent tries a call to a server that is blocked calling it before it gives up with the `DeadlockError`.
 */
export const SERVER_CALL_ATTEMPTS = 100;

/** The predefined session id of a child's own PD session (Genode's `Parent::Env::pd()`). */
export const ENV_PD_SESSION_ID = 1;

interface OpenSession {
  readonly service: string;
  readonly label: string;
  readonly route: Route;
  readonly capability: Capability;
  args: string;
  ram: number;
  caps: number;
}

/** A request that is pending or settled but not yet collected by `sessionCap`. */
type Request = { readonly service: string; readonly label: string; readonly ram: number; readonly caps: number } & (
  | { readonly state: 'pending' }
  | { readonly state: 'ready'; readonly capability: Capability }
  | { readonly state: 'failed'; readonly error: unknown }
);

/**
 * The parent side of one child (Genode's `Child`): the RPC object behind the child's parent capability.
 * Every session request gets the child's name put in front of its label, is routed by the policy, and
 * the donation moves from the child's PD to the server's before the server sees the request; closing
 * moves it back.
 */
export class Child extends RpcObject<typeof Parent> implements ServerOf<typeof Parent> {
  /** The child's name: the label element this parent adds. */
  readonly name: string;
  readonly #policy: ChildPolicy;
  readonly #thread: KernelThread;
  readonly #pd: ClientOf<typeof Pd>;
  readonly #pdCapability: Capability<typeof Pd>;
  readonly #sessions = new Map<number, OpenSession>();
  #resourceAvail: SignalContextCapability | null = null;
  #yield: SignalContextCapability | null = null;
  #heartbeat: SignalContextCapability | null = null;
  #outstandingHeartbeats = 0;
  #yieldArgs = '';
  #sessionSigh: SignalContextCapability | null = null;
  readonly #requests = new Map<number, Request>();
  /** Closes a server finishes in the background, by session id, until the child collects them. */
  readonly #closing = new Map<number, { done: boolean }>();

  /** Creates the parent side of child `name`, whose PD session (`pd`) this parent holds. */
  constructor(name: string, policy: ChildPolicy, thread: KernelThread, pd: Capability<typeof Pd>) {
    super(Parent);
    this.name = name;
    this.#policy = policy;
    this.#thread = thread;
    this.#pdCapability = pd;
    this.#pd = connect(Pd, thread, pd);
  }

  /** The child's PD session. */
  get pd(): ClientOf<typeof Pd> {
    return this.#pd;
  }

  /** Sessions the child holds, by id. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /**
   * Heartbeats the child left unanswered since its last response (Genode's `skipped_heartbeats`):
   * one outstanding heartbeat is fine, as the child needs time to answer; each further one counts.
   */
  get skippedHeartbeats(): number {
    return this.#outstandingHeartbeats > 1 ? this.#outstandingHeartbeats - 1 : 0;
  }

  /** Passes the child's exit value to the policy (Parent::exit). */
  exit(value: number): void {
    this.#policy.exited(value);
  }

  /** Hands a service the child announces, with its root, to the policy (Parent::announce). */
  announce(service: string, root: Capability): void {
    this.#policy.announce(service, root.cast<typeof Root>());
  }

  /**
   * Routes a session request of the child, moving its donation to the server (Parent::session). When
   * the route has to wait for its server, answers with an invalid capability at once and finishes the
   * request in the background, then signals the child (see `sessionCap`).
   */
  async session(id: number, service: string, argsText: string): Promise<Capability> {
    if (id === ENV_PD_SESSION_ID && service === 'PD') return this.#pdCapability;
    if (this.#sessions.has(id) || this.#requests.has(id) || this.#closing.has(id))
      throw new ServiceDenied(`session id ${id} is already in use by "${this.name}"`);
    let markWaiting = (): void => undefined;
    const waiting = new Promise<null>((resolve) => (markWaiting = () => resolve(null)));
    const work = this.#open(id, service, argsText, markWaiting);
    const first = await Promise.race([work, waiting]);
    if (first !== null) return first;
    const args = SessionArgs.parse(argsText);
    const request = {
      service,
      label: SessionLabel.prefixed(this.name, args.string('label')).text,
      ram: args.number('ram_quota'),
      caps: args.number('cap_quota'),
    };
    this.#requests.set(id, { ...request, state: 'pending' });
    work.then(
      (capability) => this.#settled(id, { ...request, state: 'ready', capability }),
      (error: unknown) => this.#settled(id, { ...request, state: 'failed', error }),
    );
    return Capability.invalid();
  }

  /** The child's sessions, pending ones included, in id order: what a state report lists as `<requested>`. */
  sessions(): ChildSession[] {
    const all: ChildSession[] = [];
    for (const [id, session] of this.#sessions) {
      all.push({
        id,
        service: session.service,
        label: session.label,
        serverLabel: session.route.label ?? session.label,
        state: 'OK',
        ram: session.ram,
        caps: session.caps,
        args: session.args,
        ...(session.route.server === undefined ? {} : { server: session.route.server }),
      });
    }
    for (const [id, request] of this.#requests) {
      if (request.state !== 'pending') continue;
      all.push({
        id,
        service: request.service,
        label: request.label,
        serverLabel: request.label,
        state: 'CREATING',
        ram: request.ram,
        caps: request.caps,
        args: '',
      });
    }
    return all.sort((a, b) => a.id - b.id);
  }

  /** Whether a session request of the child waits for its server: the child is incomplete. */
  get waiting(): boolean {
    for (const request of this.#requests.values()) if (request.state === 'pending') return true;
    return false;
  }

  /** Sets the signal the child gets whenever a pending session request settled (Parent::session_sigh). */
  sessionSigh(context: Capability): void {
    this.#sessionSigh = context.valid() ? context.cast() : null;
  }

  /**
   * The capability of a request that was pending, once it is there; invalid while it still is; throws its error
   * (Parent::session_cap).
   */
  sessionCap(id: number): Capability {
    const request = this.#requests.get(id);
    if (request === undefined) throw new ServiceDenied(`"${this.name}" has no session request ${id}`);
    if (request.state === 'pending') return Capability.invalid();
    this.#requests.delete(id);
    if (request.state === 'failed') throw request.error;
    return request.capability;
  }

  #settled(id: number, outcome: Request): void {
    if (!this.#requests.has(id)) return;
    this.#requests.set(id, outcome);
    this.#signalSessions();
  }

  /** Tells the child that a pending request settled or a pending close finished. */
  #signalSessions(): void {
    if (this.#sessionSigh !== null && this.#thread.valid(this.#sessionSigh.rawSelector))
      this.#thread.submitSignal(this.#sessionSigh.rawSelector);
  }

  async #open(id: number, service: string, argsText: string, waiting: () => void): Promise<Capability> {
    const args = SessionArgs.parse(argsText);
    const label = SessionLabel.prefixed(this.name, args.string('label')).text;
    args.set('label', label);
    const ram = args.number('ram_quota');
    const caps = args.number('cap_quota');
    let pending = false;
    const becomePending = (): void => {
      if (pending) return;
      pending = true;
      waiting();
    };
    const route = await this.#policy.resolve(service, label, becomePending);
    if (route.label !== undefined) args.set('label', route.label);
    // Once the request is pending, the session handler has returned: what is left to do on the
    // parent's entrypoint runs as an activity of its own (a thread back in its receive loop must not call).
    const onEntrypoint = <T>(work: () => Promise<T>): Promise<T> => this.#onEntrypoint(pending, work);
    for (let attempt = 1; ; attempt++) {
      try {
        const capability = await this.#create(route, args, ram, caps, onEntrypoint, becomePending).catch(
          (error: unknown) => {
            // the server's bug is not the client's: it learns which server failed where, as a refusal
            if (!hasErrorCode(error, RpcServerError.code)) throw error;
            const server = route.server === undefined ? 'its server' : `server "${route.server}"`;
            throw new ServiceDenied(
              `"${service}" session for "${label}": ${server} failed in Root.session with an error its interface ` +
                `does ` +
                'not declare (the server logged it with where it was thrown)',
            );
          },
        );
        this.#sessions.set(id, { service, label, route, capability, args: args.toString(), ram, caps });
        return capability;
      } catch (error) {
        const later = this.#policy.later;
        if (
          !hasErrorCode(error, DeadlockError.code) ||
          later === undefined ||
          this.#policy.resume === undefined ||
          attempt >= SERVER_CALL_ATTEMPTS
        )
          throw error;
        // the server is blocked calling this parent: answer the child "pending", serve the server, try again
        becomePending();
        await later();
      }
    }
  }

  /** Runs `work` directly while a handler still waits for it, else as an activity of the parent's entrypoint. */
  #onEntrypoint<T>(detachedFromHandler: boolean, work: () => Promise<T>): Promise<T> {
    const resume = this.#policy.resume;
    return detachedFromHandler && resume !== undefined ? resume(work) : work();
  }

  /**
   * Moves the donation to the server and opens the session there; moves it back if that fails. On a
   * detached route, the request turns pending (`impatient`) when the server has not answered once
   * the policy's patience ran out.
   */
  async #create(
    route: Route,
    args: SessionArgs,
    ram: number,
    caps: number,
    onEntrypoint: <T>(work: () => Promise<T>) => Promise<T>,
    impatient: () => void,
  ): Promise<Capability> {
    await onEntrypoint(() => this.#transferTo(route, ram, caps));
    try {
      if (route.detached !== true) return await onEntrypoint(() => route.root.session(args.toString()));
      const answer = route.root.session(args.toString());
      this.#policy.patience?.(answer, impatient);
      return await answer;
    } catch (error) {
      await onEntrypoint(() => route.serverPd.transferQuota(this.#pdCapability, ram, caps));
      throw error;
    }
  }

  /** Moves a session's donation from the child's PD to the server's, saying what is free if it cannot. */
  async #transferTo(route: Route, ram: number, caps: number): Promise<void> {
    try {
      await this.#pd.transferQuota(route.serverPdCapability, ram, caps);
    } catch (error) {
      // the transfer is the check (one call, not two); the quota is read only to say what is free
      if (!hasErrorCode(error, OutOfRam.code) && !hasErrorCode(error, OutOfCaps.code)) throw error;
      const quota = await this.#pd.quota();
      if (ram > quota.ramLimit - quota.ramUsed)
        throw new OutOfRam(
          `"${this.name}" has ${numberOfBytes(quota.ramLimit - quota.ramUsed)} of RAM free, ` +
            `offered ${numberOfBytes(ram)}`,
        );
      throw new OutOfCaps(`"${this.name}" has ${quota.capLimit - quota.capUsed} capabilities free, offered ${caps}`);
    }
  }

  /**
   * Waits for `work`, a call on `route` and what follows it, until the policy's patience runs out on a
   * detached route: returns whether it finished (rethrowing its error) or was left to finish in the
   * background (then `gaveUp` is called first, and a late error is dropped: the child was answered).
   */
  #finishes(route: Route, work: Promise<void>, gaveUp: () => void): Promise<boolean> {
    const patience = this.#policy.patience;
    if (route.detached !== true || patience === undefined) return work.then(() => true);
    return new Promise<boolean>((resolve, reject) => {
      let over = false;
      work.then(
        () => {
          if (over) return;
          over = true;
          resolve(true);
        },
        (error: unknown) => {
          if (over) return;
          over = true;
          reject(error);
        },
      );
      patience(work, () => {
        if (over) return;
        over = true;
        gaveUp();
        resolve(false);
      });
    });
  }

  /** The names of the siblings serving the child's open sessions: who the child depends on. */
  servers(): Set<string> {
    const names = new Set<string>();
    for (const session of this.#sessions.values())
      if (session.route.server !== undefined) names.add(session.route.server);
    return names;
  }

  /**
   * Closes every session the child holds, each at its server, returning the donations to the
   * child's PD: what a parent does before it destroys the child. Errors of single servers are
   * collected, not thrown, so one broken server does not keep the others' sessions open.
   */
  async closeAll(): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (const id of [...this.#sessions.keys()]) {
      try {
        await this.close(id);
      } catch (error) {
        failures.push(error);
      }
    }
    return failures;
  }

  /**
   * Moves more of the child's quota to the server of session `id` (Parent::upgrade). A server on a
   * detached route that does not answer in time gets the upgrade in the background; if it refuses it
   * then, the donation comes back to the child.
   */
  async upgrade(id: number, argsText: string): Promise<number> {
    const session = this.#sessions.get(id);
    if (session === undefined) throw new ServiceDenied(`"${this.name}" has no session ${id}`);
    const args = SessionArgs.parse(argsText);
    const ram = args.number('ram_quota');
    const caps = args.number('cap_quota');
    const route = session.route;
    await this.#pd.transferQuota(route.serverPdCapability, ram, caps);
    let background = false;
    const upgraded = route.root.upgrade(session.capability, args.toString()).then(
      () => {
        session.ram += ram;
        session.caps += caps;
        session.args = SessionArgs.parse(session.args)
          .set('ram_quota', session.ram)
          .set('cap_quota', session.caps)
          .toString();
      },
      async (error: unknown) => {
        await this.#onEntrypoint(background, () => route.serverPd.transferQuota(this.#pdCapability, ram, caps));
        throw error;
      },
    );
    return (await this.#finishes(route, upgraded, () => (background = true)))
      ? SessionResult.Done
      : SessionResult.Pending;
  }

  /**
   * Closes session `id` at its server and returns the donation to the child (Parent::close). A server
   * on a detached route that does not answer in time closes it in the background: the answer is then
   * `Pending`, the child gets its session signal once the server closed it and the donation is back
   * (or the server's PD was destroyed), and the next `close(id)` answers `Done`, as Genode's
   * `Env::close` waits for `CLOSE_DONE`.
   */
  async close(id: number): Promise<number> {
    const closing = this.#closing.get(id);
    if (closing !== undefined) {
      if (!closing.done) return SessionResult.Pending;
      this.#closing.delete(id);
      return SessionResult.Done;
    }
    const session = this.#sessions.get(id);
    if (session === undefined) return SessionResult.Done;
    this.#sessions.delete(id);
    const route = session.route;
    let background = false;
    const closed = route.root
      .close(session.capability)
      .then(() =>
        this.#onEntrypoint(background, () =>
          route.serverPd.transferQuota(this.#pdCapability, session.ram, session.caps),
        ),
      );
    const state = { done: false };
    const finished = await this.#finishes(route, closed, () => {
      background = true;
      this.#closing.set(id, state);
      const done = (): void => {
        state.done = true;
        this.#signalSessions();
      };
      closed.then(done, done);
    });
    return finished ? SessionResult.Done : SessionResult.Pending;
  }

  /** Sets the signal the child gets once resources it asked for are there (Parent::resource_avail_sigh). */
  resourceAvailSigh(context: Capability): void {
    this.#resourceAvail = context.cast();
  }

  /** Passes the child's request for more resources to the policy (Parent::resource_request). */
  resourceRequest(argsText: string): void {
    this.#policy.resourceRequest(SessionArgs.parse(argsText));
  }

  /** Tells the child that the resources it asked for are there. */
  resourcesAvailable(): void {
    if (this.#resourceAvail !== null) this.#thread.submitSignal(this.#resourceAvail.selector);
  }

  /** Sets the signal that asks the child to yield resources (Parent::yield_sigh). */
  yieldSigh(context: Capability): void {
    this.#yield = context.cast();
  }

  /** What the child is asked to yield, e.g. `ram_quota=65536`; empty when nothing is asked (Parent::yield_request). */
  yieldRequest(): string {
    return this.#yieldArgs;
  }

  /** The child's word that it yielded what it could: the policy takes it back (Parent::yield_response). */
  yieldResponse(): void {
    this.#yieldArgs = '';
    this.#policy.yielded?.();
  }

  /**
   * Sets the signal that heartbeats reach the child by (Parent::heartbeat_sigh); an invalid one does not end monitoring
   * (see {@link Child.heartbeat}).
   */
  heartbeatSigh(context: Capability): void {
    if (this.#heartbeat === null && !context.valid()) return;
    this.#heartbeat = context.cast();
  }

  /** The child answered: it is alive, nothing is outstanding any more (Parent::heartbeat_response). */
  heartbeatResponse(): void {
    this.#outstandingHeartbeats = 0;
  }

  /**
   * Sends the child a heartbeat signal, once it registered for them; returns whether it could. As in
   * Genode, none is counted before the child registered a context. Unlike Genode's, monitoring then
   * stays on: a child that sets an invalid context (or dissolves it) afterwards is counted as
   * skipping every heartbeat, so a hostile child cannot opt out and then block unseen.
   */
  heartbeat(): boolean {
    if (this.#heartbeat === null) return false;
    this.#outstandingHeartbeats++;
    if (!this.#thread.valid(this.#heartbeat.rawSelector)) return false;
    this.#thread.submitSignal(this.#heartbeat.rawSelector);
    return true;
  }

  /**
   * Asks the child to yield `args` (e.g. `ram_quota=65536`), if it registered for yield requests; returns whether it
   * could ask.
   */
  requestYield(args: string): boolean {
    this.#yieldArgs = args;
    if (this.#yield === null || !this.#thread.valid(this.#yield.rawSelector)) return false;
    this.#thread.submitSignal(this.#yield.rawSelector);
    return true;
  }
}

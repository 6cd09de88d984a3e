import { Capability } from '@os/capability';
import { type KernelThread, hasErrorCode } from '@os/kernel';
import { type ClientOf, RpcObject, type ServerOf, connect } from '@os/rpc';
import {
  OutOfCaps,
  OutOfRam,
  Parent,
  ServiceDenied,
  SessionArgs,
  SessionLabel,
  SessionResponse,
  type SessionResponseValue,
  SessionResult,
} from '@os/session';
import { LocalService } from './local-service.js';
import { numberOfBytes } from './number-of-bytes.js';
import type { SessionEntrypoint } from './root-component.js';
import { Pd } from './services.js';
import { SESSION_REQUESTS_ROM, SessionRequests, SessionRequestsRoot } from './session-requests.js';
import {
  type PdAccount,
  type SessionClient,
  type SessionPhase,
  type SessionService,
  SessionState,
  refusal,
  responsePhase,
} from './session-state.js';
import type { SignalContextCapability } from './signal.js';

/** Where a session request goes: the service, and the label the server sees when the route rewrites it. */
export interface Route {
  /** The service that gets the request. */
  readonly service: SessionService;
  /** The label the server sees, when the route rewrites it (Genode's `label` on a route target). */
  readonly label?: string;
}

/** What a parent decides for one child: where its sessions go, and what happens when it exits or announces. */
export interface ChildPolicy {
  /** Routes a session request (label already prefixed with the child's name); throws `ServiceDenied` if none. */
  resolve(service: string, label: string): Route | Promise<Route>;
  /** The child announced a service. */
  announce(service: string): void;
  /** The child asked to exit with `value`. */
  exited(value: number): void;
  /**
   * The child asked for more resources (`ram_quota=...`); answer by transferring and calling
   * `child.resourcesAvailable()`.
   */
  resourceRequest(args: SessionArgs): void;
  /** The child answered a yield request (`child.requestYield`): what it gave up can be taken back now. */
  yielded?(): void;
  /** A session the child uses or serves changed its phase: what a state report shows changed. */
  sessionStateChanged?(): void;
}

/** One session a child requested or serves, as its parent sees it (Genode's `Session_state`). */
export interface ChildSession {
  /** The client's id for it. */
  readonly id: number;
  /** The service. */
  readonly service: string;
  /** The label with the client's name in front, before any rewriting by the route. */
  readonly label: string;
  /** The label the server sees. */
  readonly serverLabel: string;
  /** Genode's phase name (`CREATING`, `OK`, `CLOSING`, ...). */
  readonly state: SessionPhase;
  /** RAM donated so far. */
  readonly ram: number;
  /** Capabilities donated so far. */
  readonly caps: number;
  /** The session arguments as the server got them. */
  readonly args: string;
  /** The serving sibling, if the server is one. */
  readonly server?: string;
}

/** Genode's session phases as a state report shows them. */
export type ChildSessionState = SessionPhase;

/**
 * How many session requests a child may have waiting for an answer or for it to fetch the answer: the parent keeps a
 * record of each, which the child does not pay for (Genode keeps `session_costs` of each donation instead), so their
 * number is bounded. A child past it gets `ServiceDenied` until it fetches some, or closes some and their server
 * answers the close (a request whose server is gone ends at once).
 */
export const MAX_UNSETTLED_REQUESTS = 256;

/** The predefined session id of a child's own PD session (Genode's `Parent::Env::pd()`). */
export const ENV_PD_SESSION_ID = 1;

/** What the parent side of a child works with. */
export interface ChildOptions {
  /** The parent's entrypoint thread: the child's calls are served there, and the parent's calls go out from it. */
  readonly thread: KernelThread;
  /** The parent's entrypoint: it serves the child's `session_requests` ROM. */
  readonly ep: SessionEntrypoint;
  /** The child's PD session, which the parent holds. */
  readonly pd: Capability<typeof Pd>;
  /** The parent's own PD (Genode's reference account): donations to a sibling pass through it. */
  readonly own: PdAccount;
}

function describe(state: SessionState): string {
  return `"${state.service.name}" session "${state.serverLabel}"`;
}

/**
 * The parent side of one child (Genode's `Child`): the RPC object behind the child's parent capability. Every session
 * request gets the child's name put in front of its label, is routed by the policy, and the donation moves from the
 * child's PD through the parent's to the server's (back on refusal or close). A service the parent implements answers
 * at once; a sibling server gets the request in its `session_requests` ROM, which this object keeps and serves for
 * the child as a server, and answers with `deliverSessionCap` or `sessionResponse`: the parent never calls a child.
 */
export class Child extends RpcObject<typeof Parent> implements ServerOf<typeof Parent>, SessionClient {
  /** The child's name: the label element this parent adds. */
  readonly name: string;
  /** The child's PD, where its donations come from and return to. */
  readonly account: PdAccount;
  readonly #policy: ChildPolicy;
  readonly #thread: KernelThread;
  readonly #ep: SessionEntrypoint;
  readonly #own: PdAccount;
  /** The sessions the child requested, by its ids (Genode's client id space). */
  readonly #sessions = new Map<number, SessionState>();
  /** Requests that may not be settled yet (see `#unsettled`). */
  #unsettledStates: Set<SessionState> | null = null;
  /** The sessions the child serves (Genode's server id space), and its `session_requests` ROM. */
  #requests: SessionRequests | null = null;
  #requestsService: LocalService | null = null;
  #requestsRoot: SessionRequestsRoot | null = null;
  #resourceAvail: SignalContextCapability | null = null;
  #yield: SignalContextCapability | null = null;
  #heartbeat: SignalContextCapability | null = null;
  #outstandingHeartbeats = 0;
  #yieldArgs = '';
  #sessionSigh: SignalContextCapability | null = null;

  /** Creates the parent side of child `name`. */
  constructor(name: string, policy: ChildPolicy, options: ChildOptions) {
    super(Parent);
    this.name = name;
    this.#policy = policy;
    this.#thread = options.thread;
    this.#ep = options.ep;
    this.#own = options.own;
    this.account = { client: connect(Pd, options.thread, options.pd), capability: options.pd };
  }

  /** The child's PD session. */
  get pd(): ClientOf<typeof Pd> {
    return this.account.client;
  }

  /** Sessions the child holds or has requested, by id. */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  /** The sessions the child serves, as its parent keeps them (made when first needed: most children serve nothing). */
  get requests(): SessionRequests {
    this.#requests ??= new SessionRequests();
    return this.#requests;
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

  /** Hands a service the child announces to the policy (Parent::announce). */
  announce(service: string): void {
    this.#policy.announce(service);
  }

  /**
   * Routes a session request of the child and moves its donation to the server (Parent::session). A service the
   * parent implements answers at once; a sibling server's answer comes later: the child gets an invalid capability now,
   * its session signal once the server answered, and the answer from `sessionCap`.
   */
  async session(id: number, service: string, argsText: string): Promise<Capability> {
    if (id === ENV_PD_SESSION_ID && service === 'PD') return this.account.capability;
    if (this.#sessions.has(id)) throw new ServiceDenied(`session id ${id} is already in use by "${this.name}"`);
    if (this.#unsettled() >= MAX_UNSETTLED_REQUESTS)
      throw new ServiceDenied(
        `"${this.name}" has ${MAX_UNSETTLED_REQUESTS} session requests whose answer it has not fetched or whose ` +
          'server has not answered: fetch (sessionCap) or close some first',
      );
    const args = SessionArgs.parse(argsText);
    const label = SessionLabel.prefixed(this.name, args.string('label'));
    args.set('label', label.text);
    const ram = args.number('ram_quota');
    const caps = args.number('cap_quota');
    const route: Route =
      service === 'ROM' && label.last() === SESSION_REQUESTS_ROM
        ? { service: this.#requestsRomService() }
        : await this.#policy.resolve(service, label.text);
    if (route.label !== undefined) args.set('label', route.label);
    await this.#donate(route.service.account, ram, caps);
    const state = new SessionState({
      service: route.service,
      label: label.text,
      serverLabel: route.label ?? label.text,
      args: args.toString(),
      ram,
      caps,
      client: this,
      clientId: id,
    });
    this.#sessions.set(id, state);
    try {
      await route.service.initiateRequest(state);
    } catch (error) {
      this.#sessions.delete(id);
      await this.#returnDonation(state);
      throw error;
    }
    if (state.refused) {
      this.#sessions.delete(id);
      await this.#returnDonation(state);
      throw refusal(state.phase, state.reason);
    }
    this.#changed();
    if (state.phase !== 'AVAIL') {
      // only a request its server has yet to answer is noted: most are answered at once and never are
      (this.#unsettledStates ??= new Set()).add(state);
      return Capability.invalid();
    }
    state.phase = 'OK';
    return state.capability;
  }

  /**
   * The child's requests that are not sessions yet: waiting for their server, or refused and not fetched. Those that
   * settled since the last count are dropped from the set as it is counted, so each request is looked at a bounded
   * number of times.
   */
  #unsettled(): number {
    const states = this.#unsettledStates;
    if (states === null) return 0;
    for (const state of states)
      if (this.#sessions.get(state.clientId) !== state || !(state.phase === 'CREATING' || state.refused))
        states.delete(state);
    if (states.size === 0) this.#unsettledStates = null;
    return states.size;
  }

  /** Sets the signal the child gets whenever a pending session request settled (Parent::session_sigh). */
  sessionSigh(context: Capability): void {
    this.#sessionSigh = context.valid() ? context.cast() : null;
  }

  /**
   * The capability of a request once its server delivered it, invalid while it has not; throws the server's refusal
   * and returns the donation then (Parent::session_cap).
   */
  async sessionCap(id: number): Promise<Capability> {
    const state = this.#sessions.get(id);
    if (state === undefined) throw new ServiceDenied(`"${this.name}" has no session request ${id}`);
    if (state.refused) {
      this.#sessions.delete(id);
      // a server that spent the donation it refused cannot give it back: the client still learns the refusal
      await this.#returnDonation(state).catch((error: unknown) => {
        if (!hasErrorCode(error, OutOfRam.code) && !hasErrorCode(error, OutOfCaps.code)) throw error;
      });
      this.#changed();
      throw refusal(state.phase, state.reason);
    }
    if (!state.capability.valid() || state.closeRequested) return Capability.invalid();
    if (state.phase === 'AVAIL') {
      state.phase = 'OK';
      this.#changed();
    }
    return state.capability;
  }

  /**
   * Moves more of the child's quota to the server of session `id` (Parent::upgrade): `Done` when the server took it
   * at once, `Pending` while a sibling server has yet to (the child gets its session signal when it did).
   */
  async upgrade(id: number, argsText: string): Promise<number> {
    const state = this.#sessions.get(id);
    if (state === undefined || !state.alive || state.phase === 'CLOSING')
      throw new ServiceDenied(`"${this.name}" has no session ${id} to upgrade`);
    const args = SessionArgs.parse(argsText);
    const ram = args.number('ram_quota');
    const caps = args.number('cap_quota');
    await this.#donate(state.service.account, ram, caps);
    state.upgrade(ram, caps);
    try {
      await state.service.initiateRequest(state);
    } catch (error) {
      // the server refused the upgrade: the donation comes back
      state.withdraw(ram, caps);
      await this.#returnAmount(state.service.account, this.account, ram, caps);
      throw error;
    }
    this.#changed();
    return state.phase === 'UPGRADING' ? SessionResult.Pending : SessionResult.Done;
  }

  /**
   * Closes session `id` (Parent::close): `Done` once the donation is back with the child, `Pending` while a sibling
   * server has yet to close it; the child gets its session signal when it did, and its next `close(id)` is `Done`, as
   * Genode's `Env::close` waits.
   */
  async close(id: number): Promise<number> {
    if (id === ENV_PD_SESSION_ID) return SessionResult.Done;
    const state = this.#sessions.get(id);
    if (state === undefined) return SessionResult.Done;
    if (state.refused) {
      this.#sessions.delete(id);
      await this.#returnDonation(state);
      this.#changed();
      return SessionResult.Done;
    }
    if (state.phase === 'CLOSING' || state.closeRequested) return SessionResult.Pending;
    if (state.phase === 'CREATING' && state.orphaned) {
      // its server is gone: the donation is back in the parent's PD, nobody is to be asked
      state.phase = 'CLOSED';
      this.#sessions.delete(id);
      await this.#returnAmount(this.#own, this.account, state.ram, state.caps);
      this.#changed();
      return SessionResult.Done;
    }
    if (state.phase === 'CREATING') {
      // the server is told; a session it makes meanwhile is closed once it is delivered
      state.closeRequested = true;
    } else state.phase = 'CLOSING';
    await state.service.initiateRequest(state);
    if (state.closed) {
      this.#sessions.delete(id);
      await this.#returnDonation(state);
      this.#changed();
      return SessionResult.Done;
    }
    this.#changed();
    return SessionResult.Pending;
  }

  /**
   * The child, as a server, hands over the capability of the session it lists as `id` (Parent::deliver_session_cap).
   * Ignored unless the request is still waiting for it; a request whose client went away meanwhile is closed at once.
   */
  async deliverSessionCap(id: number, capability: Capability): Promise<void> {
    const state = this.requests.get(id);
    if (state === undefined || state.phase !== 'CREATING' || !capability.valid()) return;
    state.capability = capability;
    if (state.client === null || state.closeRequested) {
      state.phase = 'CLOSING';
      this.requests.changed();
      this.#changed();
      return;
    }
    state.phase = 'AVAIL';
    await state.client.sessionReady(state);
    this.#changed();
  }

  /**
   * The child, as a server, answers request `id` otherwise (Parent::session_response): a refusal of a create, `Ok` to
   * an upgrade, `Closed` to a close. `reason` says why a request was refused (at most 400 characters are kept).
   */
  async sessionResponse(id: number, response: number, reason: string): Promise<void> {
    const state = this.requests.get(id);
    if (state === undefined) return;
    const value = response as SessionResponseValue;
    if (value === SessionResponse.Closed) {
      // a close of a session, or of a request the server had not answered (it never made the session)
      if (state.phase !== 'CLOSING' && !(state.phase === 'CREATING' && state.closeRequested)) return;
      state.phase = 'CLOSED';
      this.requests.remove(state);
      await this.#returnAmount(state.service.account, this.#own, state.ram, state.caps);
      if (state.client !== null) await state.client.sessionClosed(state);
      this.#changed();
      return;
    }
    if (value === SessionResponse.Ok) {
      if (state.phase !== 'UPGRADING') return;
      state.ramUpgrade = 0;
      state.capUpgrade = 0;
      state.phase = 'OK';
      if (state.client !== null) await state.client.sessionReady(state);
      this.#changed();
      return;
    }
    const phase = responsePhase(value);
    if (phase === undefined || state.phase !== 'CREATING') return;
    state.phase = phase;
    // the server's own words, as a Root's refusal crossed RPC before (they name the service and label themselves)
    const said = [...reason.slice(0, 400)].map((c) => (c < ' ' || c === '\x7f' ? ' ' : c)).join('');
    state.reason = said === '' ? `server "${this.name}" refused the ${describe(state)}` : said;
    this.requests.remove(state);
    if (state.client !== null && !state.closeRequested) {
      // the client learns it from `sessionCap`, which returns the donation
      await state.client.sessionReady(state);
    } else {
      await this.#returnAmount(state.service.account, this.#own, state.ram, state.caps);
      if (state.client !== null) await state.client.sessionClosed(state);
    }
    this.#changed();
  }

  /** {@inheritDoc SessionClient.sessionReady} */
  sessionReady(_state: SessionState): void {
    this.#signalSessions();
  }

  /** {@inheritDoc SessionClient.sessionClosed} */
  async sessionClosed(state: SessionState): Promise<void> {
    if (this.#sessions.get(state.clientId) === state) this.#sessions.delete(state.clientId);
    // what the server held came back to the parent's PD: on to the child's
    await this.#returnAmount(this.#own, this.account, state.ram, state.caps);
    this.#signalSessions();
  }

  /** The child's sessions, pending ones included, in id order: what a state report lists as `<requested>`. */
  sessions(): ChildSession[] {
    return [...this.#sessions.values()].sort((a, b) => a.clientId - b.clientId).map((state) => describeSession(state));
  }

  /** The sessions the child serves, in the order they were requested: what a state report lists as `<provided>`. */
  provided(): ChildSession[] {
    return (this.#requests?.states() ?? []).map((state) => describeSession(state));
  }

  /** Whether a session request of the child waits for a server that has not announced the service yet: incomplete. */
  get waiting(): boolean {
    for (const state of this.#sessions.values())
      if (state.phase === 'CREATING' && !state.service.available) return true;
    return false;
  }

  /** The names of the siblings serving the child's open sessions: who the child depends on. */
  servers(): Set<string> {
    const names = new Set<string>();
    for (const state of this.#sessions.values()) {
      const server = state.service.server;
      // a session being closed ties the child to its server no more: it waits only for the donation to come back
      if (server !== undefined && state.alive && state.phase !== 'CLOSING') names.add(server);
    }
    return names;
  }

  /**
   * Ends every session of the child, which is about to be destroyed: a service the parent implements closes it now and
   * the donation goes back to the child's PD; a sibling server gets a close request and returns the donation to the
   * parent's PD whenever it answers (as the child's PD is gone by then), so a server that never answers keeps no one
   * waiting. Errors of single services are collected, not thrown.
   */
  async closeAll(): Promise<unknown[]> {
    const failures: unknown[] = [];
    for (const [id, state] of [...this.#sessions]) {
      this.#sessions.delete(id);
      try {
        if (state.refused) {
          await this.#returnDonation(state);
          continue;
        }
        state.client = null;
        if (state.phase === 'CREATING' && state.orphaned) {
          // its server is gone: the donation is back in the parent's PD, where it stays
          state.phase = 'CLOSED';
          continue;
        }
        if (state.phase === 'CLOSING' || state.closeRequested) continue;
        if (state.phase === 'CREATING') state.closeRequested = true;
        else state.phase = 'CLOSING';
        await state.service.initiateRequest(state);
        if (state.closed) await this.#returnAmount(state.service.account, this.account, state.ram, state.caps);
      } catch (error) {
        failures.push(error);
      }
    }
    this.#changed();
    return failures;
  }

  /**
   * The child, as a server, is gone (its PD destroyed, which settled every donation it held back to where it came
   * from): its requests are dropped, and returned for the parent to hand on. A client that closed its session and waits
   * gets it closed; a request nobody answered yet is returned so the parent can pass it to a successor.
   */
  serverGone(): SessionState[] {
    const unanswered: SessionState[] = [];
    for (const state of this.#requests?.states() ?? []) {
      this.requests.remove(state);
      if (state.client !== null && state.phase === 'CREATING' && !state.closeRequested) {
        state.serverId = 0;
        state.orphaned = true;
        unanswered.push(state);
        continue;
      }
      const client = state.client;
      state.phase = 'CLOSED';
      state.client = null;
      // the donation is back in the parent's PD (the destroyed PD returned it): the client gets it from there
      if (client !== null) void Promise.resolve(client.sessionClosed(state)).catch(() => undefined);
    }
    return unanswered;
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

  /** Ends the child's `session_requests` ROM service: the parent is done with the child. */
  dispose(): void {
    if (this.#requestsRoot !== null) void this.#requestsRoot.closeAll();
  }

  /** The parent's own service of the child's `session_requests` ROM, made on first request. */
  #requestsRomService(): LocalService {
    if (this.#requestsService === null) {
      this.#requestsRoot = new SessionRequestsRoot(this.#ep, this.#thread, this.requests);
      this.#requestsService = new LocalService('ROM', this.#requestsRoot, this.#own);
    }
    return this.#requestsService;
  }

  /**
   * Moves a donation from the child's PD to `to` (through the parent's, as Genode's reference account: what a sibling
   * server holds is owed to the parent, which outlives the child), saying what is free if the child cannot afford it.
   */
  async #donate(to: PdAccount, ram: number, caps: number): Promise<void> {
    try {
      await this.account.client.transferQuota(this.#own.capability, ram, caps);
    } catch (error) {
      // the transfer is the check (one call, not two); the quota is read only to say what is free
      if (!hasErrorCode(error, OutOfRam.code) && !hasErrorCode(error, OutOfCaps.code)) throw error;
      const quota = await this.account.client.quota();
      if (ram > quota.ramLimit - quota.ramUsed)
        throw new OutOfRam(
          `"${this.name}" has ${numberOfBytes(quota.ramLimit - quota.ramUsed)} of RAM free, ` +
            `offered ${numberOfBytes(ram)}`,
        );
      throw new OutOfCaps(`"${this.name}" has ${quota.capLimit - quota.capUsed} capabilities free, offered ${caps}`);
    }
    if (to.capability.rawSelector === this.#own.capability.rawSelector) return;
    await this.#own.client.transferQuota(to.capability, ram, caps);
  }

  /** Moves a session's whole donation from its server's PD back to the child's. */
  async #returnDonation(state: SessionState): Promise<void> {
    await this.#returnAmount(state.service.account, this.#own, state.ram, state.caps);
    await this.#returnAmount(this.#own, this.account, state.ram, state.caps);
  }

  /** Moves `ram` and `caps` from `from` to `to` (nothing when they are the same PD or the amounts are zero). */
  async #returnAmount(from: PdAccount, to: PdAccount, ram: number, caps: number): Promise<void> {
    if ((ram === 0 && caps === 0) || from.capability.rawSelector === to.capability.rawSelector) return;
    await from.client.transferQuota(to.capability, ram, caps);
  }

  /** Tells the child that a pending request settled or a pending close finished. */
  #signalSessions(): void {
    if (this.#sessionSigh !== null && this.#thread.valid(this.#sessionSigh.rawSelector))
      this.#thread.submitSignal(this.#sessionSigh.rawSelector);
  }

  #changed(): void {
    this.#policy.sessionStateChanged?.();
  }
}

/** A session state as a state report shows it. */
function describeSession(state: SessionState): ChildSession {
  return {
    id: state.clientId,
    service: state.service.name,
    label: state.label,
    serverLabel: state.serverLabel,
    state: state.reportedPhase,
    ram: state.ram,
    caps: state.caps,
    args: state.args,
    ...(state.service.server === undefined ? {} : { server: state.service.server }),
  };
}

import { Capability } from '@os/capability';
import type { ClientOf } from '@os/rpc';
import {
  InsufficientCapQuota,
  SessionArgs,
  InsufficientRamQuota,
  OutOfCaps,
  OutOfRam,
  ServiceDenied,
  type SessionError,
  SessionResponse,
  type SessionResponseValue,
} from '@os/session';
import type { Pd } from './services.js';

/**
 * Genode's session phases as a state report names them (`Session_state::Phase`): `CREATING` until the server answers,
 * `AVAIL` once it delivered the capability, `OK` once the client has it, `UPGRADING` and `CLOSING` while the server has
 * yet to take an upgrade or a close, `CLOSED` once it did, and the three refusals.
 */
export type SessionPhase =
  | 'CREATING'
  | 'DENIED'
  | 'INSUFFICIENT_RAM'
  | 'INSUFFICIENT_CAP'
  | 'AVAIL'
  | 'OK'
  | 'UPGRADING'
  | 'CLOSING'
  | 'CLOSED';

/** A PD session as the parent holds it: where a donation is moved from or to. */
export interface PdAccount {
  /** The PD session's client, on the parent's thread. */
  readonly client: ClientOf<typeof Pd>;
  /** The PD session's capability in the parent's space. */
  readonly capability: Capability<typeof Pd>;
}

/** Who asked for a session: told when it is ready or closed, and where its donation comes back to. */
export interface SessionClient {
  /** The client's PD: the donation moves back here when the session is refused or closed. */
  readonly account: PdAccount;
  /** The server answered the request (a capability or a refusal), or took an upgrade. */
  sessionReady(session: SessionState): void | Promise<void>;
  /** The server closed the session; the donation is to be moved back to the client. */
  sessionClosed(session: SessionState): void | Promise<void>;
}

/**
 * A provider of sessions as a parent sees it (Genode's `Service`): where a request's donation goes, and how the request
 * reaches the server. A service the parent implements itself answers in `initiateRequest`; a child server's service
 * lists the request in the child's `session_requests` ROM and returns, and the child answers later.
 */
export interface SessionService {
  /** The service's name ("Timer"). */
  readonly name: string;
  /** The PD the donation moves to, and back from. */
  readonly account: PdAccount;
  /** The serving child's name, when the server is a sibling of the client (so the parent knows who depends on whom). */
  readonly server?: string;
  /**
   * Acts on the session's phase (`CREATING`, `UPGRADING` or `CLOSING`): a local service finishes it before it returns
   * (the phase is then an answer), a child server's service passes it on and returns at once.
   */
  initiateRequest(session: SessionState): void | Promise<void>;
  /** Whether the server has announced this service: a request to one that has not waits (the child is incomplete). */
  readonly available: boolean;
}

/** The error a refused session throws at its client, by phase. */
export function refusal(phase: SessionPhase, reason: string): SessionError {
  if (phase === 'INSUFFICIENT_RAM') return new InsufficientRamQuota(reason);
  if (phase === 'INSUFFICIENT_CAP') return new InsufficientCapQuota(reason);
  return new ServiceDenied(reason);
}

/** The phase a refusal (a session error thrown by a server or on the way) puts a request in. */
export function refusedPhase(error: SessionError): SessionPhase {
  if (error instanceof InsufficientRamQuota || error instanceof OutOfRam) return 'INSUFFICIENT_RAM';
  if (error instanceof InsufficientCapQuota || error instanceof OutOfCaps) return 'INSUFFICIENT_CAP';
  return 'DENIED';
}

/** The phase a server's `sessionResponse` puts a request in; undefined for `Ok` and `Closed`, which are no refusals. */
export function responsePhase(response: SessionResponseValue): SessionPhase | undefined {
  if (response === SessionResponse.InsufficientRam) return 'INSUFFICIENT_RAM';
  if (response === SessionResponse.InsufficientCaps) return 'INSUFFICIENT_CAP';
  if (response === SessionResponse.Denied) return 'DENIED';
  return undefined;
}

/** What a session state is made from. */
export interface SessionStateOptions {
  /** Where it goes. */
  readonly service: SessionService;
  /** The label with the client's name in front, before any rewriting by the route. */
  readonly label: string;
  /** The label the server sees. */
  readonly serverLabel: string;
  /** The arguments as the server gets them. */
  readonly args: string;
  /** RAM donated. */
  readonly ram: number;
  /** Capabilities donated. */
  readonly caps: number;
  /** Who asked; null for a request with no client left (see {@link SessionState.client}). */
  readonly client: SessionClient | null;
  /** The client's id for it. */
  readonly clientId: number;
}

/**
 * One session between a client and a server as their common parent keeps it (Genode's `Session_state`): its phase,
 * the capability once the server delivered it, what was donated, and the ids it has at the client and at the server.
 * The parent moves the donation to the server's PD when the request is made and back when it is refused or closed.
 */
export class SessionState {
  /** Where it goes (a request nobody answered moves to the successor of a server that is gone). */
  service: SessionService;
  /** The label with the client's name in front, before any rewriting by the route. */
  readonly label: string;
  /** The label the server sees. */
  readonly serverLabel: string;
  /** The client's id for it. */
  readonly clientId: number;
  /** The phase. */
  phase: SessionPhase = 'CREATING';
  /** The session capability in the parent's space, once the server delivered it. */
  capability: Capability = Capability.invalid();
  /** The arguments as the server got them (quota updated by upgrades). */
  args: string;
  /** RAM donated, upgrades included. */
  ram: number;
  /** Capabilities donated, upgrades included. */
  caps: number;
  /** RAM of upgrades the server has yet to take. */
  ramUpgrade = 0;
  /** Capabilities of upgrades the server has yet to take. */
  capUpgrade = 0;
  /**
   * Who asked. Null once the client is gone (destroyed, or it closed the request before the server answered): what the
   * server still returns goes to the parent's own PD then.
   */
  client: SessionClient | null;
  /** The id the server knows the request by, while it is listed in the server's `session_requests`. */
  serverId = 0;
  /** The id of the session at the parent's own parent, when the parent forwards it there (Genode's `id_at_parent`). */
  parentId = 0;
  /** Why the server refused, as it said. */
  reason = '';
  /**
   * The client asked to close before the server answered the request: the server is told (a `<close>` in its
   * `session_requests`), and a session it delivers meanwhile is closed at once.
   */
  closeRequested = false;
  /**
   * The server went away before it answered: the donation is back in the parent's PD, and the request waits for a
   * successor of the same name (a close ends it at once).
   */
  orphaned = false;

  /** Makes the state of a new request, `CREATING`. */
  constructor(options: SessionStateOptions) {
    this.service = options.service;
    this.label = options.label;
    this.serverLabel = options.serverLabel;
    this.args = options.args;
    this.ram = options.ram;
    this.caps = options.caps;
    this.client = options.client;
    this.clientId = options.clientId;
  }

  /**
   * Notes an upgrade whose donation reached the server's PD: the session's donation and arguments grow, and the server
   * has `ram` and `caps` more to take (`UPGRADING`). `withdraw` undoes it when the server refuses the upgrade.
   */
  upgrade(ram: number, caps: number): void {
    this.#grow(ram, caps);
    this.ramUpgrade += ram;
    this.capUpgrade += caps;
    this.phase = 'UPGRADING';
  }

  /** Undoes an upgrade of `ram` and `caps` the server refused: the session is `OK` with its donation as before. */
  withdraw(ram: number, caps: number): void {
    this.#grow(-ram, -caps);
    this.ramUpgrade = 0;
    this.capUpgrade = 0;
    this.phase = 'OK';
  }

  /** The arguments of the upgrade the server has yet to take (`ram_quota=..., cap_quota=...`), now handed on. */
  takeUpgrade(): string {
    const args = SessionArgs.from({ ram_quota: this.ramUpgrade, cap_quota: this.capUpgrade }).toString();
    this.ramUpgrade = 0;
    this.capUpgrade = 0;
    return args;
  }

  #grow(ram: number, caps: number): void {
    this.ram += ram;
    this.caps += caps;
    this.args = SessionArgs.parse(this.args).set('ram_quota', this.ram).set('cap_quota', this.caps).toString();
  }

  /** Whether the server has the session (Genode's `alive()`): it may be upgraded or closed there. */
  get alive(): boolean {
    return this.phase === 'AVAIL' || this.phase === 'OK' || this.phase === 'UPGRADING' || this.phase === 'CLOSING';
  }

  /** Whether the server closed it (a getter, as the phase changes under an awaited request). */
  get closed(): boolean {
    return this.phase === 'CLOSED';
  }

  /** Whether the server refused it. */
  get refused(): boolean {
    return this.phase === 'DENIED' || this.phase === 'INSUFFICIENT_RAM' || this.phase === 'INSUFFICIENT_CAP';
  }

  /** The phase a state report shows: a request closed before its server answered is `CLOSING`. */
  get reportedPhase(): SessionPhase {
    return this.phase === 'CREATING' && this.closeRequested ? 'CLOSING' : this.phase;
  }
}

import type { SessionRequests } from './session-requests.js';
import type { PdAccount, SessionService, SessionState } from './session-state.js';

/**
 * A service a child serves, as its parent routes to it (Genode's `Child_service`): the parent never calls the child.
 * A request is listed in the child's `session_requests` ROM and the child answers it by `deliverSessionCap` or
 * `sessionResponse` on its parent capability, in its own time: a child that never answers keeps only its own clients
 * waiting.
 */
export class ChildService implements SessionService {
  /** Serves `name` by child `server`, whose PD is `account` and whose requests are `requests`. */
  constructor(
    /** The service's name. */
    readonly name: string,
    /** The serving child's name. */
    readonly server: string,
    /** The serving child's PD: donations go there. */
    readonly account: PdAccount,
    /** The serving child's session requests. */
    private readonly requests: SessionRequests,
    /** Whether the child has announced the service. */
    private readonly announced: () => boolean,
  ) {}

  /** Whether the child has announced the service. */
  get available(): boolean {
    return this.announced();
  }

  /** Lists a new request for the child, or shows it that a listed one has something new to do; returns at once. */
  initiateRequest(session: SessionState): void {
    if (session.serverId === 0 || this.requests.get(session.serverId) !== session) this.requests.add(session);
    else this.requests.changed();
  }
}

import { hasErrorCode } from '@os/kernel';
import { type ClientOf, RpcServerError } from '@os/rpc';
import { type Root, SessionError } from '@os/session';
import { type PdAccount, type SessionService, type SessionState, refusedPhase } from './session-state.js';

/**
 * A service its parent implements itself (Genode's `Local_service`): core's services for init, init's `<config>` ROMs
 * and each child's `session_requests` ROM. The parent calls the root it holds and has the answer before
 * `initiateRequest` returns, so a request to it never waits: the child gets its capability from `session()` at once.
 */
export class LocalService implements SessionService {
  /** Always available: the parent serves it. */
  readonly available = true;

  /** Serves `name` by `root`; donations go to `account` (the parent's own PD, or core's). */
  constructor(
    /** The service's name. */
    readonly name: string,
    /** The root the parent calls. */
    private readonly root: ClientOf<typeof Root>,
    /** Where donations go. */
    readonly account: PdAccount,
  ) {}

  /** Opens, upgrades or closes the session at the root now; a refusal ends as the matching phase. */
  async initiateRequest(session: SessionState): Promise<void> {
    if (session.phase === 'CREATING') {
      try {
        session.capability = await this.root.session(session.args);
        session.phase = 'AVAIL';
      } catch (error) {
        if (error instanceof SessionError) {
          session.phase = refusedPhase(error);
          session.reason = error.message;
          return;
        }
        if (!hasErrorCode(error, RpcServerError.code)) throw error;
        session.phase = 'DENIED';
        session.reason = `"${this.name}" failed in Root.session with an error its interface does not declare`;
      }
      return;
    }
    if (session.phase === 'UPGRADING') {
      const args = session.takeUpgrade();
      await this.root.upgrade(session.capability, args);
      session.phase = 'OK';
      return;
    }
    if (session.phase === 'CLOSING') {
      await this.root.close(session.capability);
      session.phase = 'CLOSED';
    }
  }
}

import type { Capability } from '@os/capability';
import { SessionError, SessionResult } from '@os/session';
import type { Env } from './env.js';
import { type PdAccount, type SessionService, type SessionState, refusedPhase } from './session-state.js';
import { SignalHandler } from './signal.js';

/**
 * A service of the component's own parent, through which it passes on its children's requests (Genode's
 * `Parent_service`): how init forwards a request routed to `<parent/>`. Each forwarded session gets a session id of
 * the component's; what the parent answers at once is the answer, and a request, upgrade or close the parent leaves
 * pending is finished when the parent's session signal comes, as an activity of the entrypoint, so the entrypoint never
 * waits for it.
 */
export class ParentService implements SessionService {
  /** Always available: the parent routes it. */
  readonly available = true;
  readonly #env: Env;
  readonly #pending = new Map<number, SessionState>();
  #handler: SignalHandler | null = null;
  #watching = false;

  /** Forwards `name` to `env`'s parent; donations pass through `account`, the component's own PD. */
  constructor(
    /** The service's name. */
    readonly name: string,
    env: Env,
    /** The component's own PD: the parent takes the donation from there. */
    readonly account: PdAccount,
  ) {
    this.#env = env;
  }

  /** Passes the session's phase on to the parent; what it leaves pending is finished on its session signal. */
  async initiateRequest(session: SessionState): Promise<void> {
    if (session.phase === 'CREATING' && !session.closeRequested) return this.#create(session);
    const id = session.parentId;
    if (id === 0) return;
    if (session.phase === 'UPGRADING') {
      const args = session.takeUpgrade();
      // the parent has the donation once this returns; its server takes it in its own time
      await this.#env.parent.upgrade(id, args);
      session.phase = 'OK';
      return;
    }
    if (session.phase === 'CLOSING' || session.closeRequested) {
      const seen = this.#env.sessionSignals;
      if ((await this.#env.parent.close(id)) === SessionResult.Done) this.#closed(session, id);
      else this.#wait(id, session, seen);
    }
  }

  async #create(session: SessionState): Promise<void> {
    const id = this.#env.allocSessionId();
    const seen = this.#env.sessionSignals;
    let capability: Capability;
    try {
      capability = await this.#env.parent.session(id, this.name, session.args);
    } catch (error) {
      this.#env.freeSessionId(id);
      if (!(error instanceof SessionError)) throw error;
      session.phase = refusedPhase(error);
      session.reason = error.message;
      return;
    }
    session.parentId = id;
    if (capability.valid()) {
      session.capability = capability;
      session.phase = 'AVAIL';
      return;
    }
    this.#wait(id, session, seen);
  }

  #closed(session: SessionState, id: number): void {
    session.phase = 'CLOSED';
    session.parentId = 0;
    this.#pending.delete(id);
    this.#env.freeSessionId(id);
  }

  /** Notes `session` as pending at the parent and makes sure a session signal after `seen` is acted on. */
  #wait(id: number, session: SessionState, seen: number): void {
    this.#pending.set(id, session);
    if (this.#watching) return;
    this.#watching = true;
    void this.#env.waitForSessionSignal(seen).then(() => {
      this.#handler ??= new SignalHandler(this.#env.ep, () => this.#check());
      this.#env.thread.submitSignal(this.#handler.capability.selector);
    });
  }

  /** Asks the parent again for everything it left pending, and tells the clients what settled. */
  async #check(): Promise<void> {
    this.#watching = false;
    const seen = this.#env.sessionSignals;
    for (const [id, session] of [...this.#pending]) {
      if (session.phase === 'CREATING' && !session.closeRequested) await this.#checkCreate(id, session);
      else if (session.phase === 'CLOSING' || session.closeRequested) await this.#checkClose(id, session);
    }
    const left = [...this.#pending];
    this.#pending.clear();
    for (const [id, session] of left) this.#wait(id, session, seen);
  }

  async #checkCreate(id: number, session: SessionState): Promise<void> {
    let capability: Capability;
    try {
      capability = await this.#env.parent.sessionCap(id);
    } catch (error) {
      if (!(error instanceof SessionError)) throw error;
      this.#pending.delete(id);
      session.parentId = 0;
      this.#env.freeSessionId(id);
      session.phase = refusedPhase(error);
      session.reason = error.message;
      if (session.client !== null && !session.closeRequested) await session.client.sessionReady(session);
      else if (session.client !== null) await session.client.sessionClosed(session);
      return;
    }
    if (!capability.valid()) return;
    this.#pending.delete(id);
    session.capability = capability;
    if (session.client === null || session.closeRequested) {
      session.phase = 'CLOSING';
      await this.initiateRequest(session);
      if (session.closed && session.client !== null) await session.client.sessionClosed(session);
      return;
    }
    session.phase = 'AVAIL';
    await session.client.sessionReady(session);
  }

  async #checkClose(id: number, session: SessionState): Promise<void> {
    if ((await this.#env.parent.close(id)) !== SessionResult.Done) return;
    this.#closed(session, id);
    if (session.client !== null) await session.client.sessionClosed(session);
  }
}

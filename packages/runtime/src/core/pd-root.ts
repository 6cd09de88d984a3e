import type { SessionArgs, SessionLabel } from '@os/session';
import { RootComponent, type SessionCost, type SessionEntrypoint } from '../root-component.js';
import type { Core } from './core.js';
import type { PdSession } from './pd-session.js';

/** Capabilities a PD session takes in core for itself (its session object), out of its donation. */
export const PD_SESSION_CAPS = 1;

/** core's PD service: each session is a new PD holding the session's donation. */
export class PdRoot extends RootComponent<PdSession> {
  constructor(
    /** The core that creates the PDs. */
    private readonly core: Core,
    ep: SessionEntrypoint,
  ) {
    super({ service: 'PD', ep });
  }
  /**
   * A PD session takes one capability in core for itself, out of its donation: as in Genode, so a
   * request that donates nothing cannot drain core.
   */
  protected override sessionCost(): SessionCost {
    return { ram: 0, caps: PD_SESSION_CAPS };
  }
  /** Creates a PD with the donated quota as its own, less the session's own capability (Root::session). */
  protected override createSession(args: SessionArgs, label: SessionLabel): PdSession {
    return this.core.createPd(label.text, args.number('ram_quota'), args.number('cap_quota') - PD_SESSION_CAPS);
  }
  /** Destroys the PD; its quota goes back to core (Root::close). */
  protected override destroySession(session: PdSession): void {
    this.core.destroyPd(session);
  }
}

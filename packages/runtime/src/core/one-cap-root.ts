import type { RpcObject } from '@os/rpc';
import type { SessionArgs, SessionLabel } from '@os/session';
import { RootComponent, type SessionEntrypoint } from '../root-component.js';

/**
 * A core service whose sessions cost one capability and no RAM (LOG, Rtc): each session request
 * gets a fresh session object from `create`.
 */
export class OneCapRoot<S extends RpcObject> extends RootComponent<S> {
  constructor(
    service: string,
    ep: SessionEntrypoint,
    /** Makes the session for a request's label. */
    private readonly create: (label: SessionLabel) => S,
  ) {
    super({ service, ep });
  }
  /** Opens a session; it needs one capability (Root::session). */
  protected override createSession(_args: SessionArgs, label: SessionLabel): S {
    return this.create(label);
  }
}

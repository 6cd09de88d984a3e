import { type Env, RootComponent, type SessionCost, type XmlNode } from '@os/runtime';
import type { SessionError, SessionLabel } from '@os/session';
import { NET_SESSION_CAPS, NET_SESSION_RAM } from '../net-session.js';
import { NetPolicy } from './net-policy.js';
import { NetSessionComponent } from './net-session-component.js';

/**
 * The Net service's root: a session per client whose label has a `<policy>` (or a `<default-policy>`) in the config;
 * every refusal is also a line in the server's LOG.
 */
export class NetRoot extends RootComponent<NetSessionComponent> {
  readonly #env: Env;

  /** Serves Net sessions on `env`'s entrypoint under the policies of `config`. */
  constructor(env: Env, config: XmlNode) {
    super({ service: 'Net', ep: env.ep, config: () => config });
    this.#env = env;
  }

  /** A session's control dataspace, bookkeeping and capabilities; its sockets are paid from the rest. */
  protected override sessionCost(): SessionCost {
    return { ram: NET_SESSION_RAM, caps: NET_SESSION_CAPS, ramFor: 'the control dataspace and bookkeeping' };
  }

  /** Opens a session under the client's policy (Root::session). */
  protected override createSession(_args: unknown, label: SessionLabel, policy: XmlNode | null): NetSessionComponent {
    const rules = NetPolicy.from(policy as XmlNode);
    const session: NetSessionComponent = new NetSessionComponent({
      env: this.#env,
      label: label.text,
      policy: rules,
      donation: () => this.donation(session) ?? { ram: 0, caps: 0 },
      log: (line) => this.#env.log(line),
    });
    return session;
  }

  /** Logs each refused session request. */
  protected override async refused(error: SessionError, label: string): Promise<void> {
    await this.#env.log(`Warning: denied Net session "${label}": ${error.message}`);
  }
}

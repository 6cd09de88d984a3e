// The host-facing part of @os/net: the net server component, which holds the host's network (node:net, node:tls).
// Only trusted code (`os run`, a program that boots a system) imports it; it is never granted to a confined
// component, which reaches the network only through a routed Net session.

import { errorCode } from '@os/kernel';
import { AttachedRomDataspace, type ComponentModule, type Env } from '@os/runtime';
import { NetRoot } from './server/net-root.js';

export { DEFAULT_LISTEN_ADDRESS } from './server/net-policy.js';

/** How the net server is made for a run. */
export interface NetServerOptions {
  /**
   * Whether the system runs on virtual time. The network runs on the host's time: on virtual time the clock would jump
   * past every timeout while a peer has yet to answer, so the server refuses to start ({@link NetNeedsRealTime}).
   */
  readonly virtualTime: boolean;
}

/** The net server was started in a system on virtual time. */
export class NetNeedsRealTime extends Error {
  /** Stable code of this failure, `ERR_OS_NET_NEEDS_REAL_TIME`. */
  readonly code: string;

  /** Creates the error. */
  constructor() {
    super(
      'the network service needs real time: on virtual time the clock jumps ahead while the host network is busy, ' +
        'so every timeout would fire early; run the system without --virtual-time',
    );
    this.name = 'NetNeedsRealTime';
    this.code = errorCode(new.target.name);
  }
}

/**
 * The net server component (binary `net` of `os run`): serves the Net service under the policies of its config,
 * as the only component of the system holding the host's network.
 */
export function netServer(options: NetServerOptions): ComponentModule {
  return {
    async construct(env: Env): Promise<void> {
      if (options.virtualTime) throw new NetNeedsRealTime();
      const config = (await AttachedRomDataspace.open(env, 'config')).xml();
      await new NetRoot(env, config).announce(env);
    },
  };
}

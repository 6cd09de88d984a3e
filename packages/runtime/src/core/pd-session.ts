import type { Capability } from '@os/capability';
import { InvalidArgumentError, type PdId, QuotaExceededError, hasErrorCode } from '@os/kernel';
import { RpcObject, type ServerOf } from '@os/rpc';
import { OutOfCaps, OutOfRam } from '@os/session';
import { Pd, StartFailed } from '../services.js';
import type { Core } from './core.js';

/** core's PD session: one protection domain, its quota, and the component started in it. */
export class PdSession extends RpcObject<typeof Pd> implements ServerOf<typeof Pd> {
  /** Whether a component runs in the PD; a PD runs one at most. */
  started = false;
  /** Whether the PD was destroyed. */
  destroyed = false;
  /**
   * Quota moved into this PD from each other PD session, minus what moved back (Genode's reference
   * accounts): when the PD is destroyed, each peer gets back what it put in beyond the session's
   * donation, so a parent that raised a child's quota does not lose the raise.
   */
  readonly net = new Map<PdSession, { ram: number; caps: number }>();
  /** Creates the session of PD `pd`, labelled `label`, served by `core`. */
  constructor(
    /** The core that serves the session and starts components. */
    private readonly core: Core,
    /** The kernel's PD behind the session. */
    readonly pd: PdId,
    /** The session's label: whom the PD is for. */
    readonly label: string,
  ) {
    super(Pd);
  }
  /** Starts `binary` as component `name` in the PD, with `parent` its only capability (Pd::start). */
  async start(binary: string, name: string, parent: Capability): Promise<void> {
    if (this.started) throw new StartFailed(`PD "${this.label}" already runs a component`);
    this.started = true;
    await this.core.start(this, binary, name, parent);
  }
  /** Moves `ram` bytes and `caps` capabilities of the PD's quota to the PD of session `target` (Pd::transfer_quota). */
  transferQuota(target: Capability, ram: number, caps: number): void {
    const to = this.core.pdSession(target);
    if (to === undefined) throw new OutOfRam(`the transfer target is not a PD session of core`);
    try {
      this.core.kernel.transferQuota(this.pd, to.pd, { ram, caps });
      to.#note(this, ram, caps);
      this.#note(to, -ram, -caps);
    } catch (error) {
      if (hasErrorCode<QuotaExceededError>(error, QuotaExceededError.code))
        throw error.kind === 'ram' ? new OutOfRam(error.message) : new OutOfCaps(error.message);
      if (hasErrorCode(error, InvalidArgumentError.code))
        throw new OutOfRam(error instanceof Error ? error.message : 'a transfer amount the kernel refuses');
      throw error;
    }
  }
  /** The PD's quota and how much of it is in use (Pd::quota). */
  quota() {
    return this.core.kernel.quota(this.pd);
  }
  #note(peer: PdSession, ram: number, caps: number): void {
    const net = this.net.get(peer) ?? { ram: 0, caps: 0 };
    net.ram += ram;
    net.caps += caps;
    if (net.ram === 0 && net.caps === 0) this.net.delete(peer);
    else this.net.set(peer, net);
  }
}

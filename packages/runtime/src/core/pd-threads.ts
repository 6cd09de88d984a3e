import {
  InvalidArgumentError,
  type Kernel,
  type KernelThread,
  type PdId,
  QuotaExceededError,
  hasErrorCode,
} from '@os/kernel';
import { OutOfCaps } from '@os/session';
import type { ComponentFaults } from '../component-faults.js';
import { ComponentThread } from '../component-thread.js';
import type { ThreadFactory } from '../env.js';

/** What core needs to know of the PD it makes threads in. */
interface ThreadOwner {
  /** The kernel's PD. */
  readonly pd: PdId;
  /** False once the PD was destroyed (its threads ended with it). */
  readonly destroyed: boolean;
}

/**
 * core's CPU service for one component: makes further threads in its PD, each paid for with one
 * capability that moves from the PD's quota to core's while the thread lives (the kernel itself charges
 * nothing for a thread). The component gets the seam facade of each thread, never the backend's object.
 */
export class PdThreads implements ThreadFactory {
  readonly #kernel: Kernel;
  readonly #corePd: PdId;
  readonly #owner: ThreadOwner;
  readonly #name: string;
  readonly #threads = new Map<KernelThread, KernelThread>();
  readonly #faults: ComponentFaults | undefined;

  /**
   * Makes threads for component `name` in `owner`'s PD; `corePd` holds their capabilities; their handlers' faults go to
   * `faults`.
   */
  constructor(kernel: Kernel, corePd: PdId, owner: ThreadOwner, name: string, faults?: ComponentFaults) {
    this.#kernel = kernel;
    this.#corePd = corePd;
    this.#owner = owner;
    this.#name = name;
    this.#faults = faults;
  }

  /** {@inheritDoc ThreadFactory.create} */
  create(label: string): KernelThread {
    try {
      this.#kernel.transferQuota(this.#owner.pd, this.#corePd, { caps: 1 });
    } catch (error) {
      if (!hasErrorCode(error, QuotaExceededError.code)) throw error;
      throw new OutOfCaps(`"${this.#name}" has no capability free for thread "${label}"`);
    }
    const thread = this.#kernel.createThread(this.#owner.pd, `${this.#name}.${label}`);
    const facade = new ComponentThread(thread, this.#faults);
    this.#threads.set(facade, thread);
    return facade;
  }

  /** {@inheritDoc ThreadFactory.destroy} */
  destroy(facade: KernelThread): void {
    const thread = this.#threads.get(facade);
    if (thread === undefined)
      throw new InvalidArgumentError(
        `"${this.#name}" made no thread "${facade.label}" with createThread (or ended it already)`,
      );
    this.#threads.delete(facade);
    if (this.#owner.destroyed) return;
    this.#kernel.destroyThread(thread);
    this.#kernel.transferQuota(this.#corePd, this.#owner.pd, { caps: 1 });
  }
}

import {
  type CapSpaceEntry,
  type Clock,
  type Kernel,
  type KernelOptions,
  type KernelThread,
  type PdId,
  type QuotaAmount,
  QuotaExceededError,
  type QuotaState,
  type Selector,
  ThreadStateError,
  type TraceHook,
  InvalidArgumentError,
} from '@os/kernel';
import { Core, MAX_SEAM_SELECTORS, SEAM_SELECTOR } from './core.js';
import { Crd } from './crd.js';
import { NovaKernel, PdOp, ROOT_PD_SEL } from './nova-kernel.js';
import { NovaKernelThread } from './seam-thread.js';
import { Status } from './status.js';

/** Options of {@link createNovaKernel}. */
export interface NovaSeamOptions extends KernelOptions {
  /**
   * Capability slots every PD the seam creates has; one whose cap quota pays for more has more (`capSpaceRoom`), up to
   * 2^24. Default 65 536.
   */
  readonly capSpaceSize?: number;
  /** Bytes of each UTCB. Default 4096. */
  readonly utcbSize?: number;
  /** CPUs of the modelled machine. Default 1. */
  readonly cpus?: number;
}

/**
 * The NOVA model behind the `@os/kernel` seam, mapped the way Genode's base-nova maps Genode onto
 * NOVA: core is the root PD; an RPC object is a portal core creates into the entrypoint's local EC
 * with the owner's selector imprinted as portal id; a signal context is a semaphore chained to the
 * thread's signal semaphore; capabilities travel as translate-or-delegate typed items; dissolving
 * revokes core's mapping and with it every mapping derived from it. `native` is the model itself.
 */
export class NovaSeamKernel implements Kernel {
  /** The backend name, always `nova`. */
  readonly name = 'nova';
  /** The NOVA model underneath. */
  readonly native: NovaKernel;
  readonly #core: Core;
  readonly #capSpaceSize: number;

  /** Creates a NOVA kernel instance behind the seam. */
  constructor(options: NovaSeamOptions = {}) {
    const capSpaceSize = options.capSpaceSize ?? 65_536;
    if (!Number.isSafeInteger(capSpaceSize) || capSpaceSize < 1 || capSpaceSize > MAX_SEAM_SELECTORS)
      throw new RangeError(`capSpaceSize must be an integer from 1 to 2^24, got ${capSpaceSize}`);
    this.#capSpaceSize = capSpaceSize;
    this.native = new NovaKernel({
      selectors: SEAM_SELECTOR + MAX_SEAM_SELECTORS,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.utcbSize === undefined ? {} : { utcbSize: options.utcbSize }),
      ...(options.cpus === undefined ? {} : { cpus: options.cpus }),
    });
    this.#core = new Core(this.native, this.#capSpaceSize);
  }

  /** {@inheritDoc @os/kernel#Kernel.ipcBufferSize} */
  get ipcBufferSize(): number {
    return this.native.utcbSize;
  }

  /** {@inheritDoc @os/kernel#Kernel.capSpaceSize} */
  get capSpaceSize(): number {
    return this.#capSpaceSize;
  }

  /** {@inheritDoc @os/kernel#Kernel.clock} */
  get clock(): Clock {
    return this.native.clock;
  }

  /** {@inheritDoc @os/kernel#Kernel.createPd} */
  createPd(label: string): PdId {
    return this.#core.createPd(label).native.serial;
  }

  /** {@inheritDoc @os/kernel#Kernel.destroyPd} */
  destroyPd(pd: PdId): { ram: number; caps: number } {
    const core = this.#core;
    const record = core.pd(pd);
    const quota = core.quota(record);
    for (const thread of [...record.threads]) thread.destroy();
    for (const owned of [...record.owned]) core.dissolve(owned);
    core.dropAll(record);
    for (const attached of record.attached.keys()) attached.attachedBy?.delete(record);
    this.native.revoke(core.rootEc, Crd.obj(record.sel, 0), true);
    core.freeRootSel(record.sel);
    core.pds.delete(pd);
    return { ram: quota.ramLimit, caps: quota.capLimit };
  }

  /** {@inheritDoc @os/kernel#Kernel.createThread} */
  createThread(pd: PdId, label: string): KernelThread {
    return new NovaKernelThread(this.#core, this.#core.pd(pd), label);
  }

  /** {@inheritDoc @os/kernel#Kernel.destroyThread} */
  destroyThread(thread: KernelThread): void {
    if (!(thread instanceof NovaKernelThread))
      throw new ThreadStateError(`thread "${thread.label}" does not belong to this NOVA kernel`);
    thread.destroy();
  }

  /** {@inheritDoc @os/kernel#Kernel.grantQuota} */
  grantQuota(pd: PdId, amount: QuotaAmount): void {
    const record = this.#core.pd(pd);
    const { ram, caps } = checkAmount(amount, 'grant');
    this.#core.check(
      this.native.pd_ctrl(this.#core.rootEc, ROOT_PD_SEL, PdOp.TRANSFER_QUOTA, record.sel, caps),
      'pd_ctrl',
    );
    record.ramLimit += ram;
  }

  /** {@inheritDoc @os/kernel#Kernel.transferQuota} */
  transferQuota(from: PdId, to: PdId, amount: QuotaAmount): void {
    const core = this.#core;
    const source = core.pd(from);
    const target = core.pd(to);
    const { ram, caps } = checkAmount(amount, 'transfer');
    if (source.ramLimit - source.ramUsed < ram)
      throw new QuotaExceededError(source.label, 'ram', ram, source.ramLimit - source.ramUsed);
    const status = this.native.pd_ctrl(core.rootEc, source.sel, PdOp.TRANSFER_QUOTA, target.sel, caps);
    if (status !== Status.SUCCESS) {
      const quota = core.quota(source);
      throw new QuotaExceededError(source.label, 'caps', caps, quota.capLimit - quota.capUsed);
    }
    source.ramLimit -= ram;
    target.ramLimit += ram;
  }

  /** {@inheritDoc @os/kernel#Kernel.quota} */
  quota(pd: PdId): QuotaState {
    return this.#core.quota(this.#core.pd(pd));
  }

  /** {@inheritDoc @os/kernel#Kernel.delegate} */
  delegate(from: PdId, selector: Selector, to: PdId): Selector {
    return this.#core.delegate(this.#core.pd(from), selector, this.#core.pd(to));
  }

  /** {@inheritDoc @os/kernel#Kernel.capSpace} */
  capSpace(pd: PdId): CapSpaceEntry[] {
    return this.#core.capSpace(this.#core.pd(pd));
  }

  /** {@inheritDoc @os/kernel#Kernel.setTrace} */
  setTrace(hook: TraceHook | null): void {
    this.native.setTrace(hook);
  }

  /** {@inheritDoc @os/kernel#Kernel.settle} */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

function checkAmount(amount: QuotaAmount, what: string): { ram: number; caps: number } {
  const ram = amount.ram ?? 0;
  const caps = amount.caps ?? 0;
  if (!Number.isSafeInteger(ram) || !Number.isSafeInteger(caps) || ram < 0 || caps < 0) {
    throw new InvalidArgumentError(`quota ${what} needs non-negative integers, got ram=${ram} caps=${caps}`);
  }
  return { ram, caps };
}

/** Creates a NOVA kernel behind the seam: the factory the conformance suite and `boot` take. */
export function createNovaKernel(options: NovaSeamOptions = {}): Kernel {
  return new NovaSeamKernel(options);
}

import {
  type CapSpaceEntry,
  type Clock,
  DestroyedError,
  type Kernel,
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
import { ObjectType, Sel4Constants } from '../native/constants.js';
import type { Sel4Kernel } from '../native/sel4-kernel.js';
import type { Tcb } from '../native/tcb.js';
import { SeamCore, type Sel4SeamOptions } from './core.js';
import { SEAM_IPC_BUFFER_SIZE } from './protocol.js';
import type { SeamPd } from './records.js';
import { SeamThread } from './seam-thread.js';

const PAGE = 2 ** Sel4Constants.seL4_PageBits;

/** Options of {@link createSel4Kernel}: the seam's, plus seL4's own sizes. */
export type Sel4KernelSeamOptions = Sel4SeamOptions;

/**
 * The seL4 model behind the `@os/kernel` seam, mapped the way Genode's base-sel4 maps Genode onto seL4:
 * an RPC object is a badged endpoint cap minted from its entrypoint's endpoint, a server loops in
 * `seL4_ReplyRecv`, signals go through notifications, quota is untyped memory, and core does every
 * privileged step as a CNode or Untyped invocation. `native` is the kernel itself.
 */
export class Sel4SeamKernel implements Kernel {
  /** The backend name, always `sel4`. */
  readonly name = 'sel4';
  readonly #core: SeamCore;

  /** Boots a seL4 kernel and core. */
  constructor(options: Sel4KernelSeamOptions = {}) {
    this.#core = new SeamCore(options);
  }

  /** The seL4 model underneath: speak its own calls with the core thread {@link Sel4SeamKernel.coreThread}. */
  get native(): Sel4Kernel {
    return this.#core.kernel;
  }

  /** Core's thread (the root task) in the native model. */
  get coreThread(): Tcb {
    return this.#core.tcb;
  }

  /** {@inheritDoc @os/kernel#Kernel.ipcBufferSize} */
  get ipcBufferSize(): number {
    return SEAM_IPC_BUFFER_SIZE;
  }

  /** {@inheritDoc @os/kernel#Kernel.capSpaceSize} */
  get capSpaceSize(): number {
    return this.#core.capSpaceSize;
  }

  /** {@inheritDoc @os/kernel#Kernel.clock} */
  get clock(): Clock {
    return this.#core.clock;
  }

  #pd(id: PdId): SeamPd {
    const pd = this.#core.pds.get(id);
    if (pd === undefined || !pd.alive) throw new DestroyedError(`PD ${id}`);
    return pd;
  }

  /** {@inheritDoc @os/kernel#Kernel.createPd} */
  createPd(label: string): PdId {
    const pd = this.#core.createPd(label);
    if (this.#core.trace !== null)
      this.#core.emit({ operation: 'create-pd', pd: label, detail: 'Untyped_Retype (CNodes)' });
    return pd.id;
  }

  /** {@inheritDoc @os/kernel#Kernel.destroyPd} */
  destroyPd(id: PdId): Required<QuotaAmount> {
    const core = this.#core;
    const pd = this.#pd(id);
    for (const thread of [...pd.threads]) thread.destroy(`thread "${thread.label}" was destroyed`);
    for (const object of [...pd.owned]) core.destroyObject(object);
    for (const key of [...pd.selectorByKey.keys()]) {
      const object = core.objects.get(key);
      if (object !== undefined) core.unbind(pd, object);
    }
    core.deleteCNodes(pd);
    pd.alive = false;
    core.pds.delete(id);
    if (core.trace !== null) core.emit({ operation: 'destroy-pd', pd: pd.label, detail: 'CNode_Delete (its CNodes)' });
    return { ram: pd.ramLimit, caps: pd.capLimit };
  }

  /** {@inheritDoc @os/kernel#Kernel.createThread} */
  createThread(id: PdId, label: string): KernelThread {
    const core = this.#core;
    const pd = this.#pd(id);
    const tcbSlot = core.retype(ObjectType.seL4_TCBObject, 0);
    core.check(core.kernel.seL4_TCB_Configure(core.tcb, tcbSlot, 0, pd.top, core.rootGuard()), 'TCB_Configure');
    core.kernel.seL4_DebugNameThread(core.tcb, tcbSlot, label);
    core.check(core.kernel.seL4_TCB_Resume(core.tcb, tcbSlot), 'TCB_Resume');
    const tcb = core.kernel.threadOf(core.tcb, tcbSlot);
    const thread = new SeamThread(core, pd, label, tcb, tcbSlot);
    core.threads.set(tcb, thread);
    pd.threads.add(thread);
    if (core.trace !== null)
      core.emit({ operation: 'create-thread', pd: pd.label, thread: label, detail: 'TCB_Configure' });
    return thread;
  }

  /** {@inheritDoc @os/kernel#Kernel.destroyThread} */
  destroyThread(thread: KernelThread): void {
    if (!(thread instanceof SeamThread) || thread.core !== this.#core)
      throw new ThreadStateError(`thread "${thread.label}" does not belong to this sel4 kernel`);
    thread.destroy(`thread "${thread.label}" was destroyed`);
    if (this.#core.trace !== null)
      this.#core.emit({
        operation: 'destroy-thread',
        pd: thread.spd.label,
        thread: thread.label,
        detail: 'CNode_Delete (TCB)',
      });
  }

  /** {@inheritDoc @os/kernel#Kernel.grantQuota} */
  grantQuota(id: PdId, amount: QuotaAmount): void {
    const pd = this.#pd(id);
    const ram = amount.ram ?? 0;
    const caps = amount.caps ?? 0;
    if (!Number.isSafeInteger(ram) || !Number.isSafeInteger(caps) || ram < 0 || caps < 0) {
      throw new InvalidArgumentError(`quota grant needs non-negative integers, got ram=${ram} caps=${caps}`);
    }
    this.#core.grantPages(pd, Math.floor((pd.ramLimit + ram) / PAGE) - Math.floor(pd.ramLimit / PAGE));
    pd.ramLimit += ram;
    pd.capLimit += caps;
  }

  /** {@inheritDoc @os/kernel#Kernel.transferQuota} */
  transferQuota(fromId: PdId, toId: PdId, amount: QuotaAmount): void {
    const core = this.#core;
    const from = this.#pd(fromId);
    const to = this.#pd(toId);
    const ram = amount.ram ?? 0;
    const caps = amount.caps ?? 0;
    if (!Number.isSafeInteger(ram) || !Number.isSafeInteger(caps) || ram < 0 || caps < 0) {
      throw new InvalidArgumentError(`quota transfer needs non-negative integers, got ram=${ram} caps=${caps}`);
    }
    if (from.ramLimit - from.ramUsed < ram)
      throw new QuotaExceededError(from.label, 'ram', ram, from.ramLimit - from.ramUsed);
    if (from.capLimit - from.capUsed < caps)
      throw new QuotaExceededError(from.label, 'caps', caps, from.capLimit - from.capUsed);
    const pages = Math.floor(from.ramLimit / PAGE) - Math.floor((from.ramLimit - ram) / PAGE);
    const moved = core.takePages(from, pages);
    to.pool.push(...moved);
    const extra = Math.floor((to.ramLimit + ram) / PAGE) - Math.floor(to.ramLimit / PAGE) - pages;
    if (extra > 0) core.grantPages(to, extra);
    from.ramLimit -= ram;
    from.capLimit -= caps;
    to.ramLimit += ram;
    to.capLimit += caps;
    if (core.trace !== null)
      core.emit({
        operation: 'transfer-quota',
        pd: from.label,
        target: to.label,
        detail: `Untyped (${moved.length} caps, ${pages} pages, move to the receiver pool) ram=${ram} caps=${caps}`,
      });
  }

  /** {@inheritDoc @os/kernel#Kernel.quota} */
  quota(id: PdId): QuotaState {
    const { ramLimit, ramUsed, capLimit, capUsed } = this.#pd(id);
    return { ramLimit, ramUsed, capLimit, capUsed };
  }

  /** {@inheritDoc @os/kernel#Kernel.delegate} */
  delegate(from: PdId, selector: Selector, to: PdId): Selector {
    return this.#core.delegate(this.#pd(from), selector, this.#pd(to));
  }

  /** {@inheritDoc @os/kernel#Kernel.capSpace} */
  capSpace(id: PdId): CapSpaceEntry[] {
    const pd = this.#pd(id);
    const entries: CapSpaceEntry[] = [];
    for (const [key, selector] of pd.selectorByKey) {
      const object = this.#core.objects.get(key);
      if (object?.alive) entries.push({ selector, object: key, kind: object.kind });
    }
    return entries.sort((a, b) => a.selector - b.selector);
  }

  /** {@inheritDoc @os/kernel#Kernel.setTrace} */
  setTrace(hook: TraceHook | null): void {
    this.#core.trace = hook;
  }

  /** {@inheritDoc @os/kernel#Kernel.settle} */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Creates a seL4 kernel behind the seam: the factory the conformance suite and `boot` take. */
export function createSel4Kernel(options: Sel4KernelSeamOptions = {}): Kernel {
  return new Sel4SeamKernel(options);
}

import {
  CapSpaceExhaustedError,
  type Clock,
  InvalidCapabilityError,
  KernelError,
  NotOwnerError,
  PAGE_SIZE,
  QuotaExceededError,
  type TraceEvent,
  type TraceHook,
  pageRound,
  releaseMemory,
  InvalidArgumentError,
  CAP_SPACE_LEAF,
  capSpaceRoom,
} from '@os/kernel';
import { RealClock } from '@os/kernel/host';
import { InitialCaps, ObjectType, SEL4_ERROR_NAMES, Sel4Constants, Sel4Error } from '../native/constants.js';
import { Rights, seL4_CNode_CapData_new } from '../native/message-info.js';
import { Sel4Kernel } from '../native/sel4-kernel.js';
import type { Tcb } from '../native/tcb.js';
import { bit } from '../native/words.js';
import { type DataspacePage, type PoolUntyped, SeamObject, SeamPd } from './records.js';
import { rpcBadge } from './protocol.js';
import type { SeamThread } from './seam-thread.js';

const CNODE = InitialCaps.seL4_CapInitThreadCNode;
const WORD = Sel4Constants.seL4_WordBits;
const PAGE_BITS = Sel4Constants.seL4_PageBits;

/** Radix of a PD's leaves: second-level CNodes of `CAP_SPACE_LEAF` (2^12) slots. */
const LEAF_BITS = Math.log2(CAP_SPACE_LEAF);
/** Radix of a PD's directory, the first-level CNode whose slots hold its leaves. */
const DIRECTORY_BITS = 13;
/** Bits of a CPtr in a PD's CSpace: directory index, then leaf index. A PD has 2^25 CPtrs. */
const SELECTOR_BITS = DIRECTORY_BITS + LEAF_BITS;
/** The most kernel caps of a PD (its CNode cap, endpoints, receive slots): 2^14, or fewer with a small base. */
const MAX_INFRA_SLOTS = 2 ** 14;

/** Sizes of the seL4 kernel behind the seam. */
export interface Sel4SeamOptions {
  /**
   * Selectors every PD has (as base-sel4's 2^14), up to 2^24; one whose cap quota pays for more has more
   * (`capSpaceRoom`). Core's range of a PD's CSpace, for its kernel caps, starts at the next power of two and has as
   * many slots, at most 2^14. Default 16 384.
   */
  readonly capSpaceSize?: number;
  /** The clock timeouts run on. Default: a `RealClock`. */
  readonly clock?: Clock;
  /** log2 slots of core's CNode, where every kernel object's original cap lives. Default 20. */
  readonly coreCNodeSizeBits?: number;
}

/**
 * Core, as Genode's core on seL4 is: the root task holding the original of every capability, every
 * PD's CNodes and all untyped memory, doing the seam's privileged operations as seL4 invocations.
 */
export class SeamCore {
  /** The kernel. */
  readonly kernel: Sel4Kernel;
  /** Core's thread: every invocation below is made by it. */
  readonly tcb: Tcb;
  /** Selectors every PD has; more where its cap quota pays for more (see {@link SeamCore.room}). */
  readonly capSpaceSize: number;
  /** Bits of a CPtr in a PD's CSpace: its directory's index, then its leaf's. */
  readonly selectorBits = SELECTOR_BITS;
  /** The first of core's CPtrs in a PD's CSpace, for its kernel caps: the power of two at or above `capSpaceSize`. */
  readonly infraStart: number;
  /** Core's CPtrs in a PD's CSpace: its kernel-caps slots. */
  readonly infraSlots: number;
  /** The clock. */
  readonly clock: Clock;
  /** Every seam object by key. */
  readonly objects = new Map<number, SeamObject>();
  /** Every live PD by id. */
  readonly pds = new Map<number, SeamPd>();
  /** The seam thread driving each TCB. */
  readonly threads = new Map<Tcb, SeamThread>();
  /** The trace hook, or null. */
  trace: TraceHook | null = null;
  /** Core's own endpoint: dataspace capabilities are badged caps to it (core's dataspace RPC objects). */
  readonly coreEndpoint: number;
  readonly #untyped: number;
  readonly #slotLimit: number;
  #nextSlot: number;
  readonly #freeSlots: number[] = [];
  #nextKey = 1;
  #nextPd = 1;

  /** Boots the kernel and sets core up. */
  constructor(options: Sel4SeamOptions = {}) {
    const capSpaceSize = options.capSpaceSize ?? 16_384;
    if (!Number.isSafeInteger(capSpaceSize) || capSpaceSize < 2 || capSpaceSize > 2 ** 24) {
      throw new RangeError(`capSpaceSize must be an integer from 2 to 2^24, got ${capSpaceSize}`);
    }
    this.capSpaceSize = capSpaceSize;
    this.infraStart = bit(Math.ceil(Math.log2(capSpaceSize)));
    this.infraSlots = Math.min(this.infraStart, MAX_INFRA_SLOTS);
    this.clock = options.clock ?? new RealClock();
    const coreBits = options.coreCNodeSizeBits ?? 20;
    this.kernel = new Sel4Kernel({ rootCNodeSizeBits: coreBits });
    const boot = this.kernel.bootstrap();
    this.kernel.seL4_DebugNameThread(boot.tcb, InitialCaps.seL4_CapInitThreadTCB, 'core');
    this.tcb = boot.tcb;
    this.#untyped = boot.untyped;
    this.#nextSlot = boot.empty.start;
    this.#slotLimit = boot.empty.end;
    this.coreEndpoint = this.retype(ObjectType.seL4_EndpointObject, 0);
  }

  /** Reports a trace event if a hook is installed. */
  emit(event: TraceEvent): void {
    this.trace?.(event);
  }

  /** A fresh key (Genode's `unique_id_cnt`). */
  nextKey(): number {
    return this.#nextKey++;
  }

  /** A fresh PD id. */
  nextPdId(): number {
    return this.#nextPd++;
  }

  // ------------------------------------------------------------------ core's slots and invocations

  /** A free slot of core's CNode. */
  allocSlot(): number {
    const slot = this.#freeSlots.pop();
    if (slot !== undefined) return slot;
    if (this.#nextSlot >= this.#slotLimit) throw new CapSpaceExhaustedError('core', this.#slotLimit);
    return this.#nextSlot++;
  }

  /** Two adjacent free slots of core's CNode (a retype window of two). */
  #allocPair(): number {
    if (this.#nextSlot + 2 > this.#slotLimit) throw new CapSpaceExhaustedError('core', this.#slotLimit);
    const first = this.#nextSlot;
    this.#nextSlot += 2;
    return first;
  }

  /** Returns a slot of core's CNode, emptied by the caller. */
  freeSlot(slot: number): void {
    this.#freeSlots.push(slot);
  }

  /** Fails loudly if core's own invocation went wrong: an inconsistency of the adapter, never the user's fault. */
  check(code: number, what: string): void {
    if (code !== Sel4Error.seL4_NoError)
      throw new KernelError(`core: ${what} failed with ${SEL4_ERROR_NAMES[code] ?? code}`);
  }

  /** `Untyped_Retype` of one object from untyped `from` (default: the boot untyped) into a fresh core slot. */
  retype(type: number, sizeBits: number, from = this.#untyped): number {
    const slot = this.allocSlot();
    const code = this.kernel.seL4_Untyped_Retype(this.tcb, from, type, sizeBits, CNODE, 0, 0, slot, 1);
    if (code !== Sel4Error.seL4_NoError) this.freeSlot(slot);
    this.check(code, `Untyped_Retype of object type ${type}`);
    return slot;
  }

  /** `CNode_Mint` within core's CNode: a badged child of `source`. */
  mint(source: number, badge: number): number {
    const slot = this.allocSlot();
    this.check(
      this.kernel.seL4_CNode_Mint(this.tcb, CNODE, slot, WORD, CNODE, source, WORD, Rights.seL4_AllRights, badge),
      'CNode_Mint',
    );
    return slot;
  }

  /** `CNode_Delete` of a core slot. */
  delete(slot: number): void {
    this.check(this.kernel.seL4_CNode_Delete(this.tcb, CNODE, slot, WORD), 'CNode_Delete');
    this.freeSlot(slot);
  }

  /** `CNode_Revoke` of a core slot: every cap derived from it, in every CSpace, goes. */
  revoke(slot: number): void {
    this.check(this.kernel.seL4_CNode_Revoke(this.tcb, CNODE, slot, WORD), 'CNode_Revoke');
  }

  /** `CNode_CancelBadgedSends` on a badged endpoint original in core. */
  cancelBadgedSends(slot: number): void {
    this.check(this.kernel.seL4_CNode_CancelBadgedSends(this.tcb, CNODE, slot, WORD), 'CNode_CancelBadgedSends');
  }

  // ------------------------------------------------------------------ PD CSpaces

  /**
   * Creates a PD's CSpace as base-sel4's core does: a first-level CNode (the directory) whose slots take second-level
   * CNodes (leaves) of 4096 slots. Its CPtrs from `infraStart` on (`infraSlots` of them) are core's, for the PD's
   * own kernel caps (its CNode cap, endpoints, receive slots; base-sel4's core-managed selectors); selectors take the
   * others. The leaves of that range are made now, the others as selectors first need them (see
   * {@link SeamCore.allocSelector}). Core retypes them all from its own untyped memory, as base-sel4's core does a
   * PD's CNodes from its RAM.
   */
  createPd(label: string): SeamPd {
    const top = this.retype(ObjectType.seL4_CapTableObject, DIRECTORY_BITS);
    const pd = new SeamPd(this.nextPdId(), label, top);
    const last = (this.infraStart + this.infraSlots - 1) >>> LEAF_BITS;
    for (let leaf = this.infraStart >>> LEAF_BITS; leaf <= last; leaf++) this.#addLeaf(pd, leaf);
    // the PD's own CNode cap, guarded as its threads' root, at kernel-caps slot 0 (its receive path root)
    this.check(
      this.kernel.seL4_CNode_Mint(
        this.tcb,
        top,
        this.infraPath(0),
        SELECTOR_BITS,
        CNODE,
        top,
        WORD,
        Rights.seL4_AllRights,
        this.rootGuard(),
      ),
      'CNode_Mint',
    );
    this.pds.set(pd.id, pd);
    return pd;
  }

  /**
   * Adds leaf `index` to `pd`'s CSpace: `Untyped_Retype` of a CNode of 4096 slots from core's untyped, `CNode_Copy`
   * into slot `index` of its directory (base-sel4's core makes each second-level CNode the same way).
   */
  #addLeaf(pd: SeamPd, index: number): void {
    const leaf = this.retype(ObjectType.seL4_CapTableObject, LEAF_BITS);
    this.check(
      this.kernel.seL4_CNode_Copy(this.tcb, pd.top, index, DIRECTORY_BITS, CNODE, leaf, WORD, Rights.seL4_AllRights),
      'CNode_Copy (selector leaf)',
    );
    pd.leaves.set(index, leaf);
    if (this.trace !== null)
      this.emit({
        operation: 'native',
        pd: pd.label,
        detail: `Untyped_Retype + CNode_Copy (leaf ${index}: CPtrs from ${index * CAP_SPACE_LEAF})`,
      });
  }

  /** Deletes a destroyed PD's CNodes from core's CNode: its directory and its leaves. */
  deleteCNodes(pd: SeamPd): void {
    this.delete(pd.top);
    for (const leaf of pd.leaves.values()) this.delete(leaf);
    pd.leaves.clear();
  }

  /** The cap data that guards a PD's directory so its CPtrs resolve with all 64 bits. */
  rootGuard(): number {
    return seL4_CNode_CapData_new(0, WORD - SELECTOR_BITS);
  }

  /** The CPtr (in the PD's own CSpace, and below its directory) of kernel-caps slot `index`. */
  infraPath(index: number): number {
    return this.infraStart + index;
  }

  /** Allocates a kernel-caps slot of `pd`; returns its CPtr in the PD's CSpace. */
  allocInfra(pd: SeamPd): number {
    if (pd.nextInfra >= this.infraSlots) throw new CapSpaceExhaustedError(`${pd.label} (kernel caps)`, this.infraSlots);
    return this.infraPath(pd.nextInfra++);
  }

  /** `CNode_Copy` of core's cap `source` into `pd` at `path` (a selector, or an infra path). */
  copyToPd(pd: SeamPd, path: number, source: number, rights: number = Rights.seL4_AllRights): void {
    this.check(
      this.kernel.seL4_CNode_Copy(this.tcb, pd.top, path, SELECTOR_BITS, CNODE, source, WORD, rights),
      'CNode_Copy',
    );
  }

  /**
   * Selectors `pd` may hold: `capSpaceSize`, or as many as its cap quota pays for (`capSpaceRoom`), at most the CPtrs
   * its CSpace has besides core's. Core keeps to it; the leaves behind it are made as selectors first need them.
   */
  room(pd: SeamPd): number {
    return Math.min(capSpaceRoom(this.capSpaceSize, pd.capLimit), bit(SELECTOR_BITS) - this.infraSlots);
  }

  /** Selectors of `pd` ever handed out, selector 0 (never used) counted: CPtrs below the next fresh one but core's. */
  #selectorsUsed(pd: SeamPd): number {
    return pd.nextSelector > this.infraStart ? pd.nextSelector - this.infraSlots : pd.nextSelector;
  }

  /**
   * A free selector of `pd` (for an object it owns, its reserved selector first). A selector never used before skips
   * core's CPtrs and may need a new leaf, which core makes; past the PD's room it throws `CapSpaceExhaustedError`.
   */
  allocSelector(pd: SeamPd, object?: SeamObject): number {
    if (object !== undefined && object.owner === pd && pd.reserved.delete(object.ownerSelector))
      return object.ownerSelector;
    const free = pd.freeSelectors.pop();
    if (free !== undefined) return free;
    if (this.#selectorsUsed(pd) >= this.room(pd)) throw new CapSpaceExhaustedError(pd.label, this.room(pd));
    if (pd.nextSelector === this.infraStart) pd.nextSelector += this.infraSlots;
    const selector = pd.nextSelector++;
    const leaf = selector >>> LEAF_BITS;
    if (!pd.leaves.has(leaf)) this.#addLeaf(pd, leaf);
    return selector;
  }

  /** Selectors `pd` can still take. */
  freeSelectorCount(pd: SeamPd): number {
    return pd.freeSelectors.length + Math.max(this.room(pd) - this.#selectorsUsed(pd), 0);
  }

  /** Records that `pd` holds `object` at `selector`. */
  bind(pd: SeamPd, selector: number, object: SeamObject): void {
    while (pd.keyBySelector.length <= selector) pd.keyBySelector.push(0);
    pd.keyBySelector[selector] = object.key;
    pd.selectorByKey.set(object.key, selector);
    object.holders.set(pd, selector);
  }

  /** Forgets `pd`'s selector for `object`, freeing (or, for an owned live object, reserving) it. */
  unbind(pd: SeamPd, object: SeamObject): void {
    if (this.#forget(pd, object)) object.holders.delete(pd);
  }

  /** {@link unbind} but for `object.holders`, which the caller updates: whether `pd` held `object`. */
  #forget(pd: SeamPd, object: SeamObject): boolean {
    const selector = pd.selectorByKey.get(object.key);
    if (selector === undefined) return false;
    pd.keyBySelector[selector] = 0;
    pd.selectorByKey.delete(object.key);
    pd.carried.delete(object.key);
    if (object.owner === pd && object.alive && selector === object.ownerSelector) pd.reserved.add(selector);
    else pd.freeSelectors.push(selector);
    return true;
  }

  /** The live object behind `pd`'s `selector`, if any. */
  objectAt(pd: SeamPd, selector: number): SeamObject | undefined {
    if (!Number.isSafeInteger(selector) || selector <= 0) return undefined;
    const key = pd.keyBySelector[selector];
    if (key === undefined || key === 0) return undefined;
    const object = this.objects.get(key);
    return object?.alive ? object : undefined;
  }

  // ------------------------------------------------------------------ RAM: untyped pools

  /** Adds `pages` pages of untyped memory to `pd`'s pool, as power-of-two untypeds retyped from the boot untyped. */
  grantPages(pd: SeamPd, pages: number): void {
    for (let bitIndex = 0; pages > 0; bitIndex++, pages = Math.floor(pages / 2)) {
      if (pages % 2 === 0) continue;
      const sizeBits = PAGE_BITS + bitIndex;
      pd.pool.push({ cptr: this.retype(ObjectType.seL4_UntypedObject, sizeBits), sizeBits });
    }
  }

  /** Free pages in `pd`'s pool. */
  poolPages(pd: SeamPd): number {
    let pages = 0;
    for (const untyped of pd.pool) pages += bit(untyped.sizeBits - PAGE_BITS);
    return pages;
  }

  /** Splits a free untyped of the pool in two halves (`Untyped_Retype` of two untypeds); returns them. */
  #split(pd: SeamPd, untyped: PoolUntyped): [PoolUntyped, PoolUntyped] {
    const first = this.#allocPair();
    const sizeBits = untyped.sizeBits - 1;
    this.check(
      this.kernel.seL4_Untyped_Retype(
        this.tcb,
        untyped.cptr,
        ObjectType.seL4_UntypedObject,
        sizeBits,
        CNODE,
        0,
        0,
        first,
        2,
      ),
      'Untyped_Retype (split)',
    );
    pd.pool.splice(pd.pool.indexOf(untyped), 1);
    const halves: [PoolUntyped, PoolUntyped] = [
      { cptr: first, sizeBits },
      { cptr: first + 1, sizeBits },
    ];
    pd.pool.push(...halves);
    return halves;
  }

  /** Takes untypeds of exactly `pages` pages out of `pd`'s pool, splitting as needed. */
  takePages(pd: SeamPd, pages: number): PoolUntyped[] {
    if (this.poolPages(pd) < pages)
      throw new QuotaExceededError(pd.label, 'ram', pages * bit(PAGE_BITS), this.poolPages(pd) * bit(PAGE_BITS));
    const taken: PoolUntyped[] = [];
    let need = pages;
    while (need > 0) {
      let fit: PoolUntyped | undefined;
      let larger: PoolUntyped | undefined;
      for (const untyped of pd.pool) {
        const size = bit(untyped.sizeBits - PAGE_BITS);
        if (size <= need && (fit === undefined || untyped.sizeBits > fit.sizeBits)) fit = untyped;
        if (size > need && (larger === undefined || untyped.sizeBits < larger.sizeBits)) larger = untyped;
      }
      if (fit !== undefined) {
        pd.pool.splice(pd.pool.indexOf(fit), 1);
        taken.push(fit);
        need -= bit(fit.sizeBits - PAGE_BITS);
      } else {
        this.#split(pd, larger as PoolUntyped);
      }
    }
    return taken;
  }

  /** Takes one page-sized untyped out of `pd`'s pool. */
  takePage(pd: SeamPd): PoolUntyped {
    return this.takePages(pd, 1)[0] as PoolUntyped;
  }

  // ------------------------------------------------------------------ seam objects

  /**
   * Retypes a dataspace's frames from `pd`'s pool and gives `pd` a capability to it (a badged cap to core's endpoint).
   */
  allocDataspace(pd: SeamPd, size: number, actor: string): number {
    if (!Number.isSafeInteger(size) || size <= 0)
      throw new InvalidArgumentError(`dataspace size must be a positive integer, got ${size}`);
    const charged = pageRound(size);
    if (pd.ramUsed + charged > pd.ramLimit)
      throw new QuotaExceededError(pd.label, 'ram', charged, pd.ramLimit - pd.ramUsed);
    if (pd.capUsed + 1 > pd.capLimit) throw new QuotaExceededError(pd.label, 'caps', 1, pd.capLimit - pd.capUsed);
    if (this.freeSelectorCount(pd) < 1) throw new CapSpaceExhaustedError(pd.label, this.room(pd));
    const pages: DataspacePage[] = [];
    try {
      for (let i = 0; i < charged / PAGE_SIZE; i++) {
        const untyped = this.takePage(pd);
        const frame = this.allocSlot();
        const code = this.kernel.seL4_Untyped_Retype(
          this.tcb,
          untyped.cptr,
          ObjectType.seL4_FrameObject,
          0,
          CNODE,
          0,
          0,
          frame,
          1,
        );
        if (code !== Sel4Error.seL4_NoError) {
          this.freeSlot(frame);
          pd.pool.push(untyped);
          throw new QuotaExceededError(pd.label, 'ram', charged, pd.ramLimit - pd.ramUsed);
        }
        pages.push({ frame, untyped: untyped.cptr });
      }
    } catch (error) {
      this.#freePages(pd, pages);
      throw error;
    }
    const selector = this.allocSelector(pd);
    const key = this.nextKey();
    const original = this.mint(this.coreEndpoint, rpcBadge(key));
    this.copyToPd(pd, selector, original);
    const object = new SeamObject(key, 'dataspace', pd, original, selector, null, 0);
    object.memory = new ArrayBuffer(size);
    object.pages = pages;
    this.objects.set(key, object);
    this.bind(pd, selector, object);
    pd.owned.add(object);
    pd.capUsed++;
    pd.ramUsed += charged;
    if (this.trace !== null)
      this.emit({
        operation: 'create-dataspace',
        pd: pd.label,
        thread: actor,
        selector,
        bytes: size,
        detail: `Untyped_Retype (${pages.length} x seL4_FrameObject)`,
      });
    return selector;
  }

  #freePages(pd: SeamPd, pages: readonly DataspacePage[]): void {
    for (const page of pages) {
      this.delete(page.frame);
      if (pd.alive) pd.pool.push({ cptr: page.untyped, sizeBits: PAGE_BITS });
    }
  }

  /** Copies `from`'s capability into `to` (`CNode_Copy`); a PD already holding the object keeps its selector. */
  delegate(from: SeamPd, selector: number, to: SeamPd): number {
    const object = this.objectAt(from, selector);
    if (object === undefined) throw new InvalidCapabilityError(selector, 'CNode_Copy', from.label);
    const held = to.selectorByKey.get(object.key);
    if (held !== undefined) {
      // handed over in the open now: a message still on its way that carried it must not report it new
      to.carried.delete(object.key);
      return held;
    }
    const target = this.allocSelector(to, object);
    const bits = SELECTOR_BITS;
    this.check(
      this.kernel.seL4_CNode_Copy(this.tcb, to.top, target, bits, from.top, selector, bits, Rights.seL4_AllRights),
      'CNode_Copy',
    );
    this.bind(to, target, object);
    if (this.trace !== null)
      this.emit({
        operation: 'delegate',
        pd: from.label,
        selector,
        target: to.label,
        caps: [target],
        detail: 'CNode_Copy',
      });
    return target;
  }

  /** Deletes `pd`'s capability (`CNode_Delete`); other holders keep theirs. */
  freeSelector(pd: SeamPd, selector: number, actor: string): void {
    const object = this.objectAt(pd, selector);
    if (object === undefined) throw new InvalidCapabilityError(selector, 'CNode_Delete', pd.label);
    this.check(this.kernel.seL4_CNode_Delete(this.tcb, pd.top, selector, SELECTOR_BITS), 'CNode_Delete');
    this.unbind(pd, object);
    if (this.trace !== null)
      this.emit({ operation: 'free', pd: pd.label, thread: actor, selector, detail: 'CNode_Delete' });
  }

  /** Destroys an object `pd` owns: `CNode_Revoke` of its original removes every copy in every CSpace. */
  dissolve(pd: SeamPd, selector: number, actor: string): void {
    const object = this.objectAt(pd, selector);
    if (object === undefined) throw new InvalidCapabilityError(selector, 'CNode_Revoke', pd.label);
    if (object.owner !== pd) throw new NotOwnerError(selector, 'CNode_Revoke', pd.label);
    this.destroyObject(object);
    if (this.trace !== null)
      this.emit({ operation: 'dissolve', pd: pd.label, thread: actor, selector, detail: 'CNode_Revoke' });
  }

  /** Revokes and deletes the object's original; queued calls to it restart and fail; its quota returns. */
  destroyObject(object: SeamObject): void {
    if (!object.alive) return;
    object.alive = false;
    this.revoke(object.original);
    if (object.kind === 'rpc-object') this.cancelBadgedSends(object.original);
    this.delete(object.original);
    // no copy of the holders and no delete per holder: each would allocate (a shrinking table rehashes)
    // in proportion to the holders, and a revoke of 100 000 then spends a third of its time in scavenges
    for (const holder of object.holders.keys()) this.#forget(holder, object);
    object.holders.clear();
    const owner = object.owner;
    if (owner.reserved.delete(object.ownerSelector)) owner.freeSelectors.push(object.ownerSelector);
    owner.owned.delete(object);
    owner.capUsed--;
    if (object.kind === 'signal-context') {
      const receiver = object.thread;
      if (receiver !== null) {
        const index = receiver.signals.indexOf(object);
        if (index >= 0) receiver.signals.splice(index, 1);
      }
      object.queued = false;
      object.count = 0;
    }
    if (object.memory !== null) {
      this.#freePages(owner, object.pages);
      owner.ramUsed -= pageRound(object.memory.byteLength);
      releaseMemory(object.memory);
      object.pages = [];
    }
    this.objects.delete(object.key);
  }
}

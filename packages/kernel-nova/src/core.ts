import {
  CapSpaceExhaustedError,
  type CapSpaceEntry,
  DestroyedError,
  InvalidCapabilityError,
  type ObjectKind,
  QuotaExceededError,
  type QuotaState,
  capSpaceRoom,
} from '@os/kernel';
import { Crd, MAX_ORDER, Rights } from './crd.js';
import type { NovaEc } from './ec.js';
import type { Kobject } from './kobject.js';
import type { MemoryObject } from './memory.js';
import { type NovaKernel, PdOp, ROOT_PD_SEL } from './nova-kernel.js';
import type { NovaPd } from './pd.js';
import { SelectorAllocator } from './selector-allocator.js';
import { Status, statusName } from './status.js';
import { type Utcb, XferKind } from './utcb.js';

/** Selectors below this are Genode's reserved exception and startup selectors (`NUM_INITIAL_PT_RESERVED`). */
export const FIRST_SELECTOR = 64;
/**
 * Selectors between the reserved ones and a PD's seam range, for the adapter's own objects (EC caps, semaphores, proxy
 * portals).
 */
export const INFRA_SELECTORS = 1024;

/** The first selector of a PD's seam range: the capabilities the seam counts. */
export const SEAM_SELECTOR = FIRST_SELECTOR + INFRA_SELECTORS;

/**
 * The most selectors a PD's seam range may grow to, whatever its quota: 2^24, the object space the seam asks NOVA
 * for (its pages are kernel memory, allocated as they are used).
 */
export const MAX_SEAM_SELECTORS = 2 ** 24;

/** A seam object: what core created for a PD, and where core's own (root) mapping of it sits. */
export interface ObjectRecord {
  /** What the seam calls it. */
  readonly kind: ObjectKind;
  /** The PD that created it and may dissolve it. */
  readonly owner: SeamPd;
  /** Core's selector of it (the root mapping). */
  readonly rootSel: number;
  /** The kernel object (a portal, or a signal semaphore). */
  readonly object: Kobject;
  /** The owner's selector at creation: the portal id, kept reserved while the object lives. */
  readonly ownSel: number;
  /** Dataspaces: size in bytes, first page in core's memory space, pages. */
  readonly size: number;
  readonly memPage: number;
  readonly pages: number;
  /** Signal contexts: the imprint the seam delivers, and core's context number (the SM's value). */
  readonly imprint: number;
  readonly contextId: number;
  /** Dataspaces: the PDs that attached it, whose mappings of it dissolving forgets; null for other kinds. */
  readonly attachedBy: Set<SeamPd> | null;
}

/**
 * Core's books of one PD: its selector, RAM quota (a Genode notion, kept here) and the kernel-memory part funded for
 * threads.
 */
export interface SeamPd {
  readonly native: NovaPd;
  readonly sel: number;
  readonly label: string;
  readonly allocator: SelectorAllocator;
  readonly infra: SelectorAllocator;
  readonly owned: Set<ObjectRecord>;
  readonly threads: Set<{ destroy(): void }>;
  readonly attached: Map<ObjectRecord, number>;
  ramLimit: number;
  ramUsed: number;
  /** Kernel-memory units core transferred for the PD's thread objects; not part of its seam cap quota. */
  allowance: number;
  nextUtcb: number;
  nextPage: number;
}

/**
 * The root PD's side of the adapter: what Genode's core does on NOVA. It creates portals, signal
 * semaphores and PDs in its own object space, imprints portal ids, delegates to PDs, funds their
 * threads' kernel memory, and revokes.
 */
export class Core {
  readonly records = new Map<Kobject, ObjectRecord>();
  /** Signal contexts by context number: what a delivered semaphore value names (Genode's imprint lookup). */
  readonly contexts = new Map<number, ObjectRecord>();
  readonly pds = new Map<number, SeamPd>();
  readonly rootEc: NovaEc;
  readonly coreEp: NovaEc;
  readonly coreEpSel: number;
  #nextRootSel = 64;
  readonly #freeRootSels: number[] = [];
  #nextContext = 1;

  /** `capSpaceSize`: selectors of every PD's seam range, more where its cap quota pays for more. */
  constructor(
    readonly native: NovaKernel,
    readonly capSpaceSize: number,
  ) {
    this.rootEc = native.rootEc;
    this.coreEpSel = this.rootSel();
    this.check(native.create_ec(this.rootEc, this.coreEpSel, ROOT_PD_SEL, 0, 4096, 0, false, 'core.ep'), 'create_ec');
    this.coreEp = native.objectAt(native.root, this.coreEpSel) as NovaEc;
  }

  /** A free selector of core's own space. */
  rootSel(): number {
    return this.#freeRootSels.pop() ?? this.#nextRootSel++;
  }

  /** Gives a selector of core's space back once nothing is mapped there. */
  freeRootSel(sel: number): void {
    if (this.native.root.objects[sel] === undefined) this.#freeRootSels.push(sel);
  }

  /** A fresh signal-context number (the value of its semaphore, as Genode's imprint pointer is). */
  nextContextId(): number {
    return this.#nextContext++;
  }

  /** Throws if a hypercall core makes on its own behalf fails: that would be a bug of the adapter. */
  check(status: Status, what: string): void {
    if (status !== Status.SUCCESS) throw new Error(`core: ${what} failed with ${statusName(status)}`);
  }

  pd(id: number): SeamPd {
    const pd = this.pds.get(id);
    if (pd === undefined) throw new DestroyedError(`PD ${id}`);
    return pd;
  }

  createPd(label: string): SeamPd {
    const sel = this.rootSel();
    this.check(this.native.create_pd(this.rootEc, sel, ROOT_PD_SEL, Crd.NULL, 0, 0, label), 'create_pd');
    const native = this.native.objectAt(this.native.root, sel) as NovaPd;
    const pd: SeamPd = {
      native,
      sel,
      label,
      allocator: new SelectorAllocator(native, SEAM_SELECTOR, () => this.room(pd), label),
      infra: new SelectorAllocator(native, FIRST_SELECTOR, () => INFRA_SELECTORS, `${label} (infrastructure)`),
      owned: new Set(),
      threads: new Set(),
      attached: new Map(),
      ramLimit: 0,
      ramUsed: 0,
      allowance: 0,
      nextUtcb: 1,
      nextPage: 256,
    };
    this.pds.set(native.serial, pd);
    return pd;
  }

  /**
   * Selectors of `pd`'s seam range: as many as its cap quota pays for (`capSpaceRoom`), at least `capSpaceSize`.
   * NOVA's object space is that large from the start; what bounds it is the kernel memory of its pages, which the PD's
   * quota pays (Genode's core upgrades a PD's kernel quota from its PD session when NOVA reports it out of memory).
   */
  room(pd: SeamPd): number {
    return Math.min(capSpaceRoom(this.capSpaceSize, pd.native.quota.limit - pd.allowance), MAX_SEAM_SELECTORS);
  }

  /** Transfers `units` of kernel memory from core to `pd` for objects of its threads (`pd_ctrl`). */
  fund(pd: SeamPd, units: number): void {
    this.check(this.native.pd_ctrl(this.rootEc, ROOT_PD_SEL, PdOp.TRANSFER_QUOTA, pd.sel, units), 'pd_ctrl');
    pd.allowance += units;
  }

  /** Takes back thread funding once the objects it paid for are gone. */
  unfund(pd: SeamPd, units: number): void {
    if (!pd.native.alive) return;
    const status = this.native.pd_ctrl(this.rootEc, pd.sel, PdOp.TRANSFER_QUOTA, ROOT_PD_SEL, units);
    if (status === Status.SUCCESS) pd.allowance -= units;
  }

  quota(pd: SeamPd): QuotaState {
    const quota = pd.native.quota;
    return {
      ramLimit: pd.ramLimit,
      ramUsed: pd.ramUsed,
      capLimit: quota.limit - pd.allowance,
      capUsed: quota.used - pd.allowance,
    };
  }

  /** The seam's error for a QUO_OOM of `pd`. */
  outOfCaps(pd: SeamPd): QuotaExceededError {
    const quota = this.quota(pd);
    return new QuotaExceededError(pd.label, 'caps', 1, quota.capLimit - quota.capUsed);
  }

  /**
   * Delegates core's object at `rootSel` into `pd` at a selector of `allocator` (a free one, or
   * `at`), with `rights`; returns the PD's selector.
   */
  delegateFromRoot(rootSel: number, pd: SeamPd, allocator: SelectorAllocator, at?: number): number {
    const sel = at ?? allocator.alloc();
    const utcb = this.rootEc.utcb;
    utcb.clear();
    utcb.appendItem(XferKind.DELEGATE, Crd.obj(rootSel, 0));
    this.check(this.native.delegate(this.rootEc, ROOT_PD_SEL, pd.sel, Crd.obj(sel, 0)), 'delegate');
    utcb.clear();
    return sel;
  }

  /** Delegates PD `from`'s selector into PD `to`, reusing `to`'s existing selector for the same object. */
  delegate(from: SeamPd, selector: number, to: SeamPd): number {
    const node = this.native.mappingAt(from.native, selector);
    if (node === null || !node.object.alive) throw new InvalidCapabilityError(selector, 'delegate', from.label);
    const existing = this.native.mdb.translate(from.native, Crd.obj(selector, 0), to.native, Crd.obj(0, MAX_ORDER));
    if (!existing.isNull) return existing.base;
    const sel = this.#home(to, node.object) ?? to.allocator.alloc();
    const utcb = this.rootEc.utcb;
    utcb.clear();
    utcb.appendItem(XferKind.DELEGATE, Crd.obj(selector, 0));
    this.check(this.native.delegate(this.rootEc, from.sel, to.sel, Crd.obj(sel, 0)), 'delegate');
    utcb.clear();
    if (this.native.objectAt(to.native, sel) === null)
      throw new InvalidCapabilityError(selector, 'delegate', from.label);
    return sel;
  }

  /**
   * The selector `pd` must hold `object` under if it is one of its own seam objects that it does not
   * hold: its selector at creation, the portal id its server is told, kept reserved while the object
   * lives. Null for anything else.
   */
  #home(pd: SeamPd, object: Kobject): number | null {
    const record = this.records.get(object);
    if (record === undefined || record.owner !== pd || this.native.mappingAt(pd.native, record.ownSel) !== null)
      return null;
    return record.ownSel;
  }

  /**
   * Puts an object `pd` just received under `selector` (a delegation window's) where it belongs: one
   * of its own objects goes back under its own selector (core delegates it there within the PD and
   * drops the window's mapping, keeping what derives from it). Returns the selector it is held under.
   */
  rehome(pd: SeamPd, selector: number): number {
    const object = this.native.objectAt(pd.native, selector);
    const home = object === null ? null : this.#home(pd, object);
    if (home === null || home === selector) return selector;
    const utcb = this.rootEc.utcb;
    utcb.clear();
    utcb.appendItem(XferKind.DELEGATE, Crd.obj(selector, 0));
    this.check(this.native.delegate(this.rootEc, pd.sel, pd.sel, Crd.obj(home, 0)), 'delegate');
    utcb.clear();
    this.check(this.native.revoke(this.rootEc, Crd.obj(selector, 0), true, pd.sel, true), 'revoke');
    return home;
  }

  /**
   * Drops every seam capability `pd` holds (base-nova's `drop`: keep in mdb), so what other PDs got
   * through it survives the PD; NOVA's own destruction of a PD takes the subtree of each mapping.
   */
  dropAll(pd: SeamPd): void {
    const objects = pd.native.objects;
    for (let sel = SEAM_SELECTOR; sel < objects.length; sel++) {
      if (objects[sel] !== undefined) this.native.revoke(this.rootEc, Crd.obj(sel, 0), true, pd.sel, true);
    }
  }

  /** Records a seam object core created for `owner`. */
  record(record: ObjectRecord): void {
    this.records.set(record.object, record);
    if (record.kind === 'signal-context') this.contexts.set(record.contextId, record);
    record.owner.owned.add(record);
  }

  /** The record behind `selector` of `pd`, if it names a live seam object. */
  recordAt(pd: SeamPd, selector: number): ObjectRecord | null {
    const object = this.native.objectAt(pd.native, selector);
    return object === null ? null : (this.records.get(object) ?? null);
  }

  /** Destroys a seam object: core revokes its root mapping and with it every mapping derived from it. */
  dissolve(record: ObjectRecord): void {
    this.native.revoke(this.rootEc, Crd.obj(record.rootSel, 0), true);
    this.freeRootSel(record.rootSel);
    if (record.kind === 'dataspace') {
      this.native.revoke(this.rootEc, Crd.mem(record.memPage, Math.ceil(Math.log2(record.pages))), true);
      record.owner.ramUsed -= record.pages * 4096;
    }
    record.owner.allocator.release(record.ownSel);
    if (record.kind === 'signal-context') this.contexts.delete(record.contextId);
    record.owner.owned.delete(record);
    this.records.delete(record.object);
    // the PDs that attached it, not every PD: dissolving a session object in a system of 10 000 looked at each
    if (record.attachedBy !== null) for (const pd of record.attachedBy) pd.attached.delete(record);
  }

  /** The seam-visible entries of a PD's object space. */
  capSpace(pd: SeamPd): CapSpaceEntry[] {
    const entries: CapSpaceEntry[] = [];
    const objects = pd.native.objects;
    for (let sel = SEAM_SELECTOR; sel < objects.length; sel++) {
      const node = objects[sel];
      if (node === undefined || !node.object.alive) continue;
      const record = this.records.get(node.object);
      if (record !== undefined) entries.push({ selector: sel, object: node.object.serial, kind: record.kind });
    }
    return entries;
  }

  /** Maps a dataspace into `pd`'s memory space (as core's region map does) and returns its bytes. */
  attach(pd: SeamPd, record: ObjectRecord): Uint8Array {
    let page = pd.attached.get(record);
    if (page === undefined) {
      const order = Math.ceil(Math.log2(record.pages));
      page = Math.ceil(pd.nextPage / 2 ** order) * 2 ** order;
      pd.nextPage = page + 2 ** order;
      const utcb = this.rootEc.utcb;
      utcb.clear();
      utcb.appendItem(XferKind.DELEGATE, Crd.mem(record.memPage, order, Rights.MEM_RWX));
      this.check(
        this.native.delegate(this.rootEc, ROOT_PD_SEL, pd.sel, Crd.mem(page, order, Rights.MEM_RWX)),
        'delegate',
      );
      utcb.clear();
      pd.attached.set(record, page);
      record.attachedBy?.add(pd);
    }
    const mapped = this.native.mapped(pd.native, page);
    if (mapped === null) throw new InvalidCapabilityError(record.ownSel, 'attach', pd.label);
    return new Uint8Array((mapped.memory as MemoryObject).buffer, 0, record.size);
  }

  /** What a call to a dataspace capability runs: core's dataspace interface, which the model leaves empty. */
  readonly dataspaceEntry = (_id: number, utcb: Utcb): void => {
    utcb.clear();
  };

  /** Core's memory page of a fresh dataspace memory. */
  allocMemory(pages: number, label: string): number {
    return this.native.alloc_mem(pages, label);
  }

  /** Whether `pd` could take `count` new selectors. */
  ensureRoom(pd: SeamPd, count: number): void {
    if (!pd.allocator.hasFree(count)) throw new CapSpaceExhaustedError(pd.label, pd.allocator.size());
  }
}

import { type Clock, releaseMemory, type TraceEvent, type TraceHook, findWaitCycle, hardenShared } from '@os/kernel';
import { RealClock } from '@os/kernel/host';
import { Crd, CrdType, Rights } from './crd.js';
import { type CallFailure, NovaEc, type NovaReply, NovaSc, PendingCall } from './ec.js';
import { type Kobject, KobjectType, type Mapping } from './kobject.js';
import { MappingDatabase } from './mdb.js';
import { MemoryObject } from './memory.js';
import type { Mtd } from './mtd.js';
import { NovaPd } from './pd.js';
import { NovaPt, type PortalEntry } from './pt.js';
import { NovaSm, SmOp, type SmResult, type SmWaiter } from './sm.js';
import { Status, statusName } from './status.js';
import { TYPED_ITEM_BYTES, TypedItem, Utcb, utcbAccess } from './utcb.js';
import { describeFault as describe, entryOutcome, followEntry, messageAccess } from '@os/kernel';

const { length: lengthOf } = messageAccess;
const { itemCount: itemCountOf, setItemCount, items: itemsOf, xlt: xltOf, del: delOf } = utcbAccess;

/** A message's untyped bytes and typed items, read once from a UTCB and checked. */
interface Shape {
  readonly length: number;
  readonly count: number;
}

/**
 * The shape of the message in `utcb`, each field read once: null unless the length is an integer
 * that fits and the item count an integer up to the items appended, together within the UTCB.
 */
function shapeOf(utcb: Utcb): Shape | null {
  const length = lengthOf(utcb);
  const count = itemCountOf(utcb);
  const capacity = utcb.capacity;
  if (!(Number.isInteger(length) && length >= 0 && length <= capacity)) return null;
  if (
    !(
      Number.isInteger(count) &&
      count >= 0 &&
      count <= itemsOf(utcb).length &&
      length + count * TYPED_ITEM_BYTES <= capacity
    )
  )
    return null;
  return { length, count };
}

/** Sizes of a NOVA kernel instance. */
export interface NovaKernelOptions {
  /** Bytes of each EC's UTCB. Default 4096, as on NOVA. */
  readonly utcbSize?: number;
  /** Selectors in each PD's object space. Default 65 536. */
  readonly selectors?: number;
  /** CPUs of the machine. Default 1. */
  readonly cpus?: number;
  /** The clock semaphore deadlines run on (NOVA's TSC). Default: a `RealClock`. */
  readonly clock?: Clock;
  /** Kernel memory the root PD starts with, in units (one per object). Default: practically unlimited. */
  readonly kernelMemory?: number;
}

/** `call` flag: fail with COM_TIM instead of waiting for a busy EC (NOVA's `DISABLE_BLOCKING`). */
export const DISABLE_BLOCKING = 1;

/** `ec_ctrl` operations, with base-nova's values. */
export const EcOp = {
  /** Recall the EC (force it into its recall portal at the next chance). */
  RECALL: 0,
  /** Give up the rest of the time slice. */
  YIELD: 1,
  /** Run a local EC of the same PD on the caller's SC (base-nova's `EC_DONATE_SC`, NOVA's helping op). */
  DONATE_SC: 2,
  /** Reschedule. */
  RESCHEDULE: 3,
} as const;

/** One of the {@link (EcOp:variable)} values. */
export type EcOp = (typeof EcOp)[keyof typeof EcOp];

/** `pd_ctrl` operations (base-nova's `Pd_op`). */
export const PdOp = {
  /** Move kernel-memory quota from one PD to another. */
  TRANSFER_QUOTA: 0,
  /** Read a PD's quota limit and usage (see `pd_ctrl_debug`). */
  PD_DEBUG: 2,
} as const;

/** One of the {@link (PdOp:variable)} values. */
export type PdOp = (typeof PdOp)[keyof typeof PdOp];

/** NOVA's hypercall numbers, as base-nova's `Syscall` enum has them. */
export const Hypercall = {
  CALL: 0x0,
  REPLY: 0x1,
  CREATE_PD: 0x2,
  CREATE_EC: 0x3,
  CREATE_SC: 0x4,
  CREATE_PT: 0x5,
  CREATE_SM: 0x6,
  REVOKE: 0x7,
  MISC: 0x8,
  EC_CTRL: 0x9,
  SC_CTRL: 0xa,
  PT_CTRL: 0xb,
  SM_CTRL: 0xc,
  ASSIGN_PCI: 0xd,
  ASSIGN_GSI: 0xe,
  PD_CTRL: 0xf,
} as const;

/** Scheduling parameters of `create_sc` (NOVA's `Qpd`). */
export interface Qpd {
  /** Priority, 1..127. */
  readonly priority: number;
  /** Time quantum in microseconds, at least 1. */
  readonly quantum: number;
}

/** base-nova's default `Qpd`. */
export const DEFAULT_QPD: Qpd = { priority: 64, quantum: 10_000 };

/** The roottask's PD selector: NOVA hands the root PD its own PD, EC and SC after the 32 exception selectors. */
export const ROOT_PD_SEL = 32;
/** The roottask's EC selector. */
export const ROOT_EC_SEL = 33;
/** The roottask's SC selector. */
export const ROOT_SC_SEL = 34;

const PRIORITIES = 128;

/** Whom a blocked EC waits for: the EC it calls, and the servers of its queued calls. */
function* novaWaitsOn(ec: NovaEc): Iterable<NovaEc> {
  if (ec.waitingOn !== null) yield ec.waitingOn;
  for (const call of ec.outgoing) yield call.server;
}

/**
 * A model of the classic NOVA microhypervisor API as Genode's base-nova uses it. Each hypercall
 * takes the calling EC first (the real kernel knows it implicitly) and returns NOVA's status code;
 * a call or semaphore down that has to wait returns a promise instead.
 *
 * Single-threaded: a call to a ready local EC runs its portal entry inside the caller's `call`
 * (the direct switch, on the caller's donated SC); a call to a busy EC waits in that EC's queue
 * (on NOVA the caller would help it) and is served from a microtask once the EC is free.
 */
export class NovaKernel {
  /** Bytes of each UTCB. */
  readonly utcbSize: number;
  /** Selectors in each PD's object space. */
  readonly selectors: number;
  /** CPUs of the machine. */
  readonly cpus: number;
  /** The time source of semaphore deadlines. */
  readonly clock: Clock;
  /** The root PD (the roottask: Genode's core), holding all kernel memory at boot. */
  readonly root: NovaPd;
  /** The root PD's global EC. */
  readonly rootEc: NovaEc;
  /** The mapping database. */
  readonly mdb: MappingDatabase;
  #nextId = 1;
  #nextRootPage = 1;
  #trace: TraceHook | null = null;

  /** Boots a kernel: the root PD with its EC and SC, and all kernel memory. */
  constructor(options: NovaKernelOptions = {}) {
    // every PD's thread holds a UTCB, its typed items and CRDs: their classes are shared by all PDs, so a
    // component that changed one (`copyFrom`, a CRD getter) would change how every PD's messages move
    hardenShared([Utcb, TypedItem, Crd]);
    this.utcbSize = options.utcbSize ?? 4096;
    this.selectors = options.selectors ?? 65_536;
    this.cpus = options.cpus ?? 1;
    this.clock = options.clock ?? new RealClock();
    this.mdb = new MappingDatabase((object) => this.#destroy(object));
    this.root = new NovaPd(this.#nextId++, 'root', null, 2 ** 31);
    this.root.quota.limit = options.kernelMemory ?? Number.MAX_SAFE_INTEGER;
    this.mdb.insertRoot(this.root, CrdType.OBJ, ROOT_PD_SEL, this.root, Rights.ALL);
    this.rootEc = new NovaEc(this.#nextId++, 'root', this.root, this.root, true, 0, 1, 0, this.utcbSize);
    this.mdb.insertRoot(this.root, CrdType.OBJ, ROOT_EC_SEL, this.rootEc, Rights.ALL);
    const sc = new NovaSc(this.#nextId++, 'root', this.root, this.rootEc, DEFAULT_QPD.priority, DEFAULT_QPD.quantum);
    this.mdb.insertRoot(this.root, CrdType.OBJ, ROOT_SC_SEL, sc, Rights.ALL);
    this.rootEc.sc = sc;
  }

  // ------------------------------------------------------------------ tracing

  /** Installs or removes the trace hook. */
  setTrace(hook: TraceHook | null): void {
    this.#trace = hook;
  }

  /** Whether a trace hook is installed; check before building an event. */
  get tracing(): boolean {
    return this.#trace !== null;
  }

  /** Reports `event` to the trace hook, if one is installed. */
  emit(event: TraceEvent): void {
    this.#trace?.(event);
  }

  // ------------------------------------------------------------------ object creation

  /**
   * Creates a PD at `sel` of the caller's space (`create_pd`). Its kernel-memory quota, up to
   * `upperLimit` units, comes from PD `pd`, of which `lowerLimit` may not be passed on; `crd` (object
   * space) is delegated into the new PD at the same selectors. The PD object costs `pd` one unit.
   */
  create_pd(
    caller: NovaEc,
    sel: number,
    pd: number,
    crd: Crd,
    lowerLimit: number,
    upperLimit: number,
    label = `pd ${sel}`,
  ): Status {
    const source = this.#object(caller, pd, KobjectType.PD, 1 << KobjectType.PD) as NovaPd | null;
    if (source === null) return Status.BAD_CAP;
    if (!isCount(lowerLimit) || !isCount(upperLimit) || lowerLimit > upperLimit) return Status.BAD_PAR;
    if (source.quota.hitLimit(1)) return Status.QUO_OOM;
    if (source.quota.used + 1 + upperLimit > source.quota.limit - source.quota.reserved) return Status.BAD_PAR;
    if (!this.mdb.free(caller.pd, CrdType.OBJ, sel)) return Status.BAD_CAP;
    const created = new NovaPd(this.#nextId++, label, source, this.selectors);
    source.quota.used++;
    source.quota.transferTo(created.quota, upperLimit);
    created.quota.reserved = lowerLimit;
    this.mdb.insertRoot(caller.pd, CrdType.OBJ, sel, created, Rights.ALL);
    if (crd.type === CrdType.OBJ) this.mdb.delegate(caller.pd, crd, created, crd, 0);
    if (this.#trace)
      this.emit({
        operation: 'create-pd',
        pd: label,
        thread: caller.label,
        selector: sel,
        detail: `create_pd quota=${upperLimit}`,
      });
    return Status.SUCCESS;
  }

  /**
   * Creates an EC in PD `pd` at `sel` of the caller's space (`create_ec`). A global EC needs an SC
   * to run; a local one runs when its portals are called. `utcb` is where its UTCB appears (page
   * aligned, unused); 0 asks for a vCPU. Costs `pd` one unit.
   */
  create_ec(
    caller: NovaEc,
    sel: number,
    pd: number,
    cpu: number,
    utcb: number,
    evt: number,
    global = false,
    label = `ec ${sel}`,
  ): Status {
    if (!Number.isInteger(cpu) || cpu < 0 || cpu >= this.cpus) return Status.BAD_CPU;
    if (utcb === 0) return Status.BAD_FTR;
    const target = this.#object(caller, pd, KobjectType.PD, 1 << KobjectType.EC) as NovaPd | null;
    if (target === null) return Status.BAD_CAP;
    if (target.quota.hitLimit(1)) return Status.QUO_OOM;
    if (!Number.isSafeInteger(utcb) || utcb < 0 || utcb % 4096 !== 0 || target.utcbs.has(utcb)) return Status.BAD_PAR;
    if (!this.mdb.free(caller.pd, CrdType.OBJ, sel)) return Status.BAD_CAP;
    const ec = new NovaEc(this.#nextId++, label, target, target, global, cpu, utcb, evt, this.utcbSize);
    target.quota.used++;
    target.utcbs.add(utcb);
    this.mdb.insertRoot(caller.pd, CrdType.OBJ, sel, ec, Rights.ALL);
    if (this.#trace)
      this.emit({
        operation: 'create-thread',
        pd: target.label,
        thread: label,
        selector: sel,
        detail: `create_ec ${global ? 'global' : 'local'} cpu=${cpu}`,
      });
    return Status.SUCCESS;
  }

  /** Creates an SC for the global EC `ec` at `sel` of the caller's space (`create_sc`); costs `pd` one unit. */
  create_sc(caller: NovaEc, sel: number, pd: number, ec: number, qpd: Qpd = DEFAULT_QPD): Status {
    const target = this.#object(caller, pd, KobjectType.PD, 1 << KobjectType.SC) as NovaPd | null;
    if (target === null) return Status.BAD_CAP;
    if (target.quota.hitLimit(1)) return Status.QUO_OOM;
    const bound = this.#object(caller, ec, KobjectType.EC, 1 << KobjectType.SC) as NovaEc | null;
    if (bound === null || !bound.global) return Status.BAD_CAP;
    if (
      !Number.isInteger(qpd.priority) ||
      qpd.priority < 1 ||
      qpd.priority >= PRIORITIES ||
      !Number.isInteger(qpd.quantum) ||
      qpd.quantum < 1
    )
      return Status.BAD_PAR;
    if (!this.mdb.free(caller.pd, CrdType.OBJ, sel)) return Status.BAD_CAP;
    const sc = new NovaSc(this.#nextId++, `${bound.label}.sc`, target, bound, qpd.priority, qpd.quantum);
    target.quota.used++;
    if (bound.sc === null) bound.sc = sc;
    this.mdb.insertRoot(caller.pd, CrdType.OBJ, sel, sc, Rights.ALL);
    if (this.#trace)
      this.emit({
        operation: 'native',
        pd: target.label,
        thread: bound.label,
        selector: sel,
        detail: `create_sc prio=${qpd.priority}`,
      });
    return Status.SUCCESS;
  }

  /**
   * Creates a portal into the local EC `ec` at `sel` of the caller's space (`create_pt`): calls
   * through it run `entry` on that EC. Its id is 0 until `pt_ctrl` sets one. Costs `pd` one unit.
   */
  create_pt(
    caller: NovaEc,
    sel: number,
    pd: number,
    ec: number,
    mtd: Mtd,
    entry: PortalEntry,
    label = `pt ${sel}`,
  ): Status {
    if (typeof entry !== 'function') return Status.BAD_PAR;
    const target = this.#object(caller, pd, KobjectType.PD, 1 << KobjectType.PT) as NovaPd | null;
    if (target === null) return Status.BAD_CAP;
    if (target.quota.hitLimit(1)) return Status.QUO_OOM;
    const bound = this.#object(caller, ec, KobjectType.EC, 1 << KobjectType.PT) as NovaEc | null;
    if (bound === null || bound.global) return Status.BAD_CAP;
    if (!this.mdb.free(caller.pd, CrdType.OBJ, sel)) return Status.BAD_CAP;
    const pt = new NovaPt(this.#nextId++, label, target, bound, mtd, entry);
    target.quota.used++;
    this.mdb.insertRoot(caller.pd, CrdType.OBJ, sel, pt, Rights.PT_CTRL | Rights.PT_CALL | Rights.PT_XCPU);
    if (this.#trace)
      this.emit({
        operation: 'create-object',
        pd: target.label,
        thread: bound.label,
        selector: sel,
        detail: 'create_pt',
      });
    return Status.SUCCESS;
  }

  /**
   * Creates a semaphore with `count` at `sel` of the caller's space (`create_sm`). With `chain`
   * (a semaphore selector) it creates a signal instead, chained to that semaphore, whose value is
   * `count` (base-nova's `create_si`). Costs `pd` one unit.
   */
  create_sm(caller: NovaEc, sel: number, pd: number, count: number, chain = 0, label = `sm ${sel}`): Status {
    const target = this.#object(caller, pd, KobjectType.PD, 1 << KobjectType.SM) as NovaPd | null;
    if (target === null) return Status.BAD_CAP;
    if (target.quota.hitLimit(1)) return Status.QUO_OOM;
    if (!Number.isSafeInteger(count) || count < 0) return Status.BAD_PAR;
    let chained: NovaSm | null = null;
    if (chain !== 0) {
      chained = this.#object(caller, chain, KobjectType.SM, 0) as NovaSm | null;
      if (chained === null || chained.isSignal) return Status.BAD_CAP;
    }
    if (!this.mdb.free(caller.pd, CrdType.OBJ, sel)) return Status.BAD_CAP;
    const sm =
      chained === null
        ? new NovaSm(this.#nextId++, label, target, count, null, 0)
        : new NovaSm(this.#nextId++, label, target, 0, chained, count);
    target.quota.used++;
    this.mdb.insertRoot(caller.pd, CrdType.OBJ, sel, sm, Rights.SM_UP | Rights.SM_DOWN);
    if (this.#trace) {
      this.emit({
        operation: chained === null ? 'native' : 'create-signal-context',
        pd: target.label,
        thread: caller.label,
        selector: sel,
        detail: chained === null ? `create_sm count=${count}` : `create_sm signal value=${count}`,
      });
    }
    return Status.SUCCESS;
  }

  // ------------------------------------------------------------------ mapping database

  /**
   * Revokes `crd` (`revoke`): the rights in `crd` are taken from every mapping derived from the
   * range, recursively, and with `self` from the range itself; mappings left without rights go.
   * `remote` names another PD (a PD selector) to revoke in instead of the caller's. With `keep`
   * (base-nova's `drop`) only the range's own mappings go and what was derived from them stays.
   */
  revoke(caller: NovaEc, crd: Crd, self = true, remote = 0, keep = false): Status {
    let pd = caller.pd;
    if (remote !== 0) {
      const target = this.#object(caller, remote, KobjectType.PD, 0) as NovaPd | null;
      if (target === null) return Status.BAD_CAP;
      pd = target;
    }
    if (!caller.alive) return Status.BAD_CAP;
    if (this.#trace) {
      this.emit({
        operation: keep ? 'free' : 'dissolve',
        pd: pd.label,
        thread: caller.label,
        selector: crd.base,
        detail: `revoke ${crd.toString()}${self ? ' self' : ''}${keep ? ' keep' : ''}`,
      });
    }
    this.mdb.revoke(pd, crd, self, keep);
    return Status.SUCCESS;
  }

  /** What the caller's space holds at `crd`'s base (`lookup`): that mapping's CRD, or the null CRD. */
  lookup(caller: NovaEc, crd: Crd): Crd {
    const node = this.mdb.lookup(caller.pd, crd.type, crd.base);
    return node === undefined ? Crd.NULL : new Crd(crd.type, node.at, 0, node.rights);
  }

  /**
   * Transfers the typed items in the caller's UTCB from PD `sender` into PD `receiver`, into the
   * window `window` (`delegate`, base-nova's asynchronous map): how core hands out mappings
   * without an IPC.
   */
  delegate(caller: NovaEc, sender: number, receiver: number, window: Crd): Status {
    const to = this.#object(caller, receiver, KobjectType.PD, 0) as NovaPd | null;
    const from = this.#object(caller, sender, KobjectType.PD, 0) as NovaPd | null;
    if (to === null || from === null) return Status.BAD_CAP;
    const utcb = caller.utcb;
    const shape = shapeOf(utcb);
    if (shape === null || !Crd.is(window)) return Status.BAD_PAR;
    const items = itemsOf(utcb);
    const result = new TypedItem();
    for (let i = 0; i < shape.count; i++) {
      const item = items[i] as TypedItem;
      this.mdb.transfer(from, item, to, Crd.NULL, window, result);
      if (this.#trace)
        this.emit({
          operation: 'delegate',
          pd: from.label,
          thread: caller.label,
          selector: item.crd.base,
          target: to.label,
          caps: [result.crd.base],
          detail: `delegate ${result.crd.toString()}`,
        });
    }
    return Status.SUCCESS;
  }

  // ------------------------------------------------------------------ control

  /** EC control (`ec_ctrl`): recall, yield, donate the caller's SC to a local EC of its PD, reschedule. */
  ec_ctrl(caller: NovaEc, op: number, ec = 0): Status {
    switch (op) {
      case EcOp.RECALL: {
        const target = this.#object(caller, ec, KobjectType.EC, Rights.EC_RECALL) as NovaEc | null;
        if (target === null) return Status.BAD_CAP;
        target.recalled = true;
        return Status.SUCCESS;
      }
      case EcOp.YIELD:
      case EcOp.RESCHEDULE:
        return Status.SUCCESS;
      case EcOp.DONATE_SC: {
        const target = this.#object(caller, ec, KobjectType.EC, 0) as NovaEc | null;
        if (target === null) return Status.BAD_CAP;
        if (target.cpu !== caller.cpu) return Status.BAD_CPU;
        if (target.global || target.pd !== caller.pd || target.blocked || target.partner !== null || caller.sc === null)
          return Status.BAD_PAR;
        target.sc = caller.sc;
        if (this.#trace)
          this.emit({
            operation: 'native',
            pd: caller.pd.label,
            thread: caller.label,
            target: target.label,
            detail: 'ec_ctrl donate_sc',
          });
        return Status.SUCCESS;
      }
      default:
        return Status.BAD_PAR;
    }
  }

  /** SC control (`sc_ctrl`): how many calls ran on the SC. (NOVA reports consumed time; model calls take none.) */
  sc_ctrl(caller: NovaEc, sc: number): { status: Status; activations: number } {
    const target = this.#object(caller, sc, KobjectType.SC, 1) as NovaSc | null;
    if (target === null) return { status: Status.BAD_CAP, activations: 0 };
    return { status: Status.SUCCESS, activations: target.activations };
  }

  /** Sets a portal's id (`pt_ctrl`), which its entry receives with every call; needs the PT_CTRL right. */
  pt_ctrl(caller: NovaEc, pt: number, id: number): Status {
    const target = this.#object(caller, pt, KobjectType.PT, Rights.PT_CTRL) as NovaPt | null;
    if (target === null) return Status.BAD_CAP;
    if (!Number.isSafeInteger(id)) return Status.BAD_PAR;
    target.id = id;
    if (this.#trace)
      this.emit({
        operation: 'native',
        pd: caller.pd.label,
        thread: caller.label,
        selector: pt,
        detail: `pt_ctrl id=${id}`,
      });
    return Status.SUCCESS;
  }

  /**
   * Semaphore control (`sm_ctrl`). UP counts up (a signal: submits) or wakes the first waiter; DOWN
   * takes one (DOWNZERO all) or blocks until an up, or until `deadline` (absolute microseconds on
   * the clock; 0 waits forever) with COM_TIM. A down that takes at once leaves a chained signal's
   * value and count in the caller's `siValue` / `siCount`; one that blocks resolves with them.
   */
  sm_ctrl(caller: NovaEc, sm: number, op: number, deadline = 0): Status | Promise<SmResult> {
    if (op !== SmOp.UP && op !== SmOp.DOWN && op !== SmOp.DOWNZERO) return Status.BAD_PAR;
    const target = this.#object(
      caller,
      sm,
      KobjectType.SM,
      op === SmOp.UP ? Rights.SM_UP : Rights.SM_DOWN,
    ) as NovaSm | null;
    if (target === null || !caller.alive) return Status.BAD_CAP;
    if (op === SmOp.UP) {
      if (this.#trace)
        this.emit({
          operation: target.isSignal ? 'signal-submit' : 'native',
          pd: caller.pd.label,
          thread: caller.label,
          selector: sm,
          detail: 'sm_ctrl up',
        });
      this.#up(target);
      return Status.SUCCESS;
    }
    if (target.isSignal) return Status.BAD_CAP;
    if (!Number.isSafeInteger(deadline) || deadline < 0) return Status.BAD_PAR;
    return this.#down(caller, target, op === SmOp.DOWNZERO, deadline);
  }

  /** Moves `amount` units of kernel-memory quota from PD `source` to PD `destination` (`pd_ctrl` TRANSFER_QUOTA). */
  pd_ctrl(caller: NovaEc, source: number, op: number, destination: number, amount: number): Status {
    const from = this.#object(caller, source, KobjectType.PD, 0) as NovaPd | null;
    if (from === null) return Status.BAD_CAP;
    if (op !== PdOp.TRANSFER_QUOTA) return Status.BAD_PAR;
    const to = this.#object(caller, destination, KobjectType.PD, 0) as NovaPd | null;
    if (to === null) return Status.BAD_CAP;
    if (!isCount(amount) || !from.quota.transferTo(to.quota, amount)) return Status.BAD_PAR;
    if (this.#trace)
      this.emit({
        operation: 'transfer-quota',
        pd: from.label,
        thread: caller.label,
        target: to.label,
        detail: `pd_ctrl transfer_quota ${amount}`,
      });
    return Status.SUCCESS;
  }

  /** A PD's kernel-memory limit and usage (`pd_ctrl` PD_DEBUG, base-nova's `pd_ctrl_debug`). */
  pd_ctrl_debug(caller: NovaEc, pd: number): { status: Status; limit: number; usage: number } {
    const target = this.#object(caller, pd, KobjectType.PD, 0) as NovaPd | null;
    if (target === null) return { status: Status.BAD_CAP, limit: 0, usage: 0 };
    return { status: Status.SUCCESS, limit: target.quota.limit, usage: target.quota.used };
  }

  /** Assigns a PCI device to a PD (`assign_pci`): the model has neither PCI devices nor an IOMMU, so BAD_DEV. */
  assign_pci(caller: NovaEc, pd: number, _device: number, _hint: number): Status {
    if (this.#object(caller, pd, KobjectType.PD, 0) === null) return Status.BAD_CAP;
    return Status.BAD_DEV;
  }

  /**
   * The raw hypercall gate by number: numbers outside NOVA's table are BAD_HYP; the table's own
   * calls take register arguments this gate does not carry, so they are BAD_PAR here (use the
   * named methods).
   */
  hypercall(_caller: NovaEc, number: number): Status {
    return Number.isInteger(number) && number >= Hypercall.CALL && number <= Hypercall.PD_CTRL
      ? Status.BAD_PAR
      : Status.BAD_HYP;
  }

  // ------------------------------------------------------------------ IPC

  /**
   * Calls the portal at `pt` with the message in the caller's UTCB (`call`), donating the caller's
   * SC. A ready local EC runs the portal entry at once and the reply is in the caller's UTCB when
   * this returns SUCCESS. A busy one makes the call wait (the caller helps it); the promise then
   * resolves with the reply in a UTCB of its own. Failures beyond the status are in `caller.failure`.
   * An EC with a call outstanding is blocked in it: another call is BAD_PAR and sends nothing.
   */
  call(caller: NovaEc, pt: number, flags = 0): Status | Promise<NovaReply> {
    if (caller.calling) return Status.BAD_PAR;
    const node = caller.pd.objects[pt];
    if (
      node === undefined ||
      node.object.type !== KobjectType.PT ||
      (node.rights & Rights.PT_CALL) === 0 ||
      !caller.alive
    )
      return Status.BAD_CAP;
    const portal = node.object as NovaPt;
    const request = caller.utcb;
    // each field of the sender's UTCB is read once: what is checked is what is transferred
    const shape = shapeOf(request);
    if (shape === null) return Status.BAD_PAR;
    if (caller.sc === null) return Status.BAD_PAR;
    const server = portal.ec;
    if (!server.alive) return this.#refuse(caller, Status.COM_ABT, server, 'its EC was destroyed', false, null);
    if (server === caller)
      return this.#refuse(caller, Status.COM_TIM, server, 'the portal leads to the calling EC itself', false, [
        caller.label,
        caller.label,
      ]);
    if (server.ready) return this.#callDirect(caller, server, portal, pt, request, shape);
    if ((flags & DISABLE_BLOCKING) !== 0)
      return this.#refuse(caller, Status.COM_TIM, server, 'the EC is busy and the call must not block', false, null);
    if (server.blocked) {
      const cycle = this.#findCycle(caller, server);
      if (cycle !== null)
        return this.#refuse(caller, Status.COM_TIM, server, 'helping would go round a cycle forever', false, cycle);
    }
    return this.#callQueued(caller, server, portal, pt, request, shape);
  }

  /**
   * Replies with the message in the EC's UTCB to the call it is serving (`reply`), before its entry
   * is done. BAD_PAR if it serves none or already replied.
   */
  reply(ec: NovaEc): Status {
    const partner = ec.partner;
    if (partner !== null) {
      const call = new PendingCall(partner, ec, ec.partnerPt as NovaPt, ec.sc);
      partner.waitingOn = null;
      partner.outgoing.add(call);
      ec.partner = null;
      ec.current = call;
    }
    const call = ec.current;
    if (call === null) return Status.BAD_PAR;
    if (call.done) return call.caller.alive ? Status.BAD_PAR : Status.SUCCESS;
    // a malformed reply is refused; the call stays unanswered
    const shape = shapeOf(ec.utcb);
    if (shape === null) return Status.BAD_PAR;
    this.#deliverReply(call, ec.utcb, shape);
    return Status.SUCCESS;
  }

  // ------------------------------------------------------------------ core services (not hypercalls)

  /**
   * Core's RAM allocator: `pages` zeroed pages of physical memory, mapped into the root PD's memory
   * space (which holds all memory at boot on NOVA). Returns the first page.
   */
  alloc_mem(pages: number, label = 'ram'): number {
    if (!Number.isSafeInteger(pages) || pages <= 0)
      throw new RangeError(`alloc_mem needs a positive page count, got ${pages}`);
    const memory = new MemoryObject(this.#nextId++, label, null, pages);
    const span = 2 ** Math.ceil(Math.log2(pages));
    const base = Math.ceil(this.#nextRootPage / span) * span;
    this.#nextRootPage = base + span;
    for (let page = 0; page < pages; page++)
      this.mdb.insertRoot(this.root, CrdType.MEM, base + page, memory, Rights.MEM_RWX, page);
    return base;
  }

  /** The memory mapped at `page` of `pd`'s memory space, with its page within the memory object. */
  mapped(pd: NovaPd, page: number): { memory: MemoryObject; page: number; rights: number } | null {
    const node = pd.memory.get(page);
    if (node === undefined || !node.object.alive) return null;
    return { memory: node.object as MemoryObject, page: node.page, rights: node.rights };
  }

  /** The live object at `selector` of `pd`'s object space, for inspection and the seam adapter. */
  objectAt(pd: NovaPd, selector: number): Kobject | null {
    const node = pd.objects[selector];
    return node === undefined || !node.object.alive ? null : node.object;
  }

  /** The object space mapping at `selector` of `pd`, if any. */
  mappingAt(pd: NovaPd, selector: number): Mapping | null {
    return pd.objects[selector] ?? null;
  }

  // ------------------------------------------------------------------ internals: IPC

  #refuse(
    caller: NovaEc,
    status: Status,
    server: NovaEc,
    reason: string,
    faulted: boolean,
    cycle: readonly string[] | null,
  ): Status {
    caller.failure = { server: server.label, reason, faulted, cycle };
    return status;
  }

  #callDirect(
    caller: NovaEc,
    server: NovaEc,
    portal: NovaPt,
    selector: number,
    request: Utcb,
    shape: Shape,
  ): Status | Promise<NovaReply> {
    const utcb = server.utcb;
    this.#transfer(caller.pd, request, shape, server, utcb);
    if (this.#trace) this.#traceMessage('call', caller, selector, server, utcb, 'call');
    const sc = caller.sc as NovaSc;
    sc.activations++;
    server.busy = true;
    server.partner = caller;
    server.partnerPt = portal;
    server.partnerSc = server.sc;
    server.sc = sc;
    caller.waitingOn = server;
    let result: Promise<unknown> | undefined;
    try {
      // the entry is component code: what it throws, or returns other than nothing or a promise, is its fault
      result = entryOutcome(portal.entry(portal.id, utcb));
    } catch (fault) {
      return this.#directFault(caller, server, fault);
    }
    if (result === undefined) {
      const early = server.current;
      this.#leave(server);
      caller.waitingOn = null;
      if (early !== null) {
        server.current = null;
        caller.outgoing.delete(early);
        if (server.queue.length > 0) this.#scheduleDrain(server);
        return this.#takeReply(caller, early);
      }
      if (!caller.alive) return Status.COM_ABT;
      if (!server.alive)
        return this.#refuse(caller, Status.COM_ABT, server, 'its EC was destroyed during the call', false, null);
      const reply = shapeOf(utcb);
      if (reply === null) return this.#directFault(caller, server, MALFORMED_REPLY);
      this.#transfer(server.pd, utcb, reply, caller, request);
      if (this.#trace) this.#traceMessage('reply', server, portal.id, caller, request, 'reply');
      if (server.queue.length > 0) this.#scheduleDrain(server);
      if (caller.queue.length > 0 && caller.ready) this.#scheduleDrain(caller);
      return Status.SUCCESS;
    }
    let call = server.current;
    if (call === null) {
      call = new PendingCall(caller, server, portal, sc);
      server.current = call;
      caller.outgoing.add(call);
    }
    caller.waitingOn = null;
    server.partner = null;
    server.partnerPt = null;
    this.#awaitEntry(server, call, result);
    if (call.done) {
      caller.outgoing.delete(call);
      return this.#takeReply(caller, call);
    }
    return call.awaitable();
  }

  /** Hands a reply that arrived in a call's own UTCB to a caller still inside `call`. */
  #takeReply(caller: NovaEc, call: PendingCall): Status {
    if (call.status !== Status.SUCCESS) {
      caller.failure = call.failure;
      return call.status;
    }
    const to = caller.utcb;
    const from = call.utcb;
    to.copyBytesFrom(from, lengthOf(from));
    setItemCount(to, 0);
    const count = itemCountOf(from);
    const fromItems = itemsOf(from);
    const toItems = itemsOf(to);
    for (let i = 0; i < count; i++) {
      const item = fromItems[i] as TypedItem;
      to.appendItem(item.kind, item.crd, item.hotspot);
      (toItems[i] as TypedItem).delegated = item.delegated;
    }
    return Status.SUCCESS;
  }

  #leave(server: NovaEc): void {
    server.busy = false;
    server.partner = null;
    server.partnerPt = null;
    server.sc = server.partnerSc;
    server.partnerSc = null;
  }

  #directFault(caller: NovaEc, server: NovaEc, fault: unknown): Status {
    const early = server.current;
    this.#leave(server);
    server.current = null;
    caller.waitingOn = null;
    if (server.queue.length > 0) this.#scheduleDrain(server);
    if (this.#trace)
      this.emit({ operation: 'fault', pd: server.pd.label, thread: server.label, detail: describe(fault) });
    if (caller.queue.length > 0 && caller.ready) this.#scheduleDrain(caller);
    if (early !== null) {
      caller.outgoing.delete(early);
      if (early.done) return this.#takeReply(caller, early);
    }
    return this.#refuse(caller, Status.COM_ABT, server, describe(fault), true, null);
  }

  #callQueued(
    caller: NovaEc,
    server: NovaEc,
    portal: NovaPt,
    selector: number,
    request: Utcb,
    shape: Shape,
  ): Promise<NovaReply> {
    const call = new PendingCall(caller, server, portal, caller.sc);
    // sized to what was sent: the untyped words and the typed items, which count against a UTCB's capacity
    const copy = caller.copies.take(shape.length + shape.count * TYPED_ITEM_BYTES, Utcb);
    copy.copyBytesFrom(request, shape.length);
    const items = itemsOf(request);
    for (let i = 0; i < shape.count; i++) {
      const item = items[i] as TypedItem;
      copy.appendItem(item.kind, item.crd, item.hotspot);
    }
    call.request = copy;
    caller.outgoing.add(call);
    server.queue.push(call);
    if (this.#trace)
      this.emit({
        operation: 'queue',
        pd: caller.pd.label,
        thread: caller.label,
        selector,
        target: server.label,
        bytes: shape.length,
        detail: 'call (helping: the EC is busy)',
      });
    if (server.ready) this.#scheduleDrain(server);
    return call.awaitable();
  }

  /** Walks the wait-for graph from `server`; returns the cycle back to `caller`, if any. */
  #findCycle(caller: NovaEc, server: NovaEc): string[] | null {
    return findWaitCycle(caller, server, novaWaitsOn);
  }

  /**
   * Follows a suspended entry's promise (checked by `entryOutcome`, with no component code run since).
   * One that cannot be followed (a proxy that passed for a promise) is the entry's fault, at once.
   */
  #awaitEntry(server: NovaEc, call: PendingCall, pending: Promise<unknown>): void {
    try {
      followEntry(
        pending,
        () => this.#entryDone(server, call, null),
        (fault: unknown) => this.#entryDone(server, call, fault ?? 'undefined'),
      );
    } catch (fault) {
      this.#entryDone(server, call, fault);
    }
  }

  #entryDone(server: NovaEc, call: PendingCall, fault: unknown): void {
    if (!call.done) {
      const reason = fault === null ? 'its portal entry finished without replying' : describe(fault);
      if (this.#trace) this.emit({ operation: 'fault', pd: server.pd.label, thread: server.label, detail: reason });
      this.#fail(call, Status.COM_ABT, { server: server.label, reason, faulted: true, cycle: null });
    } else if (fault !== null && this.#trace) {
      this.emit({ operation: 'fault', pd: server.pd.label, thread: server.label, detail: describe(fault) });
    }
    if (server.current === call) server.current = null;
    this.#leave(server);
    if (server.queue.length > 0) this.#scheduleDrain(server);
  }

  /** Delivers the reply in `reply` (of `shape`, checked by the caller) to a pending call. */
  #deliverReply(call: PendingCall, reply: Utcb, shape: Shape): void {
    const caller = call.caller;
    call.done = true;
    caller.outgoing.delete(call);
    if (!caller.alive) return;
    this.#transfer(call.server.pd, reply, shape, caller, call.replyUtcb(shape.length + shape.count * TYPED_ITEM_BYTES));
    call.status = Status.SUCCESS;
    if (this.#trace) this.#traceMessage('reply', call.server, call.pt.id, caller, call.utcb, 'reply');
    call.resolve?.(call);
    if (caller.queue.length > 0 && caller.ready) this.#scheduleDrain(caller);
  }

  #fail(call: PendingCall, status: Status, failure: CallFailure): void {
    if (call.done) return;
    const caller = call.caller;
    call.done = true;
    call.status = status;
    call.failure = failure;
    caller.outgoing.delete(call);
    if (!caller.alive) return;
    if (this.#trace && !failure.faulted)
      this.emit({
        operation: 'abort',
        pd: caller.pd.label,
        thread: caller.label,
        target: call.server.label,
        detail: `${statusName(status)}: ${failure.reason}`,
      });
    void call.awaitable();
    call.resolve?.(call);
    if (caller.queue.length > 0 && caller.ready) this.#scheduleDrain(caller);
  }

  #scheduleDrain(ec: NovaEc): void {
    if (ec.drainScheduled) return;
    ec.drainScheduled = true;
    queueMicrotask(() => this.#drain(ec));
  }

  #drain(ec: NovaEc): void {
    ec.drainScheduled = false;
    while (ec.ready && ec.queue.length > 0) this.#dispatchQueued(ec, ec.queue.shift() as PendingCall);
  }

  #dispatchQueued(server: NovaEc, call: PendingCall): void {
    if (call.done) return;
    if (!call.pt.alive) {
      this.#fail(call, Status.COM_ABT, {
        server: server.label,
        reason: 'the portal was destroyed before the call was served',
        faulted: false,
        cycle: null,
      });
      return;
    }
    if (!call.caller.alive) {
      call.done = true;
      return;
    }
    const utcb = server.utcb;
    const request = call.request as Utcb;
    // the kernel's own copy, made from a checked message
    this.#transfer(call.caller.pd, request, { length: lengthOf(request), count: itemCountOf(request) }, server, utcb);
    call.request = null;
    server.busy = true;
    server.current = call;
    server.partnerSc = server.sc;
    server.sc = call.sc;
    if (call.sc !== null) call.sc.activations++;
    let result: Promise<unknown> | undefined;
    try {
      result = entryOutcome(call.pt.entry(call.pt.id, utcb));
    } catch (fault) {
      this.#entryDone(server, call, fault);
      return;
    }
    if (result === undefined) {
      if (!call.done) {
        const reply = shapeOf(utcb);
        if (reply === null) {
          this.#entryDone(server, call, MALFORMED_REPLY);
          return;
        }
        this.#deliverReply(call, utcb, reply);
      }
      server.current = null;
      this.#leave(server);
      return;
    }
    this.#awaitEntry(server, call, result);
  }

  /**
   * Copies the untyped words and transfers the typed items of `from` (sent by `fromPd`, of `shape`,
   * checked and read once by the caller) into `receiver`'s `to`.
   */
  #transfer(fromPd: NovaPd, from: Utcb, shape: Shape, receiver: NovaEc, to: Utcb): void {
    const { length, count } = shape;
    to.copyBytesFrom(from, Math.min(length, to.capacity));
    setItemCount(to, 0);
    if (count === 0) return;
    receiver.prepareReceive?.(to, count);
    const xlt = xltOf(to);
    const del = delOf(to);
    const fromItems = itemsOf(from);
    const items = itemsOf(to);
    while (items.length < count) items.push(new TypedItem());
    for (let i = 0; i < count; i++)
      this.mdb.transfer(fromPd, fromItems[i] as TypedItem, receiver.pd, xlt, del, items[i] as TypedItem);
    setItemCount(to, count);
  }

  #traceMessage(
    operation: 'call' | 'reply',
    actor: NovaEc,
    selector: number,
    peer: NovaEc,
    message: Utcb,
    native: string,
  ): void {
    const caps: number[] = [];
    const items = itemsOf(message);
    for (let i = 0, count = itemCountOf(message); i < count; i++) caps.push((items[i] as TypedItem).crd.base);
    this.emit({
      operation,
      pd: actor.pd.label,
      thread: actor.label,
      selector,
      target: peer.label,
      bytes: lengthOf(message),
      caps,
      detail: native,
    });
  }

  // ------------------------------------------------------------------ internals: semaphores

  #up(sm: NovaSm): void {
    const receiver = sm.chained;
    if (receiver !== null) {
      sm.counter++;
      if (!receiver.alive) return;
      const waiter = receiver.waiters.shift();
      if (waiter !== undefined) {
        const count = sm.counter;
        sm.counter = 0;
        this.#wake(waiter, Status.SUCCESS, sm.value, count);
        return;
      }
      if (sm.queued) return;
      sm.queued = true;
      receiver.signals.push(sm);
      receiver.counter++;
      return;
    }
    const waiter = sm.waiters.shift();
    if (waiter !== undefined) this.#wake(waiter, Status.SUCCESS, 0, 0);
    else sm.counter++;
  }

  #down(ec: NovaEc, sm: NovaSm, zero: boolean, deadline: number): Status | Promise<SmResult> {
    if (sm.counter > 0) {
      sm.counter = zero ? 0 : sm.counter - 1;
      const signal = sm.signals.shift();
      if (signal !== undefined) {
        signal.queued = false;
        ec.siValue = signal.value;
        ec.siCount = signal.counter;
        signal.counter = 0;
      } else {
        ec.siValue = 0;
        ec.siCount = 0;
      }
      return Status.SUCCESS;
    }
    return new Promise<SmResult>((resolve) => {
      const waiter: SmWaiter = { ec, resolve, timer: null };
      sm.waiters.push(waiter);
      ec.smWaits++;
      if (deadline !== 0) {
        const timer = this.clock.schedule(deadline, () => {
          const index = sm.waiters.indexOf(waiter);
          if (index < 0) return;
          sm.waiters.splice(index, 1);
          this.#wake(waiter, Status.COM_TIM, 0, 0);
        });
        waiter.timer = timer;
        ec.timers.add(timer);
      }
    });
  }

  #wake(waiter: SmWaiter, status: Status, value: number, count: number): void {
    const ec = waiter.ec;
    if (waiter.timer !== null) {
      this.clock.cancel(waiter.timer);
      ec.timers.delete(waiter.timer);
    }
    ec.smWaits--;
    ec.siValue = value;
    ec.siCount = count;
    waiter.resolve({ status, value, count });
    if (ec.queue.length > 0 && ec.ready) this.#scheduleDrain(ec);
  }

  // ------------------------------------------------------------------ internals: objects

  /** The object at `selector` of the caller's space if it has `type` and the `rights` bits; else null. */
  #object(caller: NovaEc, selector: number, type: KobjectType, rights: number): Kobject | null {
    const node = caller.pd.objects[selector];
    if (node === undefined || node.object.type !== type || (node.rights & rights) !== rights || !node.object.alive)
      return null;
    return node.object;
  }

  /** An object lost its last mapping: it dies and its kernel memory goes back to whoever paid. */
  #destroy(object: Kobject): void {
    object.alive = false;
    if (object.charged !== null) object.charged.quota.used--;
    switch (object.type) {
      case KobjectType.PD:
        this.#destroyPd(object as NovaPd);
        break;
      case KobjectType.EC:
        this.#destroyEc(object as NovaEc);
        break;
      case KobjectType.SC: {
        const sc = object as NovaSc;
        if (sc.ec.sc === sc) sc.ec.sc = null;
        break;
      }
      case KobjectType.PT: {
        const pt = object as NovaPt;
        for (const call of [...pt.ec.queue]) {
          if (call.pt === pt)
            this.#fail(call, Status.COM_ABT, {
              server: pt.ec.label,
              reason: 'its portal was destroyed',
              faulted: false,
              cycle: null,
            });
        }
        break;
      }
      case KobjectType.SM: {
        const sm = object as NovaSm;
        for (const waiter of sm.waiters.splice(0)) this.#wake(waiter, Status.BAD_CAP, 0, 0);
        if (sm.chained !== null && sm.queued) {
          const signals = sm.chained.signals;
          signals.splice(signals.indexOf(sm), 1);
          sm.queued = false;
        }
        break;
      }
      case KobjectType.MEMORY:
        releaseMemory((object as MemoryObject).buffer);
        break;
    }
  }

  #destroyPd(pd: NovaPd): void {
    for (const node of pd.objects) if (node !== undefined) this.mdb.removeTree(node);
    for (const node of [...pd.memory.values()]) this.mdb.removeTree(node);
    const source = pd.quotaSource;
    if (source?.alive) source.quota.limit += pd.quota.limit;
    pd.quota.limit = 0;
    if (this.#trace) this.emit({ operation: 'destroy-pd', pd: pd.label, detail: 'revoke (last mapping of the PD)' });
  }

  #destroyEc(ec: NovaEc): void {
    ec.pd.utcbs.delete(ec.utcbAddress);
    for (const timer of ec.timers) this.clock.cancel(timer);
    ec.timers.clear();
    const reason = `its EC "${ec.label}" was destroyed`;
    const partner = ec.partner;
    if (partner !== null) {
      // the caller is inside its call: it learns of the abort when the entry returns
      ec.partner = null;
      partner.waitingOn = null;
      const call = new PendingCall(partner, ec, ec.partnerPt as NovaPt, ec.sc);
      partner.outgoing.add(call);
      ec.current = call;
      this.#fail(call, Status.COM_ABT, { server: ec.label, reason, faulted: false, cycle: null });
    } else if (ec.current !== null) {
      this.#fail(ec.current, Status.COM_ABT, { server: ec.label, reason, faulted: false, cycle: null });
    }
    for (const call of ec.queue.splice(0))
      this.#fail(call, Status.COM_ABT, { server: ec.label, reason, faulted: false, cycle: null });
    for (const call of ec.outgoing) call.done = true;
    ec.outgoing.clear();
    if (this.#trace)
      this.emit({
        operation: 'destroy-thread',
        pd: ec.pd.label,
        thread: ec.label,
        detail: 'revoke (last mapping of the EC)',
      });
  }
}

/** What a call faults with when the server left a malformed reply (a length or item count that does not fit). */
const MALFORMED_REPLY = new TypeError('its reply is malformed: the length or typed-item count does not fit the UTCB');

function isCount(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

import {
  CallAbortedError,
  CapSpaceExhaustedError,
  DeadlockError,
  DestroyedError,
  type EntrypointHandler,
  INVALID_SELECTOR,
  InvalidCapabilityError,
  type KernelError,
  type KernelThread,
  MAX_CAPS_PER_MESSAGE,
  type Message,
  MessageTooLargeError,
  NotOwnerError,
  type ObjectKind,
  type PdId,
  QuotaExceededError,
  type QuotaState,
  type Selector,
  ServerFaultError,
  ThreadStateError,
  TooManyCapabilitiesError,
  WrongObjectKindError,
  pageRound,
  InvalidArgumentError,
  describeFault,
  entryOutcome,
  followEntry,
  messageAccess,
} from '@os/kernel';
import type { Core, ObjectRecord, SeamPd } from './core.js';
import { Crd, MAX_ORDER, Rights } from './crd.js';
import type { CallFailure, NovaEc, NovaReply } from './ec.js';
import { KOBJECT_TYPE_NAMES, KobjectType } from './kobject.js';
import { EcOp, type NovaKernel } from './nova-kernel.js';
import type { NovaPt, PortalEntry } from './pt.js';
import { SmOp, type SmResult } from './sm.js';
import { Status, statusName } from './status.js';
import { type TypedItem, type Utcb, XferKind, utcbAccess } from './utcb.js';

const { length: lengthOf, capCount: capCountOf, caps: capsOf, deliver } = messageAccess;
const { itemCount: itemCountOf, setItemCount, items: itemsOf, del: delOf } = utcbAccess;

/**
 * The capability count of the message in `utcb`, its length and count each read once and checked:
 * throws `MessageTooLargeError` or `TooManyCapabilitiesError`.
 */
function sentCapCount(utcb: Utcb): number {
  const length = lengthOf(utcb);
  const capCount = capCountOf(utcb);
  if (!(Number.isInteger(length) && length >= 0 && length <= utcb.capacity))
    throw new MessageTooLargeError(length, utcb.capacity);
  if (!(Number.isInteger(capCount) && capCount >= 0 && capCount <= MAX_CAPS_PER_MESSAGE))
    throw new TooManyCapabilitiesError(capCount, MAX_CAPS_PER_MESSAGE);
  return capCount;
}

/** The translate window Genode opens before every IPC: the whole object space. */
const WHOLE_SPACE = Crd.obj(0, MAX_ORDER);

/** Order of the delegation window a receiver opens for a message of `items` typed items. */
function windowOrder(items: number): number {
  return items <= 1 ? 0 : Math.ceil(Math.log2(items));
}

interface SignalPlumbing {
  /** Core's selector of the semaphore the thread's signals are chained to. */
  readonly receiverRoot: number;
  /** The thread's PD's selector of that semaphore. */
  readonly receiverInPd: number;
  /** The PD's selector (and id) of the signal-proxy portal into the entrypoint. */
  readonly proxyInPd: number;
  /** The global EC that blocks on the semaphore. */
  readonly waiter: NovaEc;
}

interface TimerPlumbing {
  /** The global EC that blocks in a timed `down`. */
  readonly ec: NovaEc;
  /** The PD's selector of its private semaphore. */
  readonly smInPd: number;
  armed: boolean;
  generation: number;
  context: number;
}

/**
 * One seam thread on NOVA, shaped like a Genode entrypoint on base-nova: a local EC that its
 * portals lead to (the thread itself), a global EC whose SC that local EC runs on for its own
 * calls (donated with `ec_ctrl`), and, once needed, a signal waiter EC blocked on the thread's
 * semaphore plus a signal-proxy portal (Genode's `Signal_proxy`) through which signals reach the
 * entrypoint in turn with calls; and a timer EC in a timed semaphore `down` for `timeout`.
 */
export class NovaKernelThread implements KernelThread {
  readonly #core: Core;
  readonly #native: NovaKernel;
  readonly #pd: SeamPd;
  readonly #label: string;
  readonly #ep: NovaEc;
  readonly #epRoot: number;
  readonly #main: NovaEc;
  readonly #rootSels: number[] = [];
  #funded = 0;
  #handler: EntrypointHandler | null = null;
  #openServe: () => void = () => undefined;
  readonly #served: Promise<void>;
  #signals: SignalPlumbing | null = null;
  #proxyId = -1;
  readonly #pending = new Map<number, number>();
  #dispatching = false;
  #timer: TimerPlumbing | null = null;

  readonly #entry: PortalEntry = (id, utcb) => this.#activate(id, utcb);
  readonly #onReply = (reply: NovaReply): Message => {
    if (reply.status !== Status.SUCCESS) throw this.#callError(reply.status, reply.failure, -1);
    this.#receiveCaps(reply.utcb);
    return reply.utcb;
  };
  readonly #openWindow = (utcb: Utcb, items: number): void => {
    utcb.xlt = WHOLE_SPACE;
    if (!utcb.del.isNull) return;
    const order = windowOrder(items);
    const base = this.#pd.allocator.reserveBlock(order);
    utcb.del = base === null ? Crd.NULL : Crd.obj(base, order);
  };
  readonly #redispatch = (): void => this.#dispatchSignals();
  readonly #onSignalWake = (result: SmResult): void => {
    if (result.status !== Status.SUCCESS) return;
    this.#collect(result.value, result.count);
    this.#listen();
  };

  /** Creates the thread's local EC and its global EC with an SC, funded by core. */
  constructor(core: Core, pd: SeamPd, label: string) {
    this.#core = core;
    this.#native = core.native;
    this.#pd = pd;
    this.#label = label;
    this.#served = new Promise<void>((resolve) => {
      this.#openServe = resolve;
    });
    this.#fund(3);
    this.#epRoot = this.#createEc(label, false);
    this.#ep = this.#native.objectAt(this.#native.root, this.#epRoot) as NovaEc;
    const mainRoot = this.#createEc(`${label}.main`, true);
    this.#main = this.#native.objectAt(this.#native.root, mainRoot) as NovaEc;
    this.#createSc(mainRoot);
    const epInPd = core.delegateFromRoot(this.#epRoot, pd, pd.infra);
    core.check(this.#native.ec_ctrl(this.#main, EcOp.DONATE_SC, epInPd), 'ec_ctrl donate_sc');
    this.#ep.utcb.xlt = WHOLE_SPACE;
    this.#ep.prepareReceive = this.#openWindow;
    pd.threads.add(this);
  }

  get pd(): PdId {
    return this.#pd.native.serial;
  }

  get label(): string {
    return this.#label;
  }

  get utcb(): Message {
    return this.#ep.utcb;
  }

  // ------------------------------------------------------------------ IPC

  call(object: Selector): Message | Promise<Message> {
    const ep = this.#ep;
    // the EC is blocked in its call until the reply: refused before any capability of the message is delegated
    if (ep.calling && ep.alive) throw ThreadStateError.callOutstanding(this.#label);
    const utcb = ep.utcb;
    // each field is read once: what is checked is what is sent
    const capCount = sentCapCount(utcb);
    const target = this.#native.objectAt(this.#pd.native, object);
    // a dataspace is a portal into core, as Genode names dataspaces, but no RPC object of the seam
    if (target !== null && target.type === KobjectType.PT && (target as NovaPt).ec === this.#core.coreEp)
      throw this.#kindError(object, 'call', 'rpc-object');
    if (capCount > 0) this.#sendCaps(utcb, capCount, this.#peerOf(object));
    else setItemCount(utcb, 0);
    const result = this.#native.call(this.#ep, object);
    if (typeof result === 'number') {
      if (result !== Status.SUCCESS) throw this.#callError(result, this.#ep.failure, object);
      if (itemCountOf(utcb) !== 0) this.#receiveCaps(utcb);
      else this.#receiveNoCaps(utcb);
      return utcb;
    }
    return result.then(this.#onReply);
  }

  serve(handler: EntrypointHandler): void {
    this.#checkAlive();
    if (this.#handler !== null)
      throw new ThreadStateError(`thread "${this.#label}" already serves an entrypoint handler`);
    this.#handler = handler;
    this.#openServe();
  }

  reply(): void {
    const utcb = this.#ep.utcb;
    this.#prepareReply(utcb);
    if (this.#native.reply(this.#ep) !== Status.SUCCESS)
      throw new ThreadStateError(
        `thread "${this.#label}" has no caller to reply to (it serves no call, or replied already)`,
      );
  }

  // ------------------------------------------------------------------ objects

  createRpcObject(): Selector {
    this.#checkAlive();
    const core = this.#core;
    const pd = this.#pd;
    const own = pd.allocator.alloc();
    const rootSel = core.rootSel();
    const status = this.#native.create_pt(
      core.rootEc,
      rootSel,
      pd.sel,
      this.#epRoot,
      0,
      this.#entry,
      `${this.#label} object ${own}`,
    );
    if (status !== Status.SUCCESS) throw this.#createError(status, rootSel);
    this.#imprint(rootSel, own);
    core.delegateFromRoot(rootSel, pd, pd.allocator, own);
    core.record(this.#newRecord('rpc-object', rootSel, own));
    pd.allocator.reserve(own);
    return own;
  }

  createSignalContext(imprint: number): Selector {
    this.#checkAlive();
    if (!Number.isSafeInteger(imprint))
      throw new InvalidArgumentError(`signal imprint must be an integer, got ${imprint}`);
    const signals = this.#ensureSignals();
    const core = this.#core;
    const pd = this.#pd;
    const own = pd.allocator.alloc();
    const rootSel = core.rootSel();
    const contextId = core.nextContextId();
    const status = this.#native.create_sm(
      core.rootEc,
      rootSel,
      pd.sel,
      contextId,
      signals.receiverRoot,
      `${this.#label} signal ${imprint}`,
    );
    if (status !== Status.SUCCESS) throw this.#createError(status, rootSel);
    core.delegateFromRoot(rootSel, pd, pd.allocator, own);
    core.record({ ...this.#newRecord('signal-context', rootSel, own), imprint, contextId });
    pd.allocator.reserve(own);
    return own;
  }

  submitSignal(context: Selector, count = 1): void {
    this.#checkAlive();
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidArgumentError(`signal count must be a positive integer, got ${count}`);
    const record = this.#core.recordAt(this.#pd, context);
    if (record === null || record.kind !== 'signal-context')
      throw this.#kindError(context, 'sm_ctrl', 'signal-context');
    // NOVA's semaphore counts one submit per up, as base-nova's Signal_transmitter submits in a loop
    for (let i = 0; i < count; i++) void this.#native.sm_ctrl(this.#ep, context, SmOp.UP);
  }

  allocDataspace(size: number): Selector {
    this.#checkAlive();
    if (!Number.isSafeInteger(size) || size <= 0)
      throw new InvalidArgumentError(`dataspace size must be a positive integer, got ${size}`);
    const pd = this.#pd;
    const charged = pageRound(size);
    if (pd.ramUsed + charged > pd.ramLimit)
      throw new QuotaExceededError(pd.label, 'ram', charged, pd.ramLimit - pd.ramUsed);
    const core = this.#core;
    const own = pd.allocator.alloc();
    const rootSel = core.rootSel();
    const status = this.#native.create_pt(
      core.rootEc,
      rootSel,
      pd.sel,
      core.coreEpSel,
      0,
      core.dataspaceEntry,
      `${this.#label} dataspace ${own}`,
    );
    if (status !== Status.SUCCESS) throw this.#createError(status, rootSel);
    this.#imprint(rootSel, rootSel);
    const pages = charged / 4096;
    const memPage = core.allocMemory(pages, `${this.#label} dataspace ${own}`);
    core.delegateFromRoot(rootSel, pd, pd.allocator, own);
    pd.ramUsed += charged;
    core.record({ ...this.#newRecord('dataspace', rootSel, own), size, memPage, pages, attachedBy: new Set() });
    pd.allocator.reserve(own);
    if (this.#native.tracing)
      this.#native.emit({
        operation: 'create-dataspace',
        pd: pd.label,
        thread: this.#label,
        selector: own,
        bytes: size,
        detail: `alloc_mem ${pages} pages, create_pt dataspace`,
      });
    return own;
  }

  attach(dataspace: Selector): Uint8Array {
    this.#checkAlive();
    const record = this.#record(dataspace, 'dataspace', 'attach');
    const bytes = this.#core.attach(this.#pd, record);
    if (this.#native.tracing)
      this.#native.emit({
        operation: 'attach',
        pd: this.#pd.label,
        thread: this.#label,
        selector: dataspace,
        bytes: record.size,
        detail: 'delegate mem',
      });
    return bytes;
  }

  dataspaceSize(dataspace: Selector): number {
    this.#checkAlive();
    return this.#record(dataspace, 'dataspace', 'dataspace size').size;
  }

  quota(): QuotaState {
    return this.#core.quota(this.#pd);
  }

  time(): number {
    return this.#native.clock.now();
  }

  timeout(durationUs: number, context: Selector): void {
    this.#checkAlive();
    this.#record(context, 'signal-context', 'timeout');
    if (!Number.isSafeInteger(durationUs) || durationUs < 0)
      throw new InvalidArgumentError(
        `timeout: duration must be a non-negative integer of microseconds, got ${durationUs}`,
      );
    const timer = this.#ensureTimer();
    const native = this.#native;
    // a pending timed down is cancelled by an up, as base-nova's timer cancels its waiter
    if (timer.armed) void native.sm_ctrl(this.#ep, timer.smInPd, SmOp.UP);
    const generation = ++timer.generation;
    timer.armed = true;
    timer.context = context;
    const deadline = Math.max(native.clock.now() + durationUs, 1);
    if (native.tracing)
      native.emit({
        operation: 'native',
        pd: this.#pd.label,
        thread: timer.ec.label,
        selector: context,
        detail: `sm_ctrl down deadline=${deadline}us (timeout ${durationUs}us)`,
      });
    const result = native.sm_ctrl(timer.ec, timer.smInPd, SmOp.DOWN, deadline);
    if (typeof result === 'number') {
      timer.armed = false;
      return;
    }
    void result.then((outcome) => {
      if (generation !== timer.generation) return;
      timer.armed = false;
      if (outcome.status === Status.COM_TIM && timer.ec.alive) void native.sm_ctrl(timer.ec, timer.context, SmOp.UP);
    });
  }

  free(capability: Selector): void {
    this.#checkAlive();
    const node = this.#native.mappingAt(this.#pd.native, capability);
    if (node === null) throw new InvalidCapabilityError(capability, 'revoke', this.#pd.label);
    this.#native.revoke(this.#ep, Crd.obj(capability, 0), true, 0, true);
  }

  dissolve(capability: Selector): void {
    this.#checkAlive();
    const object = this.#native.objectAt(this.#pd.native, capability);
    if (object === null) throw new InvalidCapabilityError(capability, 'revoke', this.#pd.label);
    const record = this.#core.records.get(object);
    if (record === undefined)
      throw new WrongObjectKindError(
        capability,
        'dissolve',
        'rpc-object, signal-context or dataspace',
        KOBJECT_TYPE_NAMES[object.type],
      );
    if (record.owner !== this.#pd) throw new NotOwnerError(capability, 'revoke', this.#pd.label);
    this.#core.dissolve(record);
  }

  valid(capability: Selector): boolean {
    return this.#ep.alive && this.#native.objectAt(this.#pd.native, capability) !== null;
  }

  kindOf(capability: Selector): ObjectKind {
    this.#checkAlive();
    const record = this.#core.recordAt(this.#pd, capability);
    if (record === null) throw this.#kindError(capability, 'kindOf', 'capability to a seam object');
    return record.kind;
  }

  // ------------------------------------------------------------------ lifetime

  /** The thread's local EC (its entrypoint), for the kernel adapter. */
  get ec(): NovaEc {
    return this.#ep;
  }

  /** Ends the thread: core revokes its ECs, SCs, semaphores and proxy portal; calls on it abort. */
  destroy(): void {
    const core = this.#core;
    for (const sel of this.#rootSels) {
      this.#native.revoke(core.rootEc, Crd.obj(sel, 0), true);
      core.freeRootSel(sel);
    }
    this.#rootSels.length = 0;
    core.unfund(this.#pd, this.#funded);
    this.#funded = 0;
    this.#pd.threads.delete(this);
  }

  // ------------------------------------------------------------------ internals: messages

  /** The PD behind the portal `object`, whose space the caps will enter (null if it is no portal). */
  #peerOf(object: Selector): SeamPd | null {
    const target = this.#native.objectAt(this.#pd.native, object);
    if (target === null || target.type !== KobjectType.PT) return null;
    return this.#core.pds.get((target as NovaPt).ec.pd.serial) ?? null;
  }

  /**
   * Turns the seam's first `capCount` selectors (checked) into typed items, translate-or-delegate as base-nova sends
   * them; each is read once.
   */
  #sendCaps(utcb: Utcb, capCount: number, peer: SeamPd | null): void {
    setItemCount(utcb, 0);
    let fresh = 0;
    const native = this.#native;
    const caps = capsOf(utcb);
    for (let i = 0; i < capCount; i++) {
      const selector = caps[i] as number;
      const valid = native.objectAt(this.#pd.native, selector) !== null;
      const crd = valid ? Crd.obj(selector, 0) : Crd.NULL;
      if (!utcb.appendItem(XferKind.TRANSLATE_OR_DELEGATE, crd, i))
        throw new MessageTooLargeError(utcb.length + (i + 1) * 16, utcb.capacity);
      if (valid && peer !== null && native.mdb.translate(this.#pd.native, crd, peer.native, WHOLE_SPACE).isNull)
        fresh++;
    }
    if (fresh > 0 && peer !== null) {
      this.#core.ensureRoom(peer, fresh);
      // the receiver takes them into one aligned window of 2^order free selectors (see #openWindow): without one they
      // would be lost
      if (peer.allocator.findBlock(windowOrder(capCount)) === null)
        throw new CapSpaceExhaustedError(peer.label, peer.allocator.size());
    }
  }

  /** A message without typed items arrived: it carries no caps. */
  #receiveNoCaps(utcb: Utcb): void {
    deliver(utcb, lengthOf(utcb), 0, 0);
  }

  /**
   * Turns received typed items back into selectors and closes the receive window. An item NOVA
   * delegated (rather than translated) is a new mapping in this PD: its slot is marked fresh.
   */
  #receiveCaps(utcb: Utcb): void {
    // the kernel wrote these items: the count is its own
    const count = Math.min(itemCountOf(utcb), MAX_CAPS_PER_MESSAGE);
    const native = this.#native;
    const items = itemsOf(utcb);
    const caps = capsOf(utcb);
    let moved: Map<number, number> | null = null;
    let fresh = 0;
    for (let i = 0; i < count; i++) {
      const item = items[i] as TypedItem;
      const crd = item.crd;
      let selector = crd.isNull ? INVALID_SELECTOR : crd.base;
      if (selector !== INVALID_SELECTOR && native.objectAt(this.#pd.native, selector) === null)
        selector = moved?.get(selector) ?? INVALID_SELECTOR;
      else if (selector !== INVALID_SELECTOR && item.delegated) {
        // an object of this PD's own came back: it belongs under its own selector, which its server knows
        const home = this.#core.rehome(this.#pd, selector);
        if (home !== selector) (moved ??= new Map()).set(selector, home);
        selector = home;
        fresh |= 1 << i;
      }
      caps[i] = selector;
    }
    deliver(utcb, lengthOf(utcb), count, fresh);
    setItemCount(utcb, 0);
    const window = delOf(utcb);
    if (!window.isNull) {
      this.#pd.allocator.release(window.start, window.count);
      utcb.del = Crd.NULL;
    }
  }

  #prepareReply(utcb: Utcb): void {
    const capCount = sentCapCount(utcb);
    if (capCount > 0) this.#sendCaps(utcb, capCount, null);
    else setItemCount(utcb, 0);
  }

  /** The entry of every portal of this thread (Genode's `_activation_entry`): dispatch by portal id. */
  #activate(id: number, utcb: Utcb): void | Promise<void> {
    if (itemCountOf(utcb) !== 0) this.#receiveCaps(utcb);
    else this.#receiveNoCaps(utcb);
    if (id === this.#proxyId) return this.#deliverSignals(utcb);
    const handler = this.#handler;
    if (handler === null) return this.#callBeforeServe(id, utcb);
    // the kernel follows (or refuses) what the handler returns: see entryOutcome
    const result = handler.onCall(id, utcb);
    if (result === undefined) {
      this.#prepareReply(utcb);
      return;
    }
    return result;
  }

  async #callBeforeServe(id: number, utcb: Utcb): Promise<void> {
    await this.#served;
    const result = entryOutcome((this.#handler as EntrypointHandler).onCall(id, utcb));
    if (result === undefined) this.reply();
    else await result;
  }

  #callError(status: Status, failure: CallFailure | null, object: Selector): KernelError {
    if (!this.#ep.alive) return new DestroyedError(`thread "${this.#label}"`);
    switch (status) {
      case Status.BAD_CAP: {
        const target = this.#native.objectAt(this.#pd.native, object);
        if (target === null) return new InvalidCapabilityError(object, 'call', this.#pd.label);
        return new WrongObjectKindError(
          object,
          'call',
          'rpc-object',
          this.#core.records.get(target)?.kind ?? KOBJECT_TYPE_NAMES[target.type],
        );
      }
      case Status.COM_TIM:
        if (failure?.cycle) return new DeadlockError(failure.cycle);
        return new CallAbortedError(failure?.server ?? 'unknown', failure?.reason ?? 'COM_TIM');
      case Status.COM_ABT:
        if (failure?.faulted) return new ServerFaultError(failure.server, failure.reason);
        return new CallAbortedError(failure?.server ?? 'unknown', failure?.reason ?? 'COM_ABT');
      default:
        return new ThreadStateError(`call from thread "${this.#label}" failed with NOVA status ${statusName(status)}`);
    }
  }

  // ------------------------------------------------------------------ internals: signals

  #ensureSignals(): SignalPlumbing {
    if (this.#signals !== null) return this.#signals;
    const core = this.#core;
    const native = this.#native;
    const pd = this.#pd;
    this.#fund(4);
    const receiverRoot = this.#rootSel();
    core.check(native.create_sm(core.rootEc, receiverRoot, pd.sel, 0, 0, `${this.#label}.signals`), 'create_sm');
    const receiverInPd = core.delegateFromRoot(receiverRoot, pd, pd.infra);
    const proxyRoot = this.#rootSel();
    core.check(
      native.create_pt(core.rootEc, proxyRoot, pd.sel, this.#epRoot, 0, this.#entry, `${this.#label}.signal-proxy`),
      'create_pt',
    );
    const proxyInPd = pd.infra.alloc();
    this.#imprint(proxyRoot, proxyInPd);
    core.delegateFromRoot(proxyRoot, pd, pd.infra, proxyInPd);
    const waiterRoot = this.#createEc(`${this.#label}.signal`, true);
    this.#createSc(waiterRoot);
    const waiter = native.objectAt(native.root, waiterRoot) as NovaEc;
    this.#signals = { receiverRoot, receiverInPd, proxyInPd, waiter };
    this.#proxyId = proxyInPd;
    this.#listen();
    return this.#signals;
  }

  /** The waiter EC's loop (Genode's signal-handler thread): block on the semaphore, collect what it yields. */
  #listen(): void {
    const signals = this.#signals as SignalPlumbing;
    const waiter = signals.waiter;
    while (waiter.alive) {
      const result = this.#native.sm_ctrl(waiter, signals.receiverInPd, SmOp.DOWN);
      if (typeof result !== 'number') {
        void result.then(this.#onSignalWake);
        break;
      }
      if (result !== Status.SUCCESS) break;
      this.#collect(waiter.siValue, waiter.siCount);
    }
    if (this.#pending.size > 0 && !this.#dispatching) this.#dispatchSignals();
  }

  /** Adds a taken signal to the pending ones: counts of one context add up until it is delivered. */
  #collect(contextId: number, count: number): void {
    if (contextId === 0) return; // a spurious wake: the signal went away after it was queued
    this.#pending.set(contextId, (this.#pending.get(contextId) ?? 0) + count);
  }

  /**
   * The main EC calls the signal-proxy portal while signals are pending: they reach the entrypoint in turn with calls.
   */
  #dispatchSignals(): void {
    this.#dispatching = true;
    const main = this.#main;
    const proxy = (this.#signals as SignalPlumbing).proxyInPd;
    while (this.#pending.size > 0 && main.alive) {
      main.utcb.clear();
      const result = this.#native.call(main, proxy);
      if (typeof result !== 'number') {
        void result.then(this.#redispatch);
        return;
      }
      if (result !== Status.SUCCESS) break;
    }
    this.#dispatching = false;
  }

  /** The signal proxy's activation on the entrypoint: deliver every pending signal, one handler at a time. */
  #deliverSignals(utcb: Utcb): void | Promise<void> {
    utcb.clear();
    const handler = this.#handler;
    if (handler === null) return this.#deliverLater();
    for (;;) {
      const next = this.#takePending();
      if (next === null) return;
      const result = this.#runSignal(handler, next);
      if (result !== undefined) return this.#deliverLater(result);
    }
  }

  async #deliverLater(running?: Promise<void>): Promise<void> {
    if (running !== undefined) await running;
    await this.#served;
    const handler = this.#handler as EntrypointHandler;
    for (let next = this.#takePending(); next !== null; next = this.#takePending()) {
      const result = this.#runSignal(handler, next);
      if (result !== undefined) await result;
    }
    this.#ep.utcb.clear();
    this.#native.reply(this.#ep);
  }

  #takePending(): { record: ObjectRecord; count: number } | null {
    for (const [contextId, count] of this.#pending) {
      this.#pending.delete(contextId);
      const record = this.#core.contexts.get(contextId);
      if (record?.object.alive) return { record, count };
    }
    return null;
  }

  #runSignal(handler: EntrypointHandler, signal: { record: ObjectRecord; count: number }): Promise<void> | undefined {
    const native = this.#native;
    if (native.tracing) {
      native.emit({
        operation: 'signal-deliver',
        pd: this.#pd.label,
        thread: this.#label,
        selector: signal.record.ownSel,
        detail: `sm_ctrl down: value=${signal.record.contextId} count=${signal.count}, via the signal-proxy portal`,
      });
    }
    let result: Promise<unknown> | undefined;
    try {
      // a result other than nothing or a promise is the handler's fault, as a throw is
      result = entryOutcome(handler.onSignal(signal.record.imprint, signal.count));
    } catch (fault) {
      this.#traceFault(fault);
      return undefined;
    }
    if (result === undefined) return undefined;
    const pending = result;
    return new Promise<void>((resolve) => {
      const fail = (fault: unknown): void => {
        this.#traceFault(fault);
        resolve();
      };
      try {
        followEntry(pending, resolve, fail);
      } catch (fault) {
        fail(fault);
      }
    });
  }

  #traceFault(fault: unknown): void {
    if (this.#native.tracing)
      this.#native.emit({ operation: 'fault', pd: this.#pd.label, thread: this.#label, detail: describeFault(fault) });
  }

  // ------------------------------------------------------------------ internals: timer

  #ensureTimer(): TimerPlumbing {
    if (this.#timer !== null) return this.#timer;
    const core = this.#core;
    const native = this.#native;
    this.#fund(3);
    const smRoot = this.#rootSel();
    core.check(native.create_sm(core.rootEc, smRoot, this.#pd.sel, 0, 0, `${this.#label}.timer`), 'create_sm');
    const smInPd = core.delegateFromRoot(smRoot, this.#pd, this.#pd.infra);
    const ecRoot = this.#createEc(`${this.#label}.timer`, true);
    this.#createSc(ecRoot);
    this.#timer = {
      ec: native.objectAt(native.root, ecRoot) as NovaEc,
      smInPd,
      armed: false,
      generation: 0,
      context: 0,
    };
    return this.#timer;
  }

  // ------------------------------------------------------------------ internals: objects

  #fund(units: number): void {
    this.#core.fund(this.#pd, units);
    this.#funded += units;
  }

  #rootSel(): number {
    const sel = this.#core.rootSel();
    this.#rootSels.push(sel);
    return sel;
  }

  #createEc(label: string, global: boolean): number {
    const sel = this.#rootSel();
    const utcb = this.#pd.nextUtcb++ * 4096;
    this.#core.check(
      this.#native.create_ec(this.#core.rootEc, sel, this.#pd.sel, 0, utcb, 0, global, label),
      'create_ec',
    );
    return sel;
  }

  #createSc(ecRoot: number): void {
    this.#core.check(this.#native.create_sc(this.#core.rootEc, this.#rootSel(), this.#pd.sel, ecRoot), 'create_sc');
  }

  /** Gives core's portal its id and takes away the right to change it (base-nova's `imprint_badge`). */
  #imprint(rootSel: number, id: number): void {
    const core = this.#core;
    core.check(this.#native.pt_ctrl(core.rootEc, rootSel, id), 'pt_ctrl');
    core.check(this.#native.revoke(core.rootEc, Crd.obj(rootSel, 0, Rights.PT_CTRL), true), 'revoke');
  }

  #newRecord(kind: ObjectKind, rootSel: number, ownSel: number): ObjectRecord {
    const object = this.#native.objectAt(this.#native.root, rootSel);
    if (object === null) throw new Error(`core: no object at root selector ${rootSel}`);
    return {
      kind,
      owner: this.#pd,
      rootSel,
      object,
      ownSel,
      size: 0,
      memPage: 0,
      pages: 0,
      imprint: 0,
      contextId: 0,
      attachedBy: null,
    };
  }

  #createError(status: Status, rootSel: number): KernelError {
    this.#core.freeRootSel(rootSel);
    if (status === Status.QUO_OOM) return this.#core.outOfCaps(this.#pd);
    return new ThreadStateError(`core could not create the object: NOVA status ${statusName(status)}`);
  }

  #record(selector: Selector, kind: ObjectKind, operation: string): ObjectRecord {
    const record = this.#core.recordAt(this.#pd, selector);
    if (record === null || record.kind !== kind) throw this.#kindError(selector, operation, kind);
    return record;
  }

  #kindError(selector: Selector, operation: string, expected: string): KernelError {
    const object = this.#native.objectAt(this.#pd.native, selector);
    if (object === null) return new InvalidCapabilityError(selector, operation, this.#pd.label);
    return new WrongObjectKindError(
      selector,
      operation,
      expected,
      this.#core.records.get(object)?.kind ?? KOBJECT_TYPE_NAMES[object.type],
    );
  }

  #checkAlive(): void {
    if (!this.#ep.alive) throw new DestroyedError(`thread "${this.#label}"`);
  }
}

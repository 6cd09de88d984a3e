import {
  CallAbortedError,
  CapSpaceExhaustedError,
  DeadlockError,
  DestroyedError,
  INVALID_SELECTOR,
  InvalidCapabilityError,
  MAX_CAPS_PER_MESSAGE,
  type Message,
  MessageTooLargeError,
  NotOwnerError,
  QuotaExceededError,
  ServerFaultError,
  ThreadStateError,
  TooManyCapabilitiesError,
  WrongObjectKindError,
  pageRound,
  releaseMemory,
  type Clock,
  type TraceEvent,
  type TraceHook,
  findWaitCycle,
  InvalidArgumentError,
  messageAccess,
  entryOutcome,
  followEntry,
  describeFault as describe,
} from '@os/kernel';
import { RealClock } from '@os/kernel/host';
import { IDENTITY_KIND_NAMES, IdentityKind, ObjectIdentity, type ObjectIdentityReference } from './object-identity.js';
import { HwPd } from './pd.js';
import { type HwEntry, HwThread, PendingCall } from './thread.js';

/** Sizes of a hw kernel instance. */
export interface HwKernelOptions {
  /** Bytes of each thread's UTCB, the largest message. Default 4096 (one page, as on base-hw). */
  readonly utcbSize?: number;
  /** Capability ids every PD has; one whose cap quota pays for more has more (`capSpaceRoom`). Default 65 536. */
  readonly capSpaceSize?: number;
  /** The clock timeouts run on. Default: a `RealClock`. */
  readonly clock?: Clock;
}

/** The longest timeout one `timeout` call arms, in microseconds (base-hw's `timeout_max_us`). */
export const TIMEOUT_MAX_US = 2 ** 32 - 1;

/** What `signal_pending` returns: one delivery taken without blocking. */
export interface HwSignalData {
  /** Capability id (in the caller's PD) of the delivering context. */
  readonly context: number;
  /** The context's imprint. */
  readonly imprint: number;
  /** Submits since its last delivery. */
  readonly count: number;
}

const { length: lengthOf, capCount: capCountOf, caps: capsOf, deliver } = messageAccess;

/**
 * Checks the length and capability count read (once) from a sender's message `message` before
 * anything is copied: throws `MessageTooLargeError` or `TooManyCapabilitiesError`.
 */
function checkShape(message: Message, length: number, capCount: number): void {
  if (!(Number.isInteger(length) && length >= 0 && length <= message.capacity))
    throw new MessageTooLargeError(length, message.capacity);
  if (!(Number.isInteger(capCount) && capCount >= 0 && capCount <= MAX_CAPS_PER_MESSAGE))
    throw new TooManyCapabilitiesError(capCount, MAX_CAPS_PER_MESSAGE);
}

/** Whom a blocked hw thread waits for: the thread it calls synchronously, and the servers of its queued calls. */
function* hwWaitsOn(thread: HwThread): Iterable<HwThread> {
  if (thread.syncTarget !== null) yield thread.syncTarget;
  for (const call of thread.outgoing) yield call.server;
}

/**
 * A model of Genode's base-hw kernel. Core-only calls (`new_pd`, `new_thread`, `new_obj`, ...) take
 * the objects they act on; the calls any thread may make (`rpc_call`, `signal_submit`, `cap_delete`, ...)
 * take the calling thread first, where the real kernel knows it implicitly.
 *
 * Single-threaded execution: a request to an idle, waiting thread runs its entry inside the caller's
 * `rpc_call` (the direct switch); a busy thread's requests and signals queue and are delivered from a
 * microtask once it is idle again.
 */
export class HwKernel {
  /** Bytes of each thread's UTCB: the largest message it can send or receive. */
  readonly utcbSize: number;
  /** Capability slots every PD's capability space has at least (see {@link HwPd.capSpaceSize}). */
  readonly capSpaceSize: number;
  /** The time source of `time` and `timeout`. */
  readonly clock: Clock;
  readonly #pds = new Map<number, HwPd>();
  #nextPdId = 1;
  #nextIdentityId = 1;
  #trace: TraceHook | null = null;
  readonly #selectors = new Int32Array(MAX_CAPS_PER_MESSAGE);

  /** Creates an empty kernel. */
  constructor(options: HwKernelOptions = {}) {
    this.utcbSize = options.utcbSize ?? 4096;
    this.capSpaceSize = options.capSpaceSize ?? 65_536;
    this.clock = options.clock ?? new RealClock();
  }

  /** Installs or removes the trace hook. */
  setTrace(hook: TraceHook | null): void {
    this.#trace = hook;
  }

  /** Reports `event` if tracing is on; callers check `tracing` first so nothing is built otherwise. */
  emit(event: TraceEvent): void {
    this.#trace?.(event);
  }

  /** Whether a trace hook is installed. */
  get tracing(): boolean {
    return this.#trace !== null;
  }

  // ---------------------------------------------------------------- core-only calls

  /** Creates a PD (core's `Kernel::new_pd`). */
  new_pd(label: string): HwPd {
    const pd = new HwPd(this.#nextPdId++, label, this.capSpaceSize);
    this.#pds.set(pd.id, pd);
    if (this.#trace) this.emit({ operation: 'create-pd', pd: label, detail: 'new_pd' });
    return pd;
  }

  /** The PD with `id`, or throws `DestroyedError`. */
  pd(id: number): HwPd {
    const pd = this.#pds.get(id);
    if (pd === undefined || !pd.alive) throw new DestroyedError(`PD ${id}`);
    return pd;
  }

  /** Every live PD. */
  pds(): IterableIterator<HwPd> {
    return this.#pds.values();
  }

  /**
   * Destroys a PD (`Kernel::delete_pd`): its threads end, every identity it owns is destroyed, every
   * reference it holds is dropped. Returns the quota it held.
   */
  delete_pd(pd: HwPd): { ram: number; caps: number } {
    this.#checkPd(pd);
    for (const thread of [...pd.threads]) this.delete_thread(thread);
    for (const identity of [...pd.owned]) this.#destroyIdentity(identity);
    for (const reference of pd.table) if (reference !== undefined) pd.remove(reference);
    pd.alive = false;
    this.#pds.delete(pd.id);
    if (this.#trace) this.emit({ operation: 'destroy-pd', pd: pd.label, detail: 'delete_pd' });
    return { ram: pd.ramLimit, caps: pd.capLimit };
  }

  /** Creates a thread in `pd` (`Kernel::new_thread`); it receives nothing until it calls `rpc_wait`. */
  new_thread(pd: HwPd, label: string): HwThread {
    this.#checkPd(pd);
    const thread = new HwThread(pd, label, this.utcbSize);
    pd.threads.add(thread);
    if (this.#trace) this.emit({ operation: 'create-thread', pd: pd.label, thread: label, detail: 'new_thread' });
    return thread;
  }

  /** Destroys a thread (`Kernel::delete_thread`): calls queued at it or served by it abort. */
  delete_thread(thread: HwThread): void {
    if (!thread.alive) return;
    thread.alive = false;
    thread.entry = null;
    if (thread.timeout !== null) this.clock.cancel(thread.timeout);
    thread.timeout = null;
    thread.pd.threads.delete(thread);
    const reason = `thread "${thread.label}" was destroyed`;
    if (thread.current !== null) this.#abort(thread.current, reason);
    for (const work of thread.queue) if (work instanceof PendingCall) this.#abort(work, reason);
    thread.queue.length = 0;
    for (const call of thread.outgoing) call.done = true;
    thread.outgoing.clear();
    if (this.#trace)
      this.emit({ operation: 'destroy-thread', pd: thread.pd.label, thread: thread.label, detail: 'delete_thread' });
  }

  /**
   * Creates an IPC object identity served by `thread` and gives its PD a capability to it (core's
   * `Kernel::new_obj`). Charges one capability of the PD's quota.
   */
  new_obj(thread: HwThread): number {
    this.#checkThread(thread);
    return this.#newIdentity(thread.pd, IdentityKind.IpcNode, thread, 'create-object', 'new_obj');
  }

  /** Destroys the object identity behind `capId` of `pd` (`Kernel::delete_obj`): every reference, in every PD, goes. */
  delete_obj(pd: HwPd, capId: number): void {
    this.#destroyOwned(pd, capId, 'delete_obj');
  }

  /** Creates a signal receiver delivering to `thread` (`Kernel::new_signal_receiver`); returns its capability id. */
  new_signal_receiver(thread: HwThread): number {
    this.#checkThread(thread);
    const capId = this.#newIdentity(thread.pd, IdentityKind.SignalReceiver, null, 'native', 'new_signal_receiver');
    const identity = this.#lookup(thread.pd, capId, 'new_signal_receiver');
    identity.receiverThread = thread;
    return capId;
  }

  /** Creates a signal context of receiver `receiverCap` with `imprint` (`Kernel::new_signal_context`). */
  new_signal_context(pd: HwPd, receiverCap: number, imprint: number): number {
    const receiver = this.#lookupKind(pd, receiverCap, IdentityKind.SignalReceiver, 'new_signal_context');
    const capId = this.#newIdentity(
      pd,
      IdentityKind.SignalContext,
      null,
      'create-signal-context',
      'new_signal_context',
    );
    const identity = this.#lookup(pd, capId, 'new_signal_context');
    identity.signal = { receiver, imprint, count: 0, queued: false, awaitingAck: false, killed: false };
    return capId;
  }

  /** Destroys a signal context (`Kernel::delete_signal_context`). */
  delete_signal_context(pd: HwPd, capId: number): void {
    this.#destroyOwned(pd, capId, 'delete_signal_context');
  }

  /** Allocates a zeroed RAM dataspace charged (page-rounded) to `pd`'s RAM quota; returns its capability id. */
  ram_alloc(pd: HwPd, size: number): number {
    this.#checkPd(pd);
    if (!Number.isSafeInteger(size) || size <= 0)
      throw new InvalidArgumentError(`dataspace size must be a positive integer, got ${size}`);
    const charged = pageRound(size);
    if (pd.ramUsed + charged > pd.ramLimit)
      throw new QuotaExceededError(pd.label, 'ram', charged, pd.ramLimit - pd.ramUsed);
    const capId = this.#newIdentity(pd, IdentityKind.Dataspace, null, 'create-dataspace', 'ram_alloc');
    pd.ramUsed += charged;
    const identity = this.#lookup(pd, capId, 'ram_alloc');
    identity.memory = new ArrayBuffer(size);
    return capId;
  }

  /** The memory of the dataspace behind `capId`, as a view that empties when the dataspace is freed. */
  ram_attach(pd: HwPd, capId: number): Uint8Array {
    const identity = this.#lookupKind(pd, capId, IdentityKind.Dataspace, 'attach');
    if (this.#trace)
      this.emit({ operation: 'attach', pd: pd.label, selector: capId, bytes: identity.memory?.byteLength ?? 0 });
    return new Uint8Array(identity.memory as ArrayBuffer);
  }

  /** Size in bytes of the dataspace behind `capId`. */
  ram_size(pd: HwPd, capId: number): number {
    return (this.#lookupKind(pd, capId, IdentityKind.Dataspace, 'dataspace size').memory as ArrayBuffer).byteLength;
  }

  /** Gives `pd` quota out of nothing: the machine's resources, at boot. */
  grant(pd: HwPd, ram: number, caps: number): void {
    this.#checkPd(pd);
    if (!Number.isSafeInteger(ram) || !Number.isSafeInteger(caps) || ram < 0 || caps < 0) {
      throw new InvalidArgumentError(`quota grant needs non-negative integers, got ram=${ram} caps=${caps}`);
    }
    pd.ramLimit += ram;
    pd.capLimit += caps;
  }

  /** Moves unused quota from `from` to `to`. */
  transfer(from: HwPd, to: HwPd, ram: number, caps: number): void {
    this.#checkPd(from);
    this.#checkPd(to);
    if (!Number.isSafeInteger(ram) || !Number.isSafeInteger(caps) || ram < 0 || caps < 0) {
      throw new InvalidArgumentError(`quota transfer needs non-negative integers, got ram=${ram} caps=${caps}`);
    }
    if (from.ramLimit - from.ramUsed < ram)
      throw new QuotaExceededError(from.label, 'ram', ram, from.ramLimit - from.ramUsed);
    if (from.capLimit - from.capUsed < caps)
      throw new QuotaExceededError(from.label, 'caps', caps, from.capLimit - from.capUsed);
    from.ramLimit -= ram;
    from.capLimit -= caps;
    to.ramLimit += ram;
    to.capLimit += caps;
    if (this.#trace)
      this.emit({ operation: 'transfer-quota', pd: from.label, target: to.label, detail: `ram=${ram} caps=${caps}` });
  }

  /**
   * Copies `from`'s capability `capId` into `to` (the translation IPC performs, offered to core so it
   * can hand a new PD its first capability). The reception is acknowledged at once.
   */
  cap_copy(from: HwPd, capId: number, to: HwPd): number {
    this.#checkPd(to);
    const identity = this.#lookup(from, capId, 'delegate');
    const received = to.insert(identity);
    const reference = to.table[received] as ObjectIdentityReference;
    reference.inUtcb--;
    if (this.#trace)
      this.emit({ operation: 'delegate', pd: from.label, selector: capId, target: to.label, caps: [received] });
    return received;
  }

  // ---------------------------------------------------------------- calls of any thread

  /**
   * Sends the request in `caller`'s utcb to the object behind `capId` and blocks for the reply
   * (`Kernel::rpc_call`). Returns the caller's utcb holding the reply when the server was waiting and
   * replied at once, else a promise of a private buffer holding it. Capabilities in the reply arrive
   * unacknowledged (see `cap_ack`). A thread with a call outstanding is blocked in it: a second call
   * throws `ThreadStateError` and sends nothing.
   */
  rpc_call(caller: HwThread, capId: number): Message | Promise<Message> {
    if (caller.calling && caller.alive) throw ThreadStateError.callOutstanding(caller.label);
    const request = caller.utcb;
    const reference = caller.pd.table[capId];
    if (reference === undefined || !reference.identity.alive || !caller.alive) {
      if (!caller.alive) throw new DestroyedError(`thread "${caller.label}"`);
      throw new InvalidCapabilityError(capId, 'rpc_call', caller.pd.label);
    }
    const object = reference.identity;
    if (object.kind !== IdentityKind.IpcNode) {
      throw new WrongObjectKindError(capId, 'rpc_call', 'rpc-object', IDENTITY_KIND_NAMES[object.kind]);
    }
    // each field of the sender's message is read once: what is checked is what is copied
    const length = lengthOf(request);
    const capCount = capCountOf(request);
    checkShape(request, length, capCount);
    const server = object.thread as HwThread;
    if (server === caller) throw new DeadlockError([caller.label, caller.label]);
    if (this.#trace) this.#traceMessage('call', caller, capId, server, request, 'rpc_call');
    if (server.idle) return this.#callDirect(caller, server, object, request, length, capCount);
    return this.#callQueued(caller, server, object, request, length, capCount);
  }

  /**
   * Makes `thread` wait for requests and signals (`Kernel::rpc_wait`): each runs `entry` on it, one at a
   * time. The entry returning, or its promise settling, is `rpc_reply_and_wait`.
   */
  rpc_wait(thread: HwThread, entry: HwEntry): void {
    this.#checkThread(thread);
    if (thread.entry !== null) throw new ThreadStateError(`thread "${thread.label}" already waits for requests`);
    thread.entry = entry;
    if (thread.queue.length > 0) this.#scheduleDrain(thread);
  }

  /**
   * Sends the reply in `thread`'s utcb to the caller of the request it is handling (`Kernel::rpc_reply`),
   * before the entry returns. Used by entries that go on working (or await) after answering.
   */
  rpc_reply(thread: HwThread): void {
    let call = thread.current;
    if (call === null && thread.syncCaller === null)
      throw new ThreadStateError(`thread "${thread.label}" has no caller to reply to`);
    if (call?.done) {
      // The caller was destroyed mid-call: as on base-hw, the reply has no one to go to and is dropped.
      if (!call.caller.alive) return;
      throw new ThreadStateError(`thread "${thread.label}" already replied to this request`);
    }
    // a malformed reply is the server's error; the call stays unanswered
    const utcb = thread.utcb;
    const length = lengthOf(utcb);
    const capCount = capCountOf(utcb);
    checkShape(utcb, length, capCount);
    if (call === null) {
      const caller = thread.syncCaller as HwThread;
      call = new PendingCall(caller, thread, thread.syncObject as ObjectIdentity);
      caller.syncTarget = null;
      caller.outgoing.add(call);
      thread.syncCaller = null;
      thread.current = call;
    }
    this.#deliverReply(call, utcb, length, capCount);
  }

  /** Submits the signal context behind `capId` `count` times (`Kernel::signal_submit`). */
  signal_submit(thread: HwThread, capId: number, count: number): void {
    const context = this.#lookupKind(thread.pd, capId, IdentityKind.SignalContext, 'signal_submit');
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidArgumentError(`signal_submit: count must be a positive integer, got ${count}`);
    const signal = context.signal!;
    if (signal.killed) throw new InvalidCapabilityError(capId, 'signal_submit (context killed)', thread.pd.label);
    signal.count += count;
    if (this.#trace) {
      const target = signal.receiver.receiverThread?.label ?? '?';
      this.emit({
        operation: 'signal-submit',
        pd: thread.pd.label,
        thread: thread.label,
        selector: capId,
        target,
        detail: `count=${count}`,
      });
    }
    this.#queueSignal(context);
  }

  /**
   * Makes `thread` the receiver of signals of the receiver `receiverCap` (`Kernel::signal_wait`):
   * deliveries run the thread's entry when it is idle.
   */
  signal_wait(thread: HwThread, receiverCap: number): void {
    const receiver = this.#lookupKind(thread.pd, receiverCap, IdentityKind.SignalReceiver, 'signal_wait');
    receiver.receiverThread = thread;
  }

  /** Takes one pending delivery of receiver `receiverCap` without blocking (`Kernel::signal_pending`), or null. */
  signal_pending(thread: HwThread, receiverCap: number): HwSignalData | null {
    const receiver = this.#lookupKind(thread.pd, receiverCap, IdentityKind.SignalReceiver, 'signal_pending');
    const target = receiver.receiverThread;
    if (target === null) return null;
    const index = target.queue.findIndex(
      (work) => work instanceof ObjectIdentity && work.signal?.receiver === receiver,
    );
    if (index < 0) return null;
    const context = target.queue.splice(index, 1)[0] as ObjectIdentity;
    return this.#takeSignal(context, thread.pd);
  }

  /** Acknowledges the last delivery of context `capId` (`Kernel::signal_ack`): it may deliver again. */
  signal_ack(thread: HwThread, capId: number): void {
    const context = this.#lookupKind(thread.pd, capId, IdentityKind.SignalContext, 'signal_ack');
    const signal = context.signal!;
    signal.awaitingAck = false;
    if (signal.count > 0) this.#queueSignal(context);
  }

  /** Halts a signal context (`Kernel::signal_kill`): pending submits are dropped, later ones refused. */
  signal_kill(thread: HwThread, capId: number): void {
    const context = this.#lookupKind(thread.pd, capId, IdentityKind.SignalContext, 'signal_kill');
    const signal = context.signal!;
    signal.killed = true;
    signal.count = 0;
    this.#unqueue(context);
  }

  /** The free-running time in microseconds (`Kernel::time`). */
  time(): number {
    return this.clock.now();
  }

  /** The longest timeout `timeout` arms (`Kernel::timeout_max_us`). */
  timeout_max_us(): number {
    return TIMEOUT_MAX_US;
  }

  /**
   * Arms `thread`'s timeout (`Kernel::timeout`): after `durationUs` the kernel submits the signal
   * context `capId` once. Replaces the thread's previous timeout, as on base-hw.
   */
  timeout(thread: HwThread, durationUs: number, capId: number): void {
    this.#checkThread(thread);
    const context = this.#lookupKind(thread.pd, capId, IdentityKind.SignalContext, 'timeout');
    if (!Number.isSafeInteger(durationUs) || durationUs < 0 || durationUs > TIMEOUT_MAX_US) {
      throw new InvalidArgumentError(
        `timeout: duration must be an integer from 0 to ${TIMEOUT_MAX_US} us, got ${durationUs}`,
      );
    }
    if (thread.timeout !== null) this.clock.cancel(thread.timeout);
    thread.timeout = this.clock.schedule(this.clock.now() + durationUs, () => {
      thread.timeout = null;
      const signal = context.signal;
      if (!context.alive || signal === null || signal.killed) return;
      signal.count++;
      if (this.#trace)
        this.emit({
          operation: 'signal-submit',
          pd: thread.pd.label,
          thread: thread.label,
          selector: capId,
          detail: 'timeout',
        });
      this.#queueSignal(context);
    });
    if (this.#trace)
      this.emit({
        operation: 'native',
        pd: thread.pd.label,
        thread: thread.label,
        selector: capId,
        detail: `timeout ${durationUs}us`,
      });
  }

  /** Acknowledges the reception of capability `capId` (`Kernel::cap_ack`), so `cap_delete` may drop it. */
  cap_ack(thread: HwThread, capId: number): void {
    const reference = thread.pd.table[capId];
    if (reference !== undefined && reference.inUtcb > 0) reference.inUtcb--;
  }

  /**
   * Deletes `thread`'s PD's capability `capId` (`Kernel::cap_delete`). As on base-hw, a reference with
   * unacknowledged receptions stays (the capability may still sit in a utcb); returns whether it went.
   */
  cap_delete(thread: HwThread, capId: number): boolean {
    const reference = thread.pd.table[capId];
    if (reference === undefined) throw new InvalidCapabilityError(capId, 'cap_delete', thread.pd.label);
    if (reference.inUtcb > 0) return false;
    thread.pd.remove(reference);
    if (this.#trace)
      this.emit({
        operation: 'free',
        pd: thread.pd.label,
        thread: thread.label,
        selector: capId,
        detail: 'cap_delete',
      });
    return true;
  }

  /** The identity behind `capId` of `pd` if live (for the adapter and inspection). */
  identity(pd: HwPd, capId: number): ObjectIdentity | undefined {
    return pd.lookup(capId)?.identity;
  }

  // ---------------------------------------------------------------- IPC internals

  #callDirect(
    caller: HwThread,
    server: HwThread,
    object: ObjectIdentity,
    request: Message,
    length: number,
    capCount: number,
  ): Message | Promise<Message> {
    const utcb = server.utcb;
    this.#copyMessage(request, length, capCount, caller.pd, utcb, server.pd);
    server.serving = true;
    server.syncCaller = caller;
    server.syncObject = object;
    caller.syncTarget = server;
    let result: Promise<unknown> | undefined;
    try {
      // the entry is component code: what it throws, or returns other than nothing or a promise, is its fault
      result = entryOutcome((server.entry as HwEntry).request(object.badge, utcb));
    } catch (fault) {
      return this.#directFault(caller, server, fault);
    }
    if (result === undefined) {
      const early = server.current;
      server.serving = false;
      server.syncCaller = null;
      server.syncObject = null;
      if (early !== null) {
        server.current = null;
        if (server.queue.length > 0) this.#scheduleDrain(server);
        return early.reply as Message;
      }
      const replyLength = lengthOf(utcb);
      const replyCaps = capCountOf(utcb);
      try {
        checkShape(utcb, replyLength, replyCaps);
      } catch (malformed) {
        return this.#directFault(caller, server, malformed);
      }
      caller.syncTarget = null;
      if (!caller.alive)
        throw new CallAbortedError(server.label, `the calling thread "${caller.label}" was destroyed during the call`);
      this.#copyMessage(utcb, replyLength, replyCaps, server.pd, request, caller.pd, true);
      if (this.#trace) this.#traceMessage('reply', server, object.badge, caller, request, 'rpc_reply_and_wait');
      if (server.queue.length > 0) this.#scheduleDrain(server);
      // what arrived for the caller while it was inside the call is delivered once it is idle again
      if (caller.queue.length > 0 && caller.idle) this.#scheduleDrain(caller);
      return request;
    }
    let call = server.current;
    if (call === null) {
      call = new PendingCall(caller, server, object);
      server.current = call;
      caller.syncTarget = null;
      caller.outgoing.add(call);
    }
    server.syncCaller = null;
    this.#awaitEntry(server, call, result);
    return call.done && call.reply !== null ? call.reply : call.awaitable();
  }

  #directFault(caller: HwThread, server: HwThread, fault: unknown): Message {
    const early = server.current;
    server.serving = false;
    server.syncCaller = null;
    server.current = null;
    caller.syncTarget = null;
    if (server.queue.length > 0) this.#scheduleDrain(server);
    if (this.#trace)
      this.emit({ operation: 'fault', pd: server.pd.label, thread: server.label, detail: describe(fault) });
    if (early !== null) caller.outgoing.delete(early);
    if (caller.queue.length > 0 && caller.idle) this.#scheduleDrain(caller);
    // An entry that replied before faulting has answered: the caller keeps that reply, as when queued.
    if (early?.reply) return early.reply;
    throw new ServerFaultError(server.label, describe(fault));
  }

  #callQueued(
    caller: HwThread,
    server: HwThread,
    object: ObjectIdentity,
    request: Message,
    length: number,
    capCount: number,
  ): Promise<Message> {
    if (server.alive && server.blocked) {
      const cycle = this.#findCycle(caller, server);
      if (cycle !== null) throw new DeadlockError(cycle);
    }
    if (!server.alive) throw new CallAbortedError(server.label, 'its thread was destroyed');
    const call = new PendingCall(caller, server, object);
    // sized to the message, not the UTCB: a queued call holds only what was sent
    const copy = caller.copies.take(length);
    copy.copyBytesFrom(request, length);
    const selectors = capsOf(request);
    const caps: (ObjectIdentity | null)[] = [];
    for (let i = 0; i < capCount; i++) caps.push(caller.pd.lookup(selectors[i] as number)?.identity ?? null);
    call.request = copy;
    call.requestCaps = caps;
    caller.outgoing.add(call);
    server.queue.push(call);
    if (this.#trace)
      this.emit({ operation: 'queue', pd: caller.pd.label, thread: caller.label, target: server.label, bytes: length });
    if (server.idle) this.#scheduleDrain(server);
    return call.awaitable();
  }

  /** Walks the wait-for graph from `server`; returns the cycle back to `caller`, if any. */
  #findCycle(caller: HwThread, server: HwThread): string[] | null {
    return findWaitCycle(caller, server, hwWaitsOn);
  }

  /**
   * Follows a suspended entry's promise (checked by `entryOutcome`, with no component code run since).
   * One that cannot be followed (a proxy that passed for a promise) is the entry's fault, at once.
   */
  #awaitEntry(server: HwThread, call: PendingCall | null, pending: Promise<unknown>): void {
    try {
      followEntry(
        pending,
        () => this.#entryDone(server, call, null),
        (fault: unknown) => this.#entryDone(server, call, fault),
      );
    } catch (fault) {
      this.#entryDone(server, call, fault);
    }
  }

  #entryDone(server: HwThread, call: PendingCall | null, fault: unknown): void {
    if (call !== null && !call.done) {
      const reason = fault === null ? 'its handler finished without replying' : describe(fault);
      if (this.#trace) this.emit({ operation: 'fault', pd: server.pd.label, thread: server.label, detail: reason });
      this.#fail(call, new ServerFaultError(server.label, reason));
    } else if (fault !== null && this.#trace) {
      this.emit({ operation: 'fault', pd: server.pd.label, thread: server.label, detail: describe(fault) });
    }
    if (server.current === call) server.current = null;
    server.serving = false;
    if (server.queue.length > 0) this.#scheduleDrain(server);
  }

  /** Delivers the reply in `reply` (`length` bytes and `capCount` caps, checked by the caller) to a pending call. */
  #deliverReply(call: PendingCall, reply: Message, length: number, capCount: number): void {
    const caller = call.caller;
    call.done = true;
    caller.outgoing.delete(call);
    if (!caller.alive) return;
    // every UTCB has the kernel's one size, so a reply that fit the server's fits the caller's
    const copy = caller.copies.take(length);
    this.#copyMessage(reply, length, capCount, call.server.pd, copy, caller.pd, true);
    call.reply = copy;
    if (this.#trace) this.#traceMessage('reply', call.server, call.object.badge, caller, copy, 'rpc_reply');
    call.resolve?.(copy);
    if (caller.queue.length > 0 && caller.idle) this.#scheduleDrain(caller);
  }

  #fail(call: PendingCall, error: Error): void {
    const caller = call.caller;
    call.done = true;
    caller.outgoing.delete(call);
    if (!caller.alive) return;
    void call.awaitable();
    (call.reject as (error: Error) => void)(error);
    if (caller.queue.length > 0 && caller.idle) this.#scheduleDrain(caller);
  }

  #abort(call: PendingCall, reason: string): void {
    if (call.done) return;
    if (this.#trace)
      this.emit({
        operation: 'abort',
        pd: call.caller.pd.label,
        thread: call.caller.label,
        target: call.server.label,
        detail: reason,
      });
    this.#fail(call, new CallAbortedError(call.server.label, reason));
  }

  #scheduleDrain(thread: HwThread): void {
    if (thread.drainScheduled) return;
    thread.drainScheduled = true;
    queueMicrotask(() => this.#drain(thread));
  }

  /** Delivers queued requests and signals to `thread` while it stays idle. */
  #drain(thread: HwThread): void {
    thread.drainScheduled = false;
    while (thread.idle && thread.queue.length > 0) {
      const work = thread.queue.shift() as PendingCall | ObjectIdentity;
      if (work instanceof PendingCall) this.#dispatchQueued(thread, work);
      else this.#dispatchSignal(thread, work);
    }
  }

  #dispatchQueued(server: HwThread, call: PendingCall): void {
    if (call.done) return;
    if (!call.object.alive) {
      this.#abort(call, 'the object was dissolved before the call was served');
      return;
    }
    const utcb = server.utcb;
    const request = call.request as Message;
    utcb.copyBytesFrom(request, lengthOf(request));
    const caps = call.requestCaps as (ObjectIdentity | null)[];
    if (caps.length > 0 && !server.pd.hasRoomFor(caps.map((identity) => identity ?? undefined))) {
      this.#fail(call, new CapSpaceExhaustedError(server.pd.label, server.pd.capSpaceSize));
      return;
    }
    let fresh = 0;
    const received = capsOf(utcb);
    for (let i = 0; i < caps.length; i++) {
      const identity = caps[i];
      if (identity === null || identity === undefined) received[i] = INVALID_SELECTOR;
      else {
        const held = server.pd.holds(identity);
        const capId = server.pd.insert(identity);
        received[i] = capId;
        if (!held && capId !== INVALID_SELECTOR) fresh |= 1 << i;
      }
    }
    deliver(utcb, lengthOf(request), caps.length, fresh);
    call.request = null;
    call.requestCaps = null;
    server.serving = true;
    server.current = call;
    let result: Promise<unknown> | undefined;
    try {
      result = entryOutcome((server.entry as HwEntry).request(call.object.badge, utcb));
    } catch (fault) {
      this.#entryDone(server, call, fault);
      return;
    }
    if (result === undefined) {
      if (!call.done) {
        const replyLength = lengthOf(utcb);
        const replyCaps = capCountOf(utcb);
        try {
          checkShape(utcb, replyLength, replyCaps);
        } catch (malformed) {
          this.#entryDone(server, call, malformed);
          return;
        }
        this.#deliverReply(call, utcb, replyLength, replyCaps);
      }
      server.current = null;
      server.serving = false;
      return;
    }
    this.#awaitEntry(server, call, result);
  }

  #queueSignal(context: ObjectIdentity): void {
    const signal = context.signal!;
    if (signal.queued || signal.awaitingAck || signal.count === 0) return;
    const thread = signal.receiver.receiverThread;
    if (thread === null || !thread.alive) return;
    signal.queued = true;
    thread.queue.push(context);
    if (thread.idle) this.#scheduleDrain(thread);
  }

  #unqueue(context: ObjectIdentity): void {
    const thread = context.signal?.receiver.receiverThread;
    if (thread === null || thread === undefined) return;
    const index = thread.queue.indexOf(context);
    if (index >= 0) thread.queue.splice(index, 1);
    if (context.signal) context.signal.queued = false;
  }

  #takeSignal(context: ObjectIdentity, pd: HwPd): HwSignalData {
    const signal = context.signal!;
    const count = signal.count;
    signal.count = 0;
    signal.queued = false;
    const reference = pd.byIdentity.get(context);
    // A receiver holding no capability to the context (its owner freed its own) cannot acknowledge
    // the delivery: it goes out unacknowledged, so later submits still arrive.
    signal.awaitingAck = reference !== undefined;
    return { context: reference?.capId ?? INVALID_SELECTOR, imprint: signal.imprint, count };
  }

  #dispatchSignal(thread: HwThread, context: ObjectIdentity): void {
    if (!context.alive || context.signal === null || context.signal.killed) return;
    const data = this.#takeSignal(context, thread.pd);
    if (this.#trace)
      this.emit({
        operation: 'signal-deliver',
        pd: thread.pd.label,
        thread: thread.label,
        selector: data.context,
        detail: `imprint=${data.imprint} count=${data.count}`,
      });
    thread.serving = true;
    let result: Promise<unknown> | undefined;
    try {
      result = entryOutcome((thread.entry as HwEntry).signal(data.context, data.imprint, data.count));
    } catch (fault) {
      this.#entryDone(thread, null, fault);
      return;
    }
    if (result === undefined) {
      thread.serving = false;
      return;
    }
    this.#awaitEntry(thread, null, result);
  }

  /**
   * Copies `length` bytes and translates the first `capCount` capability ids (both checked by the
   * caller, read once) from `fromPd`'s space into `toPd`'s. Each selector is read once. A request
   * either fits whole or is refused with `CapSpaceExhaustedError` before anything is translated. A
   * reply cannot be refused once the server has acted: a capability that finds no room in the
   * caller's space arrives as the invalid capability. `to`'s fresh mask marks the slots that made a
   * new entry in `toPd`'s space.
   */
  #copyMessage(
    from: Message,
    length: number,
    capCount: number,
    fromPd: HwPd,
    to: Message,
    toPd: HwPd,
    reply = false,
  ): void {
    if (length > to.capacity) throw new MessageTooLargeError(length, to.capacity);
    to.copyBytesFrom(from, length);
    if (capCount === 0) {
      deliver(to, length, 0, 0);
      return;
    }
    // each selector is read once, into the kernel's own buffer (no component code runs while it is in use)
    const sent = capsOf(from);
    const selectors = this.#selectors;
    for (let i = 0; i < capCount; i++) selectors[i] = sent[i] as number;
    if (
      capCount > 1 &&
      !reply &&
      !toPd.hasRoomFor(Array.from(selectors.subarray(0, capCount), (capId) => fromPd.lookup(capId)?.identity))
    ) {
      throw new CapSpaceExhaustedError(toPd.label, toPd.capSpaceSize);
    }
    const received = capsOf(to);
    let fresh = 0;
    for (let i = 0; i < capCount; i++) {
      const identity = fromPd.lookup(selectors[i] as number)?.identity;
      if (identity === undefined) {
        received[i] = INVALID_SELECTOR;
        continue;
      }
      const held = toPd.holds(identity);
      const capId = !reply || held || toPd.hasRoomFor([identity]) ? toPd.insert(identity) : INVALID_SELECTOR;
      received[i] = capId;
      if (!held && capId !== INVALID_SELECTOR) fresh |= 1 << i;
    }
    deliver(to, length, capCount, fresh);
  }

  #traceMessage(
    operation: 'call' | 'reply',
    actor: HwThread,
    selector: number,
    peer: HwThread,
    message: Message,
    native: string,
  ): void {
    this.emit({
      operation,
      pd: actor.pd.label,
      thread: actor.label,
      selector,
      target: peer.label,
      bytes: message.length,
      caps: message.capList(),
      detail: native,
    });
  }

  // ---------------------------------------------------------------- object bookkeeping

  #newIdentity(
    pd: HwPd,
    kind: IdentityKind,
    thread: HwThread | null,
    operation: TraceEvent['operation'],
    native: string,
  ): number {
    if (pd.capUsed + 1 > pd.capLimit) throw new QuotaExceededError(pd.label, 'caps', 1, pd.capLimit - pd.capUsed);
    const identity = new ObjectIdentity(this.#nextIdentityId++, kind, pd, thread, INVALID_SELECTOR);
    const capId = pd.insert(identity);
    (pd.table[capId] as ObjectIdentityReference).inUtcb = 0;
    identity.badge = capId;
    pd.owned.add(identity);
    pd.capUsed++;
    if (this.#trace) this.emit({ operation, pd: pd.label, thread: thread?.label, selector: capId, detail: native });
    return capId;
  }

  #destroyOwned(pd: HwPd, capId: number, native: string): void {
    const identity = this.#lookup(pd, capId, native);
    if (identity.owner !== pd) throw new NotOwnerError(capId, native, pd.label);
    this.#destroyIdentity(identity);
    if (this.#trace) this.emit({ operation: 'dissolve', pd: pd.label, selector: capId, detail: native });
  }

  #destroyIdentity(identity: ObjectIdentity): void {
    if (!identity.alive) return;
    identity.alive = false;
    // no copy and no delete per reference: both allocate in proportion to the holders
    for (const reference of identity.references) reference.pd.forget(reference);
    identity.references.clear();
    const owner = identity.owner;
    owner.releaseBadge(identity);
    owner.owned.delete(identity);
    owner.capUsed--;
    if (identity.memory !== null) {
      owner.ramUsed -= pageRound(identity.memory.byteLength);
      releaseMemory(identity.memory);
    }
    if (identity.signal !== null) this.#unqueue(identity);
    if (identity.kind === IdentityKind.IpcNode) {
      const server = identity.thread as HwThread;
      for (const work of server.queue) {
        if (work instanceof PendingCall && work.object === identity) this.#abort(work, 'the object was dissolved');
      }
    }
  }

  #lookup(pd: HwPd, capId: number, operation: string): ObjectIdentity {
    this.#checkPd(pd);
    const reference = pd.lookup(capId);
    if (reference === undefined) throw new InvalidCapabilityError(capId, operation, pd.label);
    return reference.identity;
  }

  #lookupKind(pd: HwPd, capId: number, kind: IdentityKind, operation: string): ObjectIdentity {
    const identity = this.#lookup(pd, capId, operation);
    if (identity.kind !== kind)
      throw new WrongObjectKindError(capId, operation, IDENTITY_KIND_NAMES[kind], IDENTITY_KIND_NAMES[identity.kind]);
    return identity;
  }

  #checkPd(pd: HwPd): void {
    if (!pd.alive) throw new DestroyedError(`PD "${pd.label}"`);
  }

  #checkThread(thread: HwThread): void {
    if (!thread.alive) throw new DestroyedError(`thread "${thread.label}"`);
  }
}

import {
  CallAbortedError,
  CapSpaceExhaustedError,
  type ClockTimer,
  DeadlockError,
  DestroyedError,
  type EntrypointHandler,
  INVALID_SELECTOR,
  InvalidCapabilityError,
  type KernelThread,
  MAX_CAPS_PER_MESSAGE,
  Message,
  MessageTooLargeError,
  type ObjectKind,
  type PdId,
  QuotaExceededError,
  type QuotaState,
  type Selector,
  ServerFaultError,
  ThreadStateError,
  TooManyCapabilitiesError,
  WrongObjectKindError,
  findWaitCycle,
  InvalidArgumentError,
  MessageSlab,
  describeFault as describe,
  entryOutcome,
  followEntry,
  messageAccess,
} from '@os/kernel';
import { CapType } from '../native/cap.js';
import { ObjectType, Sel4Constants, ThreadState } from '../native/constants.js';
import {
  seL4_MessageInfo_get_label,
  seL4_MessageInfo_get_length,
  seL4_MessageInfo_new,
} from '../native/message-info.js';
import type { Tcb } from '../native/tcb.js';
import type { SeamCore } from './core.js';
import { Protocol, SEAM_IPC_BUFFER_SIZE, rpcBadge, signalBadge } from './protocol.js';
import { PendingCall, SeamObject, type SeamPd } from './records.js';

const WORD = Sel4Constants.seL4_WordBits;
const TIMEOUT_MAX_US = 2 ** 32 - 1;

const { length: lengthOf, capCount: capCountOf, words: wordsOf, caps: capsOf, deliver } = messageAccess;

/** A sent message's length and capability count, each read once. */
interface Shape {
  readonly length: number;
  readonly capCount: number;
}

/**
 * The shape of `message`, each field read once and checked: throws `MessageTooLargeError` or
 * `TooManyCapabilitiesError`.
 */
function shapeOf(message: Message): Shape {
  const length = lengthOf(message);
  const capCount = capCountOf(message);
  if (!(Number.isInteger(length) && length >= 0 && length <= message.capacity))
    throw new MessageTooLargeError(length, message.capacity);
  if (!(Number.isInteger(capCount) && capCount >= 0 && capCount <= MAX_CAPS_PER_MESSAGE))
    throw new TooManyCapabilitiesError(capCount, MAX_CAPS_PER_MESSAGE);
  return { length, capCount };
}

/** Whom a blocked seam thread waits for: the thread it calls, and the servers of its queued calls. */
function* seamWaitsOn(thread: SeamThread): Iterable<SeamThread> {
  if (thread.syncTarget !== null) yield thread.syncTarget;
  for (const call of thread.outgoing) yield call.server;
}

/**
 * One thread of a PD on seL4, driven the way Genode's base-sel4 drives its threads: calls are
 * `seL4_Call` on a badged endpoint cap, an entrypoint loops in `seL4_ReplyRecv` on its own endpoint
 * with a notification bound for signals, and everything privileged is an invocation by core.
 */
export class SeamThread implements KernelThread {
  /** The seam's IPC buffer, packed into (and unpacked from) the native message registers. */
  readonly utcb = new Message(SEAM_IPC_BUFFER_SIZE);
  /** Where late replies to this thread are cut from (see MessageSlab). */
  readonly #replies = new MessageSlab();
  /** False once destroyed. */
  alive = true;
  /** The entrypoint handler, once `serve` was called. */
  handler: EntrypointHandler | null = null;
  /** Blocked in `seL4_Recv`/`seL4_ReplyRecv` on its endpoint. */
  receiving = false;
  /** Running a handler (synchronously or suspended in an await). */
  serving = false;
  /** The current request was answered. */
  replied = true;
  /** The thread whose call is being handled. */
  currentCaller: SeamThread | null = null;
  /** The server this thread is inside a direct call to. */
  syncTarget: SeamThread | null = null;
  /** Its calls that wait: queued on an endpoint, or answered later. */
  readonly outgoing = new Set<PendingCall>();
  /** The call whose reply the thread waits for. */
  calling: PendingCall | null = null;
  /** Core's signal queue for this entrypoint (Genode's `Signal_source_component`). */
  readonly signals: SeamObject[] = [];
  /** What the last server fault reply to this thread said. */
  faultText = '';
  /** Core CPtr of its endpoint, 0 until it serves or creates an object. */
  endpoint = 0;
  /** Core CPtr of its bound notification. */
  notification = 0;
  /** The endpoint's CPtr in the PD's CSpace (Genode's `ep_sel`). */
  endpointPath = 0;
  /** The receive slot's CPtr in the PD's CSpace (Genode's `rcv_sel`). */
  readonly receivePath: number;
  #replyInfo = 0;
  #keysWritten = false;
  #signalScheduled = false;
  #timer: ClockTimer | null = null;
  readonly #deliverSignal = (): void => this.#deliverOneSignal();
  readonly #rearmReceive = (): void => {
    if (this.#idle) this.#waitLoop(false);
  };

  /** Wraps the native `tcb` (core CPtr `tcbSlot`) of PD `spd`. */
  constructor(
    /** Core. */
    readonly core: SeamCore,
    /** The PD's record. */
    readonly spd: SeamPd,
    /** The thread's label. */
    readonly label: string,
    /** The native thread. */
    readonly tcb: Tcb,
    /** Core CPtr of its TCB cap. */
    readonly tcbSlot: number,
  ) {
    this.receivePath = core.allocInfra(spd);
    tcb.ipcBuffer.setCapReceivePath(core.infraPath(0), this.receivePath, WORD);
    tcb.resume = () => this.#onResume();
  }

  get pd(): PdId {
    return this.spd.id;
  }

  get #idle(): boolean {
    return (
      this.alive &&
      this.handler !== null &&
      !this.serving &&
      !this.receiving &&
      this.calling === null &&
      this.syncTarget === null
    );
  }

  /** Busy in a way that waits on others. */
  get blocked(): boolean {
    return this.serving || this.syncTarget !== null || this.outgoing.size > 0;
  }

  #checkAlive(): void {
    if (!this.alive) throw new DestroyedError(`thread "${this.label}"`);
  }

  // ------------------------------------------------------------------ calls

  call(object: Selector): Message | Promise<Message> {
    this.#checkAlive();
    // the TCB sits in seL4_Call until the reply: refused before the message is packed into its IPC buffer, which
    // still holds the outstanding request while that waits on the endpoint
    if (this.calling !== null || this.syncTarget !== null) throw ThreadStateError.callOutstanding(this.label);
    const utcb = this.utcb;
    // each field is read once: what is checked is what is sent
    const shape = shapeOf(utcb);
    const core = this.core;
    const target = core.objectAt(this.spd, object);
    if (target === undefined) throw new InvalidCapabilityError(object, 'seL4_Call', this.spd.label);
    if (target.kind !== 'rpc-object') throw new WrongObjectKindError(object, 'seL4_Call', 'rpc-object', target.kind);
    const server = target.thread as SeamThread;
    if (server === this) throw new DeadlockError([this.label, this.label]);
    if (!server.alive) throw new CallAbortedError(server.label, 'its thread was destroyed');
    if (!server.receiving && server.blocked) {
      const cycle = this.#findCycle(server);
      if (cycle !== null) throw new DeadlockError(cycle);
    }
    const info = this.#encode(utcb, shape, server.spd);
    if (this.receiving) {
      core.kernel.abortIPC(this.tcb);
      this.receiving = false;
    }
    if (core.trace !== null) {
      core.emit({
        operation: 'call',
        pd: this.spd.label,
        thread: this.label,
        selector: object,
        target: server.label,
        bytes: shape.length,
        caps: utcb.capList(),
        detail: 'seL4_Call',
      });
    }
    this.syncTarget = server;
    const done = core.kernel.callFast(this.tcb, object, info);
    this.syncTarget = null;
    if (done) {
      const reply = this.tcb.msgInfo;
      this.#callEnded();
      if (seL4_MessageInfo_get_length(reply) < Protocol.MR_DATA)
        throw new InvalidCapabilityError(object, 'seL4_Call', this.spd.label);
      if (seL4_MessageInfo_get_label(reply) === Protocol.LABEL_FAULT)
        throw new ServerFaultError(server.label, this.faultText);
      this.#decode(utcb, reply);
      return utcb;
    }
    const call = new PendingCall(this, server, target);
    this.outgoing.add(call);
    this.calling = call;
    if (this.tcb.state === ThreadState.BlockedOnSend && core.trace !== null) {
      core.emit({
        operation: 'queue',
        pd: this.spd.label,
        thread: this.label,
        selector: object,
        target: server.label,
        bytes: shape.length,
        detail: 'seL4_Call (queued on the endpoint)',
      });
    }
    return call.promise;
  }

  /**
   * A call of this thread ended. An entrypoint that no handler holds goes back to its receive: whether the call took
   * it out of the receive, or a handler ended (or a signal woke it) while the call was still waiting. Read from the
   * thread's state, not remembered from how the call began, so a late reply cannot leave it out of its receive.
   */
  #callEnded(): void {
    if (this.handler !== null && !this.serving && !this.receiving) queueMicrotask(this.#rearmReceive);
  }

  /** The reply to a waiting call arrived (or the kernel answered it with an error). */
  #replyArrived(call: PendingCall): void {
    this.calling = null;
    this.outgoing.delete(call);
    this.#callEnded();
    if (call.done) return;
    call.done = true;
    const info = this.tcb.msgInfo;
    if (seL4_MessageInfo_get_length(info) < Protocol.MR_DATA) {
      call.reject(
        new CallAbortedError(
          call.server.label,
          call.object.alive ? 'the kernel refused the call' : 'the object was dissolved before the call was served',
        ),
      );
    } else if (seL4_MessageInfo_get_label(info) === Protocol.LABEL_FAULT) {
      call.reject(new ServerFaultError(call.server.label, this.faultText));
    } else {
      const reply = this.#replies.take(this.#replyLength(info));
      this.#decode(reply, info);
      call.resolve(reply);
    }
  }

  /** Ends a waiting call with `reason`: core takes the thread out of its IPC. */
  abort(call: PendingCall, reason: string): void {
    if (call.done) return;
    call.done = true;
    this.outgoing.delete(call);
    if (this.calling === call) {
      this.calling = null;
      this.core.kernel.abortIPC(this.tcb);
      this.#callEnded();
    }
    if (this.core.trace !== null)
      this.core.emit({
        operation: 'abort',
        pd: this.spd.label,
        thread: this.label,
        target: call.server.label,
        detail: `seL4_TCB_Suspend (call aborted: ${reason})`,
      });
    call.reject(new CallAbortedError(call.server.label, reason));
  }

  /** Walks the wait-for graph from `server`; returns the cycle back to this thread, if any. */
  #findCycle(server: SeamThread): string[] | null {
    return findWaitCycle<SeamThread>(this, server, seamWaitsOn);
  }

  // ------------------------------------------------------------------ the message protocol

  /**
   * Packs `message` into the native registers for a receiver in `receiver`; returns the tag. A reply
   * (`reply`) cannot be refused once the server has acted: capabilities that find no room in the
   * caller's space arrive as the invalid capability instead of failing the reply.
   */
  #encode(message: Message, shape: Shape, receiver: SeamPd | null, reply = false): number {
    const buffer = this.tcb.ipcBuffer;
    const { length, capCount } = shape;
    const words = buffer.words;
    const from = wordsOf(message);
    for (let i = 0, count = (length + 3) >>> 2; i < count; i++) words[10 + i] = from[i] as number;
    if (this.#keysWritten) {
      for (let i = 1; i < 10; i++) words[i] = 0;
      this.#keysWritten = false;
    }
    words[0] = capCount;
    words[1] = 0;
    if (capCount === 0) return seL4_MessageInfo_new(length, 0, 0, Protocol.MR_DATA + ((length + 7) >>> 3));
    this.#keysWritten = true;
    const extra = this.#encodeCaps(message, capCount, receiver, reply);
    return seL4_MessageInfo_new(length, 0, extra, Protocol.MR_DATA + ((length + 7) >>> 3));
  }

  /**
   * The capability part of the protocol: every cap's key goes into MR1..MR4; the first cap the receiver
   * lacks travels as the message's one extra cap into its receive slot (what seL4 transfers); any
   * further new caps are carried by core with `CNode_Copy` into fresh selectors of the receiver.
   */
  #encodeCaps(message: Message, capCount: number, receiver: SeamPd | null, reply: boolean): number {
    const core = this.core;
    const buffer = this.tcb.ipcBuffer;
    const fresh: SeamObject[] = [];
    const caps = capsOf(message);
    for (let i = 0; i < capCount; i++) {
      // each selector is read once
      const selector = caps[i] as number;
      const object = core.objectAt(this.spd, selector);
      buffer.setMR(Protocol.MR_KEYS + i, object?.key ?? 0);
      if (
        object !== undefined &&
        receiver !== null &&
        !receiver.selectorByKey.has(object.key) &&
        !fresh.includes(object)
      )
        fresh.push(object);
    }
    if (receiver === null || fresh.length === 0) return 0;
    // an owner's own object goes back to the selector kept for it: it needs no free one
    let needed = 0;
    for (const object of fresh) if (object.owner !== receiver || !receiver.reserved.has(object.ownerSelector)) needed++;
    if (!reply && core.freeSelectorCount(receiver) < needed)
      throw new CapSpaceExhaustedError(receiver.label, core.room(receiver));
    buffer.capsOrBadges[0] = this.spd.selectorByKey.get((fresh[0] as SeamObject).key) as number;
    for (let i = 1; i < fresh.length; i++) {
      const object = fresh[i] as SeamObject;
      // in a reply, a cap that finds no selector is not carried: the caller decodes it as the invalid capability
      if (
        reply &&
        core.freeSelectorCount(receiver) === 0 &&
        !(object.owner === receiver && receiver.reserved.has(object.ownerSelector))
      )
        continue;
      const selector = core.allocSelector(receiver, object);
      core.check(
        core.kernel.seL4_CNode_Copy(
          core.tcb,
          receiver.top,
          selector,
          core.selectorBits,
          this.spd.top,
          this.spd.selectorByKey.get(object.key) as number,
          core.selectorBits,
          15,
        ),
        'CNode_Copy (cap carry)',
      );
      core.bind(receiver, selector, object);
      receiver.carried.add(object.key);
      if (core.trace !== null)
        core.emit({
          operation: 'native',
          pd: this.spd.label,
          thread: this.label,
          target: receiver.label,
          caps: [selector],
          detail: `CNode_Copy (cap carry ${i + 1}/${fresh.length}: key ${object.key} to selector ${selector})`,
        });
    }
    return 1;
  }

  /** Unpacks the native registers into `message`, translating keys into this PD's selectors. */
  /** The bytes a message with `info` carries: its label, bounded by the message registers it filled. */
  #replyLength(info: number): number {
    const length = seL4_MessageInfo_get_label(info);
    const available = (seL4_MessageInfo_get_length(info) - Protocol.MR_DATA) * 8;
    return length > available ? Math.max(0, available) : length;
  }

  #decode(message: Message, info: number): void {
    const buffer = this.tcb.ipcBuffer;
    const length = this.#replyLength(info);
    const words = buffer.words;
    const to = wordsOf(message);
    for (let i = 0, count = (length + 3) >>> 2; i < count; i++) to[i] = words[10 + i] as number;
    const capCount = Math.min(words[0] as number, MAX_CAPS_PER_MESSAGE);
    deliver(message, length, Math.max(capCount, 0), 0);
    if (capCount > 0) this.#decodeCaps(message, capCount);
  }

  /**
   * Translates the keys in MR1..MR4 into this PD's selectors. A cap is fresh (`freshCaps`) when it
   * takes a new selector here, or when core carried it in for this message and no message told of it yet.
   */
  #decodeCaps(message: Message, capCount: number): void {
    const core = this.core;
    const pd = this.spd;
    const buffer = this.tcb.ipcBuffer;
    const ownCNode = core.infraPath(0);
    let received = core.kernel.seL4_DebugCapIdentify(this.tcb, this.receivePath) !== CapType.NullCap;
    const caps = capsOf(message);
    let fresh = 0;
    for (let i = 0; i < capCount; i++) {
      const key = buffer.getMR(Protocol.MR_KEYS + i);
      const held = key === 0 ? undefined : pd.selectorByKey.get(key);
      if (held !== undefined) {
        caps[i] = held;
        if (pd.carried.delete(key)) fresh |= 1 << i;
        continue;
      }
      const object = key === 0 ? undefined : core.objects.get(key);
      if (object === undefined || !object.alive) {
        caps[i] = INVALID_SELECTOR;
        continue;
      }
      let selector: number;
      try {
        selector = core.allocSelector(pd, object);
      } catch {
        caps[i] = INVALID_SELECTOR;
        continue;
      }
      if (received) {
        core.check(
          core.kernel.seL4_CNode_Move(this.tcb, ownCNode, selector, WORD, ownCNode, this.receivePath, WORD),
          'CNode_Move (receive slot)',
        );
        received = false;
        if (core.trace !== null)
          core.emit({
            operation: 'native',
            pd: pd.label,
            thread: this.label,
            caps: [selector],
            detail: `CNode_Move (receive slot to selector ${selector}, key ${key})`,
          });
      } else {
        core.copyToPd(pd, selector, object.original);
      }
      core.bind(pd, selector, object);
      caps[i] = selector;
      fresh |= 1 << i;
    }
    deliver(message, lengthOf(message), capCount, fresh);
    if (received)
      core.check(
        core.kernel.seL4_CNode_Delete(this.tcb, ownCNode, this.receivePath, WORD),
        'CNode_Delete (receive slot)',
      );
  }

  // ------------------------------------------------------------------ the entrypoint

  serve(handler: EntrypointHandler): void {
    this.#checkAlive();
    if (this.handler !== null) throw new ThreadStateError(`thread "${this.label}" already serves an entrypoint`);
    this.ensureEndpoint();
    this.handler = handler;
    if (this.calling === null && !this.serving) this.#waitLoop(false);
  }

  /** Creates the thread's endpoint and notification (bound to it) on first need. */
  ensureEndpoint(): void {
    if (this.endpoint !== 0) return;
    const core = this.core;
    this.endpoint = core.retype(ObjectType.seL4_EndpointObject, 0);
    this.notification = core.retype(ObjectType.seL4_NotificationObject, 0);
    this.endpointPath = core.allocInfra(this.spd);
    core.copyToPd(this.spd, this.endpointPath, this.endpoint);
    core.check(
      core.kernel.seL4_TCB_BindNotification(core.tcb, this.tcbSlot, this.notification),
      'TCB_BindNotification',
    );
  }

  /** The server loop: `seL4_ReplyRecv` (or `seL4_Recv`) and dispatch while messages are there at once. */
  #waitLoop(reply: boolean): void {
    let withReply = reply;
    for (;;) {
      if (!this.alive || this.handler === null) return;
      if (this.signals.length > 0 && !withReply) {
        this.#scheduleSignals();
        return;
      }
      this.receiving = true;
      const arrived = this.core.kernel.replyRecvFast(this.tcb, this.endpointPath, this.#replyInfo, withReply);
      withReply = false;
      if (!arrived) return;
      this.receiving = false;
      if (!this.#arrived()) return;
      withReply = true;
    }
  }

  /** The kernel switched to this thread. */
  #onResume(): void {
    if (!this.alive) return;
    const call = this.calling;
    if (call !== null) {
      this.#replyArrived(call);
      return;
    }
    if (this.receiving) {
      this.receiving = false;
      if (this.#arrived()) this.#waitLoop(true);
    }
  }

  /** Something arrived in the receive: a call (dispatched now) or a signal (delivered from a microtask). */
  #arrived(): boolean {
    const tcb = this.tcb;
    if ((tcb.badge & 1) === 1) {
      this.#scheduleSignals();
      return false;
    }
    const badge = tcb.badge;
    const object = this.core.objects.get(badge <= 0x7fffffff ? badge >>> 1 : badge / 2);
    const callerTcb = tcb.callerSlot.cap.object as Tcb | null;
    const caller = callerTcb === null ? null : (this.core.threads.get(callerTcb) ?? null);
    this.currentCaller = caller;
    const request = this.utcb;
    this.#decode(request, tcb.msgInfo);
    this.serving = true;
    this.replied = false;
    try {
      // the handler is component code: what it throws, or returns other than nothing or a promise, is its fault
      const result = entryOutcome(
        (this.handler as EntrypointHandler).onCall(object?.ownerSelector ?? INVALID_SELECTOR, request),
      );
      if (result !== undefined) {
        followEntry(result, this.#handlerFulfilled, this.#handlerRejected);
        return false;
      }
    } catch (fault) {
      this.serving = false;
      this.#replyInfo = this.replied ? 0 : this.#faultReply(fault);
      this.replied = true;
      return true;
    }
    this.serving = false;
    if (!this.replied) {
      let info: number;
      try {
        info = this.#encodeReply();
      } catch (malformed) {
        info = this.#faultReply(malformed);
      }
      this.#replyInfo = info;
      this.replied = true;
    } else {
      this.#replyInfo = 0;
    }
    return true;
  }

  readonly #handlerFulfilled = (): void => this.#handlerDone(null);
  readonly #handlerRejected = (fault: unknown): void => this.#handlerDone(fault ?? 'rejected');

  /** Packs the reply in the utcb for the current caller; a malformed one throws the typed error and changes nothing. */
  #encodeReply(): number {
    const caller = this.currentCaller;
    const shape = shapeOf(this.utcb);
    const info = this.#encode(this.utcb, shape, caller?.spd ?? null, true);
    if (this.core.trace !== null && caller !== null) {
      this.core.emit({
        operation: 'reply',
        pd: this.spd.label,
        thread: this.label,
        target: caller.label,
        bytes: shape.length,
        caps: this.utcb.capList(),
        detail: this.serving ? 'seL4_Reply' : 'seL4_ReplyRecv',
      });
    }
    return info;
  }

  /** A reply that reports the handler's fault (Genode's exception code); the text is kept for the caller's error. */
  #faultReply(fault: unknown): number {
    const text = describe(fault);
    if (this.currentCaller !== null) this.currentCaller.faultText = text;
    if (this.core.trace !== null)
      this.core.emit({ operation: 'fault', pd: this.spd.label, thread: this.label, detail: text });
    return seL4_MessageInfo_new(Protocol.LABEL_FAULT, 0, 0, Protocol.MR_DATA);
  }

  #handlerDone(fault: unknown): void {
    if (!this.alive) return;
    this.serving = false;
    if (!this.replied) {
      this.replied = true;
      const info = this.#faultReply(fault === null ? 'its handler finished without replying' : fault);
      this.core.kernel.seL4_Reply(this.tcb, info);
    } else if (fault !== null && this.core.trace !== null) {
      this.core.emit({ operation: 'fault', pd: this.spd.label, thread: this.label, detail: describe(fault) });
    }
    this.#replyInfo = 0;
    // a call the handler left waiting brings the entrypoint back to its receive when it ends (#callEnded)
    if (this.calling === null) this.#waitLoop(false);
  }

  reply(): void {
    this.#checkAlive();
    if (!this.serving) throw new ThreadStateError(`thread "${this.label}" has no caller to reply to`);
    if (this.replied) throw new ThreadStateError(`thread "${this.label}" already replied to this request`);
    // the TCB sits in seL4_Call until that call's reply: refused before anything changes (the IPC buffer may still
    // hold the outstanding request), so the handler can reply once its call returned
    if (this.calling !== null || this.syncTarget !== null)
      throw new ThreadStateError(
        `thread "${this.label}" cannot reply while it has a call outstanding (blocked in seL4_Call until that call's ` +
          'reply); await the call, then reply',
      );
    const info = this.#encodeReply();
    this.replied = true;
    this.core.kernel.seL4_Reply(this.tcb, info);
  }

  // ------------------------------------------------------------------ signals

  #scheduleSignals(): void {
    if (this.#signalScheduled) return;
    this.#signalScheduled = true;
    queueMicrotask(this.#deliverSignal);
  }

  /** Core's `wait_for_signal`: takes one context off the queue and runs the handler with its count. */
  #deliverOneSignal(): void {
    this.#signalScheduled = false;
    if (!this.alive || this.handler === null) return;
    if (this.serving || this.calling !== null || this.syncTarget !== null) return;
    if (this.receiving) {
      this.core.kernel.abortIPC(this.tcb);
      this.receiving = false;
    }
    const context = this.signals.shift();
    if (context === undefined) {
      this.#waitLoop(false);
      return;
    }
    context.queued = false;
    const count = context.count;
    context.count = 0;
    if (!context.alive || count === 0) {
      this.#afterSignal();
      return;
    }
    const core = this.core;
    if (core.trace !== null)
      core.emit({
        operation: 'signal-deliver',
        pd: this.spd.label,
        thread: this.label,
        selector: context.holders.get(this.spd),
        detail: `seL4_Recv (bound notification) imprint=${context.imprint} count=${count}`,
      });
    this.serving = true;
    try {
      // a result other than nothing or a promise is the handler's fault, as a throw is
      const result = entryOutcome((this.handler as EntrypointHandler).onSignal(context.imprint, count));
      if (result !== undefined) {
        followEntry(result, this.#signalFulfilled, this.#signalRejected);
        return;
      }
    } catch (fault) {
      this.#signalRejected(fault);
      return;
    }
    this.#signalFulfilled();
  }

  readonly #signalFulfilled = (): void => {
    this.serving = false;
    this.#afterSignal();
  };

  readonly #signalRejected = (fault: unknown): void => {
    if (this.core.trace !== null)
      this.core.emit({ operation: 'fault', pd: this.spd.label, thread: this.label, detail: describe(fault) });
    this.serving = false;
    this.#afterSignal();
  };

  #afterSignal(): void {
    if (!this.alive) return;
    if (this.signals.length > 0) this.#scheduleSignals();
    else if (this.calling === null) this.#waitLoop(false);
  }

  /** Core's `submit`: counts the submit on the context and, if newly queued, signals the entrypoint's notification. */
  submit(context: SeamObject, count: number, actor: SeamThread | null, detail: string): void {
    context.count += count;
    if (this.core.trace !== null) {
      this.core.emit({
        operation: 'signal-submit',
        pd: actor?.spd.label ?? this.spd.label,
        thread: actor?.label,
        selector: actor === null ? undefined : context.holders.get(actor.spd),
        target: this.label,
        detail,
      });
    }
    if (context.queued) return;
    context.queued = true;
    this.signals.push(context);
    const core = this.core;
    void core.kernel.seL4_Signal(core.tcb, context.original);
  }

  createSignalContext(imprint: number): Selector {
    this.#checkAlive();
    if (!Number.isSafeInteger(imprint))
      throw new InvalidArgumentError(`signal imprint must be an integer, got ${imprint}`);
    this.ensureEndpoint();
    return this.#createObject('signal-context', imprint);
  }

  submitSignal(context: Selector, count = 1): void {
    this.#checkAlive();
    const object = this.core.objectAt(this.spd, context);
    if (object === undefined) throw new InvalidCapabilityError(context, 'seL4_Signal', this.spd.label);
    if (object.kind !== 'signal-context')
      throw new WrongObjectKindError(context, 'seL4_Signal', 'signal-context', object.kind);
    if (!Number.isSafeInteger(count) || count < 1)
      throw new InvalidArgumentError(`seL4_Signal: count must be a positive integer, got ${count}`);
    const receiver = object.thread as SeamThread;
    if (!receiver.alive) return;
    receiver.submit(object, count, this, 'seL4_Signal');
  }

  time(): number {
    return this.core.clock.now();
  }

  timeout(durationUs: number, context: Selector): void {
    this.#checkAlive();
    const object = this.core.objectAt(this.spd, context);
    if (object === undefined) throw new InvalidCapabilityError(context, 'timeout', this.spd.label);
    if (object.kind !== 'signal-context')
      throw new WrongObjectKindError(context, 'timeout', 'signal-context', object.kind);
    if (!Number.isSafeInteger(durationUs) || durationUs < 0 || durationUs > TIMEOUT_MAX_US) {
      throw new InvalidArgumentError(
        `timeout: duration must be an integer from 0 to ${TIMEOUT_MAX_US} us, got ${durationUs}`,
      );
    }
    const clock = this.core.clock;
    if (this.#timer !== null) clock.cancel(this.#timer);
    this.#timer = clock.schedule(clock.now() + durationUs, () => {
      this.#timer = null;
      const receiver = object.thread as SeamThread;
      if (object.alive && receiver.alive)
        receiver.submit(object, 1, null, 'seL4_Signal (timer interrupt, IRQHandler notification)');
    });
    if (this.core.trace !== null)
      this.core.emit({
        operation: 'native',
        pd: this.spd.label,
        thread: this.label,
        selector: context,
        detail: `IRQHandler_SetNotification (timer, ${durationUs}us)`,
      });
  }

  // ------------------------------------------------------------------ objects

  createRpcObject(): Selector {
    this.#checkAlive();
    this.ensureEndpoint();
    return this.#createObject('rpc-object', 0);
  }

  /** Mints the object's badged original in core and copies it to a fresh selector of this PD. */
  #createObject(kind: 'rpc-object' | 'signal-context', imprint: number): Selector {
    const core = this.core;
    const pd = this.spd;
    if (pd.capUsed + 1 > pd.capLimit) throw new QuotaExceededError(pd.label, 'caps', 1, pd.capLimit - pd.capUsed);
    const selector = core.allocSelector(pd);
    const key = core.nextKey();
    const original =
      kind === 'rpc-object' ? core.mint(this.endpoint, rpcBadge(key)) : core.mint(this.notification, signalBadge(key));
    core.copyToPd(pd, selector, original);
    const object = new SeamObject(key, kind, pd, original, selector, this, imprint);
    core.objects.set(key, object);
    core.bind(pd, selector, object);
    pd.owned.add(object);
    pd.capUsed++;
    if (core.trace !== null) {
      core.emit({
        operation: kind === 'rpc-object' ? 'create-object' : 'create-signal-context',
        pd: pd.label,
        thread: this.label,
        selector,
        detail: `CNode_Mint (badge ${kind === 'rpc-object' ? rpcBadge(key) : signalBadge(key)})`,
      });
    }
    return selector;
  }

  allocDataspace(size: number): Selector {
    this.#checkAlive();
    return this.core.allocDataspace(this.spd, size, this.label);
  }

  attach(dataspace: Selector): Uint8Array {
    const object = this.#dataspace(dataspace, 'attach');
    if (this.core.trace !== null)
      this.core.emit({
        operation: 'attach',
        pd: this.spd.label,
        thread: this.label,
        selector: dataspace,
        bytes: object.memory?.byteLength ?? 0,
      });
    return new Uint8Array(object.memory as ArrayBuffer);
  }

  dataspaceSize(dataspace: Selector): number {
    return (this.#dataspace(dataspace, 'dataspace size').memory as ArrayBuffer).byteLength;
  }

  #dataspace(selector: Selector, operation: string): SeamObject {
    this.#checkAlive();
    const object = this.core.objectAt(this.spd, selector);
    if (object === undefined) throw new InvalidCapabilityError(selector, operation, this.spd.label);
    if (object.kind !== 'dataspace') throw new WrongObjectKindError(selector, operation, 'dataspace', object.kind);
    return object;
  }

  quota(): QuotaState {
    const { ramLimit, ramUsed, capLimit, capUsed } = this.spd;
    return { ramLimit, ramUsed, capLimit, capUsed };
  }

  free(capability: Selector): void {
    this.#checkAlive();
    this.core.freeSelector(this.spd, capability, this.label);
  }

  dissolve(capability: Selector): void {
    this.#checkAlive();
    this.core.dissolve(this.spd, capability, this.label);
  }

  valid(capability: Selector): boolean {
    return this.alive && this.core.objectAt(this.spd, capability) !== undefined;
  }

  kindOf(capability: Selector): ObjectKind {
    this.#checkAlive();
    const object = this.core.objectAt(this.spd, capability);
    if (object === undefined) throw new InvalidCapabilityError(capability, 'kindOf', this.spd.label);
    return object.kind;
  }

  /** Ends the thread: calls to it abort, its own waiting call is dropped, core deletes its TCB. */
  destroy(reason: string): void {
    if (!this.alive) return;
    this.alive = false;
    this.handler = null;
    const core = this.core;
    if (this.#timer !== null) core.clock.cancel(this.#timer);
    this.#timer = null;
    for (const thread of core.threads.values()) {
      for (const call of [...thread.outgoing]) if (call.server === this) thread.abort(call, reason);
    }
    for (const call of this.outgoing) call.done = true;
    this.outgoing.clear();
    this.calling = null;
    for (const context of this.signals) context.queued = false;
    this.signals.length = 0;
    core.delete(this.tcbSlot);
    core.threads.delete(this.tcb);
    this.spd.threads.delete(this);
  }
}

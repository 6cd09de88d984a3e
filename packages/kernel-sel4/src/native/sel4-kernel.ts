import { ThreadStateError, type TraceHook } from '@os/kernel';
import { Cap, CapType, NULL_CAP } from './cap.js';
import { cteInsert, cteMove, cteSwap, emptySlot, insertNewCap } from './cdt.js';
import {
  InitialCaps,
  LookupFailure,
  ObjectType,
  Sel4Constants,
  Sel4Error,
  THREAD_STATE_NAMES,
  ThreadState,
} from './constants.js';
import { LookupFault, type ResolvedSlot, lookupSlot, resolveAddressBits } from './cspace.js';
import { Sel4CapFault } from './errors.js';
import {
  type CapRights,
  type MessageInfo,
  seL4_MessageInfo_get_extraCaps,
  seL4_MessageInfo_get_label,
  seL4_MessageInfo_get_length,
  seL4_MessageInfo_new,
} from './message-info.js';
import {
  CNode,
  type Cte,
  Endpoint,
  EndpointState,
  Frame,
  type KernelObject,
  Notification,
  NotificationState,
  Untyped,
} from './objects.js';
import { type RestartableCall, Tcb } from './tcb.js';
import { bit, bitsOf, isWord, wordOr } from './words.js';

const {
  seL4_MsgMaxLength,
  seL4_MsgMaxExtraCaps,
  seL4_WordBits,
  seL4_SlotBits,
  seL4_MaxUntypedBits,
  seL4_MinUntypedBits,
} = Sel4Constants;
const FAN_OUT = Sel4Constants.seL4_UntypedRetypeMaxObjects;

/** Sizes of a seL4 kernel instance. */
export interface Sel4KernelOptions {
  /** log2 bytes of the boot untyped the root task gets. Default 40 (1 TiB of modelled memory). */
  readonly memorySizeBits?: number;
  /** log2 slots of the root task's CNode (`CONFIG_ROOT_CNODE_SIZE_BITS`). Default 12. */
  readonly rootCNodeSizeBits?: number;
}

/** What the kernel hands the root task at boot (a slice of `seL4_BootInfo`). */
export interface BootInfo {
  /** The root task's thread: pass it to act as the root task. */
  readonly tcb: Tcb;
  /** log2 slots of its CNode (`initThreadCNodeSizeBits`). */
  readonly initThreadCNodeSizeBits: number;
  /** CPtr of the boot untyped. */
  readonly untyped: number;
  /** log2 bytes of the boot untyped. */
  readonly untypedSizeBits: number;
  /** Free slots of the root CNode, `[start, end)` (`seL4_SlotRegion empty`). */
  readonly empty: { readonly start: number; readonly end: number };
}

/** What `seL4_Recv` and friends return: the message tag and the sender's badge (libsel4's `sender`). */
export interface Sel4RecvResult {
  /** The received message tag. */
  readonly info: MessageInfo;
  /** The badge of the capability the message was sent on, or the notification word. */
  readonly badge: number;
}

/** `current_syscall_error`: the details of the last invocation error, written to the caller's MRs. */
interface SyscallError {
  invalidArgumentNumber: number;
  rangeMin: number;
  rangeMax: number;
  memoryLeft: number;
  failedLookupWasSource: boolean;
}

function alignUp(value: number, bits: number): number {
  const size = bit(bits);
  return Math.ceil(value / size) * size;
}

function objectSizeBits(type: number, userSize: number): number {
  switch (type) {
    case ObjectType.seL4_TCBObject:
      return Sel4Constants.seL4_TCBBits;
    case ObjectType.seL4_EndpointObject:
      return Sel4Constants.seL4_EndpointBits;
    case ObjectType.seL4_NotificationObject:
      return Sel4Constants.seL4_NotificationBits;
    case ObjectType.seL4_CapTableObject:
      return seL4_SlotBits + userSize;
    case ObjectType.seL4_FrameObject:
      return Sel4Constants.seL4_PageBits;
    default:
      return userSize;
  }
}

/**
 * A model of the seL4 microkernel (64-bit, non-MCS): untyped memory retyped into objects, CSpaces of
 * CNodes addressed by CPtr, the capability derivation tree, endpoints with badges, notifications, and
 * the system calls by their libsel4 names. Every call takes the calling thread's {@link Tcb} first,
 * where the real kernel knows it implicitly; CPtrs resolve in that thread's CSpace.
 *
 * Invocations return the seL4 error code and, like the kernel's error reply, leave its details in the
 * caller's message registers (`RangeError`: MR0 min, MR1 max; `FailedLookup`: MR0 source?, MR1 the
 * lookup failure type, MR2... its details; `NotEnoughMemory`: MR0 bytes left).
 */
export class Sel4Kernel {
  readonly #fault = new LookupFault();
  readonly #resolved: ResolvedSlot = { slot: null, bitsRemaining: 0 };
  readonly #extra: (Cte | null)[] = [null, null, null];
  readonly #error: SyscallError = {
    invalidArgumentNumber: 0,
    rangeMin: 0,
    rangeMax: 0,
    memoryLeft: 0,
    failedLookupWasSource: false,
  };
  readonly #options: Required<Sel4KernelOptions>;
  #direct: Tcb | null = null;
  #trace: TraceHook | null = null;
  #booted = false;

  /** Creates a kernel; call {@link Sel4Kernel.bootstrap} to get the root task. */
  constructor(options: Sel4KernelOptions = {}) {
    this.#options = {
      memorySizeBits: options.memorySizeBits ?? 40,
      rootCNodeSizeBits: options.rootCNodeSizeBits ?? 12,
    };
  }

  /** Installs a hook that sees every system call and invocation, by its seL4 name (`operation: 'native'`). */
  setTrace(hook: TraceHook | null): void {
    this.#trace = hook;
  }

  /**
   * Boots: creates the root task's thread, its CNode (guarded so CPtrs resolve with all 64 bits) and
   * one untyped of all memory, at the initial slots seL4 uses.
   */
  bootstrap(): BootInfo {
    if (this.#booted) throw new ThreadStateError('the kernel has already booted its root task');
    this.#booted = true;
    const { memorySizeBits, rootCNodeSizeBits } = this.#options;
    const cnode = new CNode(0, rootCNodeSizeBits);
    const tcb = new Tcb(0, Sel4Constants.seL4_TCBBits, 'rootserver');
    const cnodeCap = new Cap(CapType.CNodeCap, cnode, 0, 15, 0, seL4_WordBits - rootCNodeSizeBits);
    const place = (index: number, cap: Cap): Cte => {
      const slot = cnode.slot(index);
      slot.cap = cap;
      slot.revocable = true;
      slot.firstBadged = true;
      (cap.object as KernelObject).capCount++;
      return slot;
    };
    place(InitialCaps.seL4_CapInitThreadTCB, new Cap(CapType.ThreadCap, tcb));
    const cnodeSlot = place(InitialCaps.seL4_CapInitThreadCNode, cnodeCap);
    const untypedCptr = InitialCaps.seL4_NumInitialCaps;
    place(untypedCptr, new Cap(CapType.UntypedCap, new Untyped(bit(memorySizeBits), memorySizeBits)));
    cteInsert(cnodeCap, cnodeSlot, tcb.cspaceRoot);
    tcb.state = ThreadState.Running;
    return {
      tcb,
      initThreadCNodeSizeBits: rootCNodeSizeBits,
      untyped: untypedCptr,
      untypedSizeBits: memorySizeBits,
      empty: { start: untypedCptr + 1, end: bit(rootCNodeSizeBits) },
    };
  }

  // ------------------------------------------------------------------ inspection

  /** The thread behind the TCB cap `cptr` of `invoker`: the handle JavaScript uses to act as that thread. */
  threadOf(invoker: Tcb, cptr: number): Tcb {
    const slot = this.#slotOf(invoker, cptr);
    if (slot === null || slot.cap.type !== CapType.ThreadCap)
      throw new ThreadStateError(`CPtr ${cptr} of "${invoker.name}" names no TCB`);
    return slot.cap.object as Tcb;
  }

  /** The capability type in the slot `cptr` names (`seL4_DebugCapIdentify`); `cap_null_cap` (0) if none resolves. */
  seL4_DebugCapIdentify(invoker: Tcb, cptr: number): CapType {
    return this.#slotOf(invoker, cptr)?.cap.type ?? CapType.NullCap;
  }

  /** The capability in the slot `cptr` names, for inspection (badge, rights, object), or the null cap. */
  capAt(invoker: Tcb, cptr: number): Cap {
    return this.#slotOf(invoker, cptr)?.cap ?? NULL_CAP;
  }

  /** Names the thread behind TCB cap `cptr` (`seL4_DebugNameThread`), for traces. */
  seL4_DebugNameThread(invoker: Tcb, cptr: number, name: string): void {
    this.threadOf(invoker, cptr).name = name;
  }

  #slotOf(invoker: Tcb, cptr: number): Cte | null {
    if (!isWord(cptr) || !lookupSlot(invoker.cspaceRoot.cap, cptr, this.#fault, this.#resolved)) return null;
    return this.#resolved.slot;
  }

  // ------------------------------------------------------------------ system calls

  /** `seL4_Send`: sends the message in the IPC buffer on `dest`, blocking until a receiver takes it. */
  seL4_Send(tcb: Tcb, dest: number, info: MessageInfo): void | Promise<void> {
    this.#enter(tcb, 'seL4_Send', dest);
    const fault = this.#invoke(tcb, dest, info, false, true);
    this.#exit();
    if (fault !== null) throw fault;
    if (tcb.state === ThreadState.Running) return;
    return this.#block(tcb).then(() => undefined);
  }

  /** `seL4_NBSend`: sends only if a receiver is waiting; otherwise the message is dropped. Never faults. */
  seL4_NBSend(tcb: Tcb, dest: number, info: MessageInfo): void {
    this.#enter(tcb, 'seL4_NBSend', dest);
    this.#invoke(tcb, dest, info, false, false);
    this.#exit();
  }

  /** `seL4_Signal`: signals the notification `dest` (a send with an empty message). */
  seL4_Signal(tcb: Tcb, dest: number): void | Promise<void> {
    this.#enter(tcb, 'seL4_Signal', dest);
    const fault = this.#invoke(tcb, dest, 0, false, true);
    this.#exit();
    if (fault !== null) throw fault;
    if (tcb.state === ThreadState.Running) return;
    return this.#block(tcb).then(() => undefined);
  }

  /**
   * `seL4_Call`: sends on `dest` and waits for the reply. Returns the reply's tag at once when the reply
   * arrived within the call (the receiver was waiting and answered synchronously, or the kernel
   * answered an error), else a promise of it.
   */
  seL4_Call(tcb: Tcb, dest: number, info: MessageInfo): MessageInfo | Promise<MessageInfo> {
    this.#enter(tcb, 'seL4_Call', dest);
    const fault = this.#invoke(tcb, dest, info, true, true);
    this.#exit();
    if (fault !== null) throw fault;
    if (tcb.state === ThreadState.Running) return tcb.msgInfo;
    return this.#block(tcb);
  }

  /** `seL4_Reply`: replies to the thread whose call this one received last (non-MCS: the caller slot). */
  seL4_Reply(tcb: Tcb, info: MessageInfo): void {
    this.#enter(tcb, 'seL4_Reply', 0);
    tcb.msgInfo = info;
    this.#handleReply(tcb);
    this.#exit();
  }

  /** `seL4_Recv`: waits for a message on endpoint `src` (or a signal on notification `src`). */
  seL4_Recv(tcb: Tcb, src: number): Sel4RecvResult | Promise<Sel4RecvResult> {
    this.#enter(tcb, 'seL4_Recv', src);
    return this.#receive(tcb, src, true);
  }

  /** `seL4_NBRecv`: takes a waiting message if there is one; the badge is 0 if there was none. */
  seL4_NBRecv(tcb: Tcb, src: number): Sel4RecvResult {
    this.#enter(tcb, 'seL4_NBRecv', src);
    return this.#receive(tcb, src, false) as Sel4RecvResult;
  }

  /** `seL4_ReplyRecv`: replies to the last caller, then waits on `src`: a server's loop in one call. */
  seL4_ReplyRecv(tcb: Tcb, src: number, info: MessageInfo): Sel4RecvResult | Promise<Sel4RecvResult> {
    this.#enter(tcb, 'seL4_ReplyRecv', src);
    tcb.msgInfo = info;
    this.#handleReply(tcb);
    return this.#receive(tcb, src, true);
  }

  /** `seL4_Wait`: waits on notification `src`; returns the word of badges signalled since the last wait. */
  seL4_Wait(tcb: Tcb, src: number): number | Promise<number> {
    this.#enter(tcb, 'seL4_Wait', src);
    const result = this.#receive(tcb, src, true);
    return result instanceof Promise ? result.then((received) => received.badge) : result.badge;
  }

  /** `seL4_Poll`: the notification word if one is pending, else 0, without blocking. */
  seL4_Poll(tcb: Tcb, src: number): number {
    this.#enter(tcb, 'seL4_Poll', src);
    return (this.#receive(tcb, src, false) as Sel4RecvResult).badge;
  }

  /**
   * The fast receive the seam adapter's entrypoints use: `seL4_ReplyRecv` (or `seL4_Recv` when
   * `reply` is false) returning `true` if a message or signal arrived at once, `false` if the thread
   * now waits (its `resume` runs when one arrives). Allocates nothing.
   */
  replyRecvFast(tcb: Tcb, src: number, info: MessageInfo, reply: boolean): boolean {
    this.#enter(tcb, reply ? 'seL4_ReplyRecv' : 'seL4_Recv', src);
    if (reply) {
      tcb.msgInfo = info;
      this.#handleReply(tcb);
    }
    const fault = this.#handleRecv(tcb, src, true);
    if (tcb.state !== ThreadState.Running && fault === null)
      tcb.restart = { kind: 'recv', blocking: true, cptr: src, info: 0 };
    this.#exit();
    if (fault !== null) throw fault;
    return tcb.state === ThreadState.Running;
  }

  /**
   * The fast call the seam adapter uses: `seL4_Call` returning `true` when the reply arrived within
   * the call, `false` when the thread now waits (its `resume` runs when the reply comes). Allocates nothing.
   */
  callFast(tcb: Tcb, dest: number, info: MessageInfo): boolean {
    this.#enter(tcb, 'seL4_Call', dest);
    const fault = this.#invoke(tcb, dest, info, true, true);
    this.#exit();
    if (fault !== null) throw fault;
    return tcb.state === ThreadState.Running;
  }

  /**
   * Ends whatever IPC the thread is blocked in and lets it run on: what core does with
   * `seL4_TCB_Suspend` followed by `seL4_TCB_WriteRegisters` (resume) at a new instruction pointer.
   * The interrupted call does not return.
   */
  abortIPC(tcb: Tcb): void {
    this.cancelIPC(tcb);
    tcb.restart = null;
    tcb.wake = null;
    if (tcb.alive) tcb.state = ThreadState.Running;
  }

  #receive(tcb: Tcb, src: number, blocking: boolean): Sel4RecvResult | Promise<Sel4RecvResult> {
    const fault = this.#handleRecv(tcb, src, blocking);
    if (tcb.state !== ThreadState.Running && fault === null)
      tcb.restart = { kind: 'recv', blocking, cptr: src, info: 0 };
    this.#exit();
    if (fault !== null) throw fault;
    if (tcb.state === ThreadState.Running) return { info: tcb.msgInfo, badge: tcb.badge };
    return this.#block(tcb).then(() => ({ info: tcb.msgInfo, badge: tcb.badge }));
  }

  #enter(tcb: Tcb, name: string, cptr: number): void {
    if (tcb.state !== ThreadState.Running || !tcb.alive) throw this.#notRunning(tcb, name);
    if (!isWord(cptr)) throw new RangeError(`${name}: CPtr must be a word (a non-negative safe integer), got ${cptr}`);
    if (this.#trace !== null)
      this.#trace({ operation: 'native', pd: tcb.name, thread: tcb.name, selector: cptr, detail: name });
  }

  /**
   * Why a thread that is not running cannot make system call `name`. One blocked in `seL4_Call` (its request queued on
   * the endpoint, or waiting for the reply) has a call outstanding: JavaScript code acting as the thread tried a second
   * call (or any call) before the first returned.
   */
  #notRunning(tcb: Tcb, name: string): ThreadStateError {
    const state = tcb.alive ? (THREAD_STATE_NAMES[tcb.state] as string) : 'deleted';
    const calling =
      tcb.alive &&
      (tcb.state === ThreadState.BlockedOnReply || (tcb.state === ThreadState.BlockedOnSend && tcb.blockingIsCall));
    if (!calling) return new ThreadStateError(`thread "${tcb.name}" cannot make ${name}: it is not running (${state})`);
    return new ThreadStateError(
      `thread "${tcb.name}" cannot make ${name}: it has a call outstanding (blocked in seL4_Call until its reply, ` +
        `${state}); ${
          name === 'seL4_Call'
            ? 'a thread makes one call at a time: serialise the calls or make the other from another thread'
            : 'it makes no other system call until that reply: make this one after it, or from another thread'
        }`,
    );
  }

  /** Runs the continuation of the thread the last call switched to, now that the kernel is done. */
  #exit(): void {
    const target = this.#direct;
    if (target === null) return;
    this.#direct = null;
    const resume = target.resume;
    if (resume !== null && target.state === ThreadState.Running) resume();
  }

  #block(tcb: Tcb): Promise<MessageInfo> {
    return new Promise<MessageInfo>((resolve, reject) => {
      tcb.wake = (fault) => (fault === null ? resolve(tcb.msgInfo) : reject(fault));
    });
  }

  /** `possibleSwitchTo`: the woken thread runs once the current kernel operation is done. */
  #switchTo(tcb: Tcb): void {
    if (tcb.resume !== null) {
      if (this.#direct === null) this.#direct = tcb;
      else
        queueMicrotask(() => {
          if (tcb.resume !== null && tcb.state === ThreadState.Running) tcb.resume();
        });
    } else if (tcb.wake !== null) {
      const wake = tcb.wake;
      tcb.wake = null;
      wake(null);
    }
  }

  // ------------------------------------------------------------------ invocation of a capability

  /** `handleInvocation` for the IPC objects: looks up `cptr` and its extra caps and performs the send. */
  #invoke(
    tcb: Tcb,
    cptr: number,
    info: MessageInfo,
    isCall: boolean,
    isBlocking: boolean,
    restarting = false,
  ): Sel4CapFault | null {
    tcb.msgInfo = info;
    const resolved = this.#resolved;
    if (!lookupSlot(tcb.cspaceRoot.cap, cptr, this.#fault, resolved))
      return isBlocking ? this.#capFault(tcb, cptr, false) : null;
    const slot = resolved.slot as Cte;
    if (seL4_MessageInfo_get_extraCaps(info) !== 0 && !this.#lookupExtraCaps(tcb, info))
      return isBlocking ? this.#capFault(tcb, tcb.ipcBuffer.capsOrBadges[this.#failedExtra] ?? 0, false) : null;
    const cap = slot.cap;
    switch (cap.type) {
      case CapType.EndpointCap:
        if (!cap.canSend) return this.#kernelError(tcb, isCall, Sel4Error.seL4_InvalidCapability);
        this.#sendIPC(isBlocking, isCall, cap.badge, cap.canGrant, cap.canGrantReply, tcb, cap.object as Endpoint);
        if (tcb.state === ThreadState.BlockedOnSend && !restarting)
          tcb.restart = { kind: isCall ? 'call' : 'send', blocking: isBlocking, cptr, info };
        else if (tcb.state === ThreadState.BlockedOnSend)
          (tcb.restart as RestartableCall | null) ??= {
            kind: isCall ? 'call' : 'send',
            blocking: isBlocking,
            cptr,
            info,
          };
        return null;
      case CapType.NotificationCap:
        if (!cap.canSend) return this.#kernelError(tcb, isCall, Sel4Error.seL4_InvalidCapability);
        this.#sendSignal(cap.object as Notification, cap.badge);
        if (isCall) this.#replySuccess(tcb);
        return null;
      case CapType.ReplyCap:
        if (cap.badge === 1) return this.#kernelError(tcb, isCall, Sel4Error.seL4_InvalidCapability);
        this.#doReplyTransfer(tcb, cap.object as Tcb, slot, cap.canGrant);
        if (isCall) this.#replySuccess(tcb);
        return null;
      case CapType.NullCap:
        return this.#kernelError(tcb, isCall, Sel4Error.seL4_InvalidCapability);
      default:
        return this.#kernelError(tcb, isCall, Sel4Error.seL4_IllegalOperation);
    }
  }

  #failedExtra = 0;

  /** `lookupExtraCaps`: resolves the CPtrs of the extra caps the tag announces. */
  #lookupExtraCaps(tcb: Tcb, info: MessageInfo): boolean {
    const count = seL4_MessageInfo_get_extraCaps(info);
    const extra = this.#extra;
    const cptrs = tcb.ipcBuffer.capsOrBadges;
    for (let i = 0; i < count; i++) {
      const cptr = cptrs[i] as number;
      if (!isWord(cptr) || !lookupSlot(tcb.cspaceRoot.cap, cptr, this.#fault, this.#resolved)) {
        this.#failedExtra = i;
        return false;
      }
      extra[i] = this.#resolved.slot;
    }
    if (count < seL4_MsgMaxExtraCaps) extra[count] = null;
    return true;
  }

  #capFault(tcb: Tcb, cptr: number, inReceivePhase: boolean): Sel4CapFault {
    this.#suspend(tcb);
    return new Sel4CapFault(tcb.name, cptr, inReceivePhase, this.#fault.type, this.#fault.bitsLeft);
  }

  /** `replyFromKernel_error` for a call; a plain send drops the error. */
  #kernelError(tcb: Tcb, isCall: boolean, code: number): null {
    if (isCall) {
      tcb.ipcBuffer.setMR(0, 0);
      tcb.badge = 0;
      tcb.msgInfo = seL4_MessageInfo_new(code, 0, 0, 1);
    }
    return null;
  }

  #replySuccess(tcb: Tcb): void {
    tcb.badge = 0;
    tcb.msgInfo = 0;
  }

  // ------------------------------------------------------------------ endpoints

  /** `sendIPC` in `src/object/endpoint.c`. */
  #sendIPC(
    blocking: boolean,
    doCall: boolean,
    badge: number,
    canGrant: boolean,
    canGrantReply: boolean,
    thread: Tcb,
    endpoint: Endpoint,
  ): void {
    if (endpoint.state !== EndpointState.Recv) {
      if (!blocking) return;
      thread.state = ThreadState.BlockedOnSend;
      thread.blockingObject = endpoint;
      thread.blockingBadge = badge;
      thread.blockingCanGrant = canGrant;
      thread.blockingCanGrantReply = canGrantReply;
      thread.blockingIsCall = doCall;
      endpoint.queue.push(thread);
      endpoint.state = EndpointState.Send;
      return;
    }
    const dest = endpoint.queue.shift() as Tcb;
    if (endpoint.queue.length === 0) endpoint.state = EndpointState.Idle;
    this.#doNormalTransfer(thread, endpoint, badge, canGrant, dest);
    const replyCanGrant = dest.blockingCanGrant;
    dest.state = ThreadState.Running;
    dest.blockingObject = null;
    dest.restart = null;
    this.#switchTo(dest);
    if (doCall) {
      if (canGrant || canGrantReply) this.#setupCallerCap(thread, dest, replyCanGrant);
      else thread.state = ThreadState.Inactive;
    }
  }

  /** `receiveIPC` in `src/object/endpoint.c` (non-MCS). */
  #receiveIPC(thread: Tcb, cap: Cap, isBlocking: boolean): void {
    const endpoint = cap.object as Endpoint;
    const bound = thread.boundNotification;
    if (bound !== null && bound.state === NotificationState.Active) {
      this.#completeSignal(bound, thread);
      return;
    }
    if (endpoint.state !== EndpointState.Send) {
      if (isBlocking) {
        thread.state = ThreadState.BlockedOnReceive;
        thread.blockingObject = endpoint;
        thread.blockingCanGrant = cap.canGrant;
        endpoint.queue.push(thread);
        endpoint.state = EndpointState.Recv;
      } else {
        thread.badge = 0;
      }
      return;
    }
    const sender = endpoint.queue.shift() as Tcb;
    if (endpoint.queue.length === 0) endpoint.state = EndpointState.Idle;
    const canGrant = sender.blockingCanGrant;
    const canGrantReply = sender.blockingCanGrantReply;
    this.#doNormalTransfer(sender, endpoint, sender.blockingBadge, canGrant, thread);
    sender.blockingObject = null;
    sender.restart = null;
    if (sender.blockingIsCall) {
      if (canGrant || canGrantReply) this.#setupCallerCap(sender, thread, cap.canGrant);
      else sender.state = ThreadState.Inactive;
    } else {
      sender.state = ThreadState.Running;
      this.#switchTo(sender);
    }
  }

  /**
   * `doNormalTransfer` and `transferCaps` in `src/kernel/thread.c`: MRs, then at most one new cap into the receive
   * slot.
   */
  #doNormalTransfer(sender: Tcb, endpoint: Endpoint | null, badge: number, canGrant: boolean, receiver: Tcb): void {
    const tag = sender.msgInfo;
    let length = seL4_MessageInfo_get_length(tag);
    if (length > seL4_MsgMaxLength) length = seL4_MsgMaxLength;
    const extra = this.#extra;
    if (!canGrant || seL4_MessageInfo_get_extraCaps(tag) === 0 || !this.#lookupExtraCaps(sender, tag)) extra[0] = null;
    const from = sender.ipcBuffer.words;
    const to = receiver.ipcBuffer.words;
    for (let i = 0, words = length * 2; i < words; i++) to[i] = from[i] as number;
    let unwrapped = 0;
    let transferred = 0;
    if (extra[0] !== null) {
      let destSlot = this.#receiveSlot(receiver);
      const badges = receiver.ipcBuffer.capsOrBadges;
      for (; transferred < seL4_MsgMaxExtraCaps; transferred++) {
        const slot = extra[transferred];
        if (slot === null || slot === undefined) break;
        const cap = slot.cap;
        if (cap.type === CapType.EndpointCap && cap.object === endpoint) {
          badges[transferred] = cap.badge;
          unwrapped |= 1 << transferred;
          continue;
        }
        if (destSlot === null) break;
        if (cap.type === CapType.NullCap || cap.type === CapType.ReplyCap) break;
        if (cap.type === CapType.UntypedCap && slot.hasChildren) break;
        cteInsert(cap, slot, destSlot);
        destSlot = null;
      }
    }
    receiver.msgInfo = seL4_MessageInfo_new(seL4_MessageInfo_get_label(tag), unwrapped, transferred, length);
    receiver.badge = badge;
  }

  /** `getReceiveSlots`: the empty slot the receiver's IPC buffer names, or null. */
  #receiveSlot(receiver: Tcb): Cte | null {
    const buffer = receiver.ipcBuffer;
    if (!lookupSlot(receiver.cspaceRoot.cap, buffer.receiveCNode, this.#fault, this.#resolved)) return null;
    const root = (this.#resolved.slot as Cte).cap;
    const slot = this.#lookupSlotForCNodeOp(root, buffer.receiveIndex, buffer.receiveDepth, false);
    return slot?.empty ? slot : null;
  }

  /** `setupCallerCap` (non-MCS): the receiver's caller slot gets a reply cap to the sender. */
  #setupCallerCap(sender: Tcb, receiver: Tcb, canGrant: boolean): void {
    sender.state = ThreadState.BlockedOnReply;
    const callerSlot = receiver.callerSlot;
    if (!callerSlot.empty) emptySlot(callerSlot);
    cteInsert(sender.replyCaps[canGrant ? 1 : 0], sender.replySlot, callerSlot);
  }

  #handleReply(tcb: Tcb): void {
    const callerSlot = tcb.callerSlot;
    const cap = callerSlot.cap;
    if (cap.type === CapType.ReplyCap && cap.badge !== 1)
      this.#doReplyTransfer(tcb, cap.object as Tcb, callerSlot, cap.canGrant);
  }

  /** `doReplyTransfer` (non-MCS): the reply goes to the caller, the reply cap is used up. */
  #doReplyTransfer(sender: Tcb, receiver: Tcb, slot: Cte, grant: boolean): void {
    if (receiver.state !== ThreadState.BlockedOnReply) {
      emptySlot(slot);
      return;
    }
    this.#doNormalTransfer(sender, null, 0, grant, receiver);
    emptySlot(slot);
    receiver.state = ThreadState.Running;
    receiver.restart = null;
    this.#switchTo(receiver);
  }

  /** `handleRecv` (non-MCS): looks up `cptr` and receives on the endpoint or notification it names. */
  #handleRecv(tcb: Tcb, cptr: number, isBlocking: boolean): Sel4CapFault | null {
    if (!lookupSlot(tcb.cspaceRoot.cap, cptr, this.#fault, this.#resolved)) return this.#capFault(tcb, cptr, true);
    const cap = (this.#resolved.slot as Cte).cap;
    if (cap.type === CapType.EndpointCap) {
      if (!cap.canReceive) {
        this.#fault.set(LookupFailure.seL4_MissingCapability, 0);
        return this.#capFault(tcb, cptr, true);
      }
      if (!tcb.callerSlot.empty) emptySlot(tcb.callerSlot);
      this.#receiveIPC(tcb, cap, isBlocking);
      return null;
    }
    if (cap.type === CapType.NotificationCap) {
      const notification = cap.object as Notification;
      if (!cap.canReceive || (notification.boundTcb !== null && notification.boundTcb !== tcb)) {
        this.#fault.set(LookupFailure.seL4_MissingCapability, 0);
        return this.#capFault(tcb, cptr, true);
      }
      this.#receiveSignal(tcb, notification, isBlocking);
      return null;
    }
    this.#fault.set(LookupFailure.seL4_MissingCapability, 0);
    return this.#capFault(tcb, cptr, true);
  }

  /**
   * `cancelIPC`: takes a blocked thread off the endpoint or notification it waits on (it becomes
   * inactive), or deletes the reply cap a thread blocked on reply waits for. seL4 reaches it through
   * `TCB_Suspend`; the seam adapter uses it to take an entrypoint's thread out of its receive.
   */
  cancelIPC(tcb: Tcb): void {
    const blocking = tcb.blockingObject;
    switch (tcb.state) {
      case ThreadState.BlockedOnSend:
      case ThreadState.BlockedOnReceive: {
        const endpoint = blocking as Endpoint;
        const index = endpoint.queue.indexOf(tcb);
        if (index >= 0) endpoint.queue.splice(index, 1);
        if (endpoint.queue.length === 0) endpoint.state = EndpointState.Idle;
        tcb.state = ThreadState.Inactive;
        break;
      }
      case ThreadState.BlockedOnNotification: {
        const notification = blocking as Notification;
        const index = notification.queue.indexOf(tcb);
        if (index >= 0) notification.queue.splice(index, 1);
        if (notification.queue.length === 0) notification.state = NotificationState.Idle;
        tcb.state = ThreadState.Inactive;
        break;
      }
      case ThreadState.BlockedOnReply:
        for (let reply = tcb.replySlot.firstChild; reply !== null; reply = tcb.replySlot.firstChild) emptySlot(reply);
        break;
      default:
        break;
    }
    tcb.blockingObject = null;
  }

  /** `cancelAllIPC`: every thread queued on the endpoint restarts its call. */
  #cancelAllIPC(endpoint: Endpoint): void {
    const queue = endpoint.queue.splice(0);
    endpoint.state = EndpointState.Idle;
    for (const thread of queue) this.#restartThread(thread);
  }

  /** `cancelBadgedSends`: senders queued with `badge` restart (and so find their cap gone, if it was revoked). */
  #cancelBadgedSends(endpoint: Endpoint, badge: number): void {
    if (endpoint.state !== EndpointState.Send) return;
    const queue = endpoint.queue.splice(0);
    for (const thread of queue) {
      if (thread.blockingBadge === badge) this.#restartThread(thread);
      else endpoint.queue.push(thread);
    }
    endpoint.state = endpoint.queue.length > 0 ? EndpointState.Send : EndpointState.Idle;
  }

  /** Sets `ThreadState_Restart`: the thread re-executes its interrupted call when it next runs. */
  #restartThread(thread: Tcb): void {
    thread.state = ThreadState.Restart;
    thread.blockingObject = null;
    queueMicrotask(() => this.#rerun(thread));
  }

  #rerun(thread: Tcb): void {
    if (thread.state !== ThreadState.Restart || !thread.alive) return;
    thread.state = ThreadState.Running;
    const call = thread.restart;
    thread.restart = null;
    if (call === null) {
      this.#switchTo(thread);
      this.#exit();
      return;
    }
    let fault: Sel4CapFault | null;
    if (call.kind === 'recv' || call.kind === 'wait') {
      fault = this.#handleRecv(thread, call.cptr, call.blocking);
      if (fault === null && (thread.state as ThreadState) !== ThreadState.Running) thread.restart = call;
    } else {
      fault = this.#invoke(thread, call.cptr, call.info, call.kind === 'call', call.blocking, true);
      if (fault === null && (thread.state as ThreadState) === ThreadState.BlockedOnSend) thread.restart = call;
    }
    if (fault !== null) {
      const wake = thread.wake;
      thread.wake = null;
      wake?.(fault);
    } else if ((thread.state as ThreadState) === ThreadState.Running) {
      this.#switchTo(thread);
    }
    this.#exit();
  }

  // ------------------------------------------------------------------ notifications

  /** `sendSignal` in `src/object/notification.c`. */
  #sendSignal(notification: Notification, badge: number): void {
    switch (notification.state) {
      case NotificationState.Idle: {
        const bound = notification.boundTcb;
        if (bound !== null && bound.state === ThreadState.BlockedOnReceive) {
          this.cancelIPC(bound);
          bound.state = ThreadState.Running;
          bound.restart = null;
          bound.badge = badge;
          this.#switchTo(bound);
        } else {
          notification.state = NotificationState.Active;
          notification.word = badge;
        }
        break;
      }
      case NotificationState.Waiting: {
        const dest = notification.queue.shift() as Tcb;
        if (notification.queue.length === 0) notification.state = NotificationState.Idle;
        dest.state = ThreadState.Running;
        dest.blockingObject = null;
        dest.restart = null;
        dest.badge = badge;
        this.#switchTo(dest);
        break;
      }
      default:
        notification.word = wordOr(notification.word, badge);
    }
  }

  /** `receiveSignal`: takes the word if active, else blocks (or returns badge 0 when polling). */
  #receiveSignal(thread: Tcb, notification: Notification, isBlocking: boolean): void {
    if (notification.state === NotificationState.Active) {
      this.#completeSignal(notification, thread);
      return;
    }
    if (!isBlocking) {
      thread.badge = 0;
      return;
    }
    thread.state = ThreadState.BlockedOnNotification;
    thread.blockingObject = notification;
    notification.queue.push(thread);
    notification.state = NotificationState.Waiting;
  }

  #completeSignal(notification: Notification, thread: Tcb): void {
    thread.badge = notification.word;
    notification.word = 0;
    notification.state = NotificationState.Idle;
  }

  // ------------------------------------------------------------------ Untyped

  /**
   * `seL4_Untyped_Retype`: creates `num_objects` objects of `type` from the untyped `service` into
   * consecutive empty slots from `node_offset` of the CNode at (`root`, `node_index`, `node_depth`).
   * Allocates upward from the untyped's watermark, reset to its start once it has no children.
   */
  seL4_Untyped_Retype(
    tcb: Tcb,
    service: number,
    type: number,
    size_bits: number,
    root: number,
    node_index: number,
    node_depth: number,
    node_offset: number,
    num_objects: number,
  ): Sel4Error {
    const slot = this.#service(tcb, service, 'Untyped_Retype');
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    if (slot.cap.type !== CapType.UntypedCap) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    const rootCap = this.#extraCap(tcb, root);
    const error = this.#error;
    if (!Number.isSafeInteger(type) || type < 0 || type > ObjectType.seL4_FrameObject) {
      error.invalidArgumentNumber = 0;
      return this.#fail(tcb, Sel4Error.seL4_InvalidArgument);
    }
    const objectSize = objectSizeBits(type, size_bits);
    if (!isWord(size_bits) || size_bits >= seL4_WordBits || objectSize > seL4_MaxUntypedBits) {
      return this.#range(tcb, 0, seL4_MaxUntypedBits);
    }
    if (
      (type === ObjectType.seL4_CapTableObject && size_bits === 0) ||
      (type === ObjectType.seL4_UntypedObject && size_bits < seL4_MinUntypedBits)
    ) {
      error.invalidArgumentNumber = 1;
      return this.#fail(tcb, Sel4Error.seL4_InvalidArgument);
    }
    let nodeCap = rootCap;
    if (node_depth !== 0) {
      const nodeSlot = this.#lookupSlotForCNodeOp(rootCap, node_index, node_depth, false);
      if (nodeSlot === null) return this.#fail(tcb, this.#lastLookupError);
      nodeCap = nodeSlot.cap;
    }
    if (nodeCap.type !== CapType.CNodeCap) {
      error.failedLookupWasSource = false;
      this.#fault.set(LookupFailure.seL4_MissingCapability, node_depth);
      return this.#fail(tcb, Sel4Error.seL4_FailedLookup);
    }
    const cnode = nodeCap.object as CNode;
    const nodeSize = bit(cnode.radix);
    if (!isWord(node_offset) || node_offset > nodeSize - 1) return this.#range(tcb, 0, nodeSize - 1);
    if (!isWord(num_objects) || num_objects < 1 || num_objects > FAN_OUT) return this.#range(tcb, 1, FAN_OUT);
    if (num_objects > nodeSize - node_offset) return this.#range(tcb, 1, nodeSize - node_offset);
    for (let i = node_offset; i < node_offset + num_objects; i++) {
      if (!cnode.slot(i).empty) return this.#fail(tcb, Sel4Error.seL4_DeleteFirst);
    }
    const untyped = slot.cap.object as Untyped;
    const reset = !slot.hasChildren;
    const freeIndex = reset ? 0 : untyped.freeIndex;
    const freeBytes = bit(untyped.sizeBits) - freeIndex;
    if (Math.floor(freeBytes / bit(objectSize)) < num_objects) {
      error.memoryLeft = freeBytes;
      return this.#fail(tcb, Sel4Error.seL4_NotEnoughMemory);
    }
    const base = alignUp(untyped.address + freeIndex, objectSize);
    untyped.freeIndex = base + num_objects * bit(objectSize) - untyped.address;
    for (let i = 0; i < num_objects; i++) {
      const cap = this.#createObject(type, base + i * bit(objectSize), size_bits);
      insertNewCap(slot, cnode.slot(node_offset + i), cap);
    }
    return this.#succeed(tcb);
  }

  #createObject(type: number, address: number, userSize: number): Cap {
    switch (type) {
      case ObjectType.seL4_UntypedObject:
        return new Cap(CapType.UntypedCap, new Untyped(address, userSize));
      case ObjectType.seL4_TCBObject:
        return new Cap(
          CapType.ThreadCap,
          new Tcb(address, Sel4Constants.seL4_TCBBits, `tcb@0x${address.toString(16)}`),
        );
      case ObjectType.seL4_EndpointObject:
        return new Cap(CapType.EndpointCap, new Endpoint(address, Sel4Constants.seL4_EndpointBits));
      case ObjectType.seL4_NotificationObject:
        return new Cap(CapType.NotificationCap, new Notification(address, Sel4Constants.seL4_NotificationBits), 0, 3);
      case ObjectType.seL4_CapTableObject:
        return new Cap(CapType.CNodeCap, new CNode(address, userSize));
      default:
        return new Cap(CapType.FrameCap, new Frame(address, Sel4Constants.seL4_PageBits));
    }
  }

  // ------------------------------------------------------------------ CNode

  /** `seL4_CNode_Copy`: a derived copy of the source cap, with `rights` masked in, into an empty slot. */
  seL4_CNode_Copy(
    tcb: Tcb,
    service: number,
    dest_index: number,
    dest_depth: number,
    src_root: number,
    src_index: number,
    src_depth: number,
    rights: CapRights,
  ): Sel4Error {
    return this.#insertOp(
      tcb,
      'CNode_Copy',
      service,
      dest_index,
      dest_depth,
      src_root,
      src_index,
      src_depth,
      (source) => source.cap.maskRights(rights),
    );
  }

  /** `seL4_CNode_Mint`: like Copy, also setting a badge (endpoint, notification; once only) or a guard (CNode). */
  seL4_CNode_Mint(
    tcb: Tcb,
    service: number,
    dest_index: number,
    dest_depth: number,
    src_root: number,
    src_index: number,
    src_depth: number,
    rights: CapRights,
    badge: number,
  ): Sel4Error {
    return this.#insertOp(
      tcb,
      'CNode_Mint',
      service,
      dest_index,
      dest_depth,
      src_root,
      src_index,
      src_depth,
      (source) => updateCapData(false, badge, source.cap.maskRights(rights)),
    );
  }

  /** `seL4_CNode_Move`: moves a cap, with its place in the derivation tree, to an empty slot. */
  seL4_CNode_Move(
    tcb: Tcb,
    service: number,
    dest_index: number,
    dest_depth: number,
    src_root: number,
    src_index: number,
    src_depth: number,
  ): Sel4Error {
    return this.#insertOp(tcb, 'CNode_Move', service, dest_index, dest_depth, src_root, src_index, src_depth, null);
  }

  /** `seL4_CNode_Mutate`: moves a cap, changing its guard (CNode caps; badged caps cannot be mutated). */
  seL4_CNode_Mutate(
    tcb: Tcb,
    service: number,
    dest_index: number,
    dest_depth: number,
    src_root: number,
    src_index: number,
    src_depth: number,
    badge: number,
  ): Sel4Error {
    return this.#insertOp(
      tcb,
      'CNode_Mutate',
      service,
      dest_index,
      dest_depth,
      src_root,
      src_index,
      src_depth,
      null,
      badge,
    );
  }

  #insertOp(
    tcb: Tcb,
    name: string,
    service: number,
    destIndex: number,
    destDepth: number,
    srcRoot: number,
    srcIndex: number,
    srcDepth: number,
    derive: ((source: Cte) => Cap) | null,
    mutateData?: number,
  ): Sel4Error {
    const destSlot = this.#cnodeTarget(tcb, name, service, destIndex, destDepth);
    if (typeof destSlot === 'number') return this.#fail(tcb, destSlot);
    const srcRootCap = this.#extraCap(tcb, srcRoot);
    if (!destSlot.empty) return this.#fail(tcb, Sel4Error.seL4_DeleteFirst);
    const srcSlot = this.#lookupSlotForCNodeOp(srcRootCap, srcIndex, srcDepth, true);
    if (srcSlot === null) return this.#fail(tcb, this.#lastLookupError);
    if (srcSlot.empty) {
      this.#error.failedLookupWasSource = true;
      this.#fault.set(LookupFailure.seL4_MissingCapability, srcDepth);
      return this.#fail(tcb, Sel4Error.seL4_FailedLookup);
    }
    let newCap: Cap;
    if (derive !== null) {
      const derived = derive(srcSlot);
      if (derived.type === CapType.UntypedCap && srcSlot.hasChildren)
        return this.#fail(tcb, Sel4Error.seL4_RevokeFirst);
      newCap = derived.type === CapType.ReplyCap ? NULL_CAP : derived;
    } else {
      newCap = mutateData === undefined ? srcSlot.cap : updateCapData(true, mutateData, srcSlot.cap);
    }
    if (newCap.type === CapType.NullCap) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    if (derive !== null) {
      cteInsert(newCap, srcSlot, destSlot);
      if (newCap.type === CapType.UntypedCap) (srcSlot.cap.object as Untyped).freeIndex = bit(newCap.object!.sizeBits);
    } else {
      cteMove(newCap, srcSlot, destSlot);
    }
    return this.#succeed(tcb);
  }

  /** `seL4_CNode_Delete`: deletes the cap in a slot; deleting the last cap to an object destroys the object. */
  seL4_CNode_Delete(tcb: Tcb, service: number, index: number, depth: number): Sel4Error {
    const slot = this.#cnodeTarget(tcb, 'CNode_Delete', service, index, depth);
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    this.#cteDelete(slot);
    this.#exit();
    return this.#succeed(tcb);
  }

  /** `seL4_CNode_Revoke`: deletes every cap derived from the one in the slot, in every CSpace. */
  seL4_CNode_Revoke(tcb: Tcb, service: number, index: number, depth: number): Sel4Error {
    const slot = this.#cnodeTarget(tcb, 'CNode_Revoke', service, index, depth);
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    this.#cteRevoke(slot);
    this.#exit();
    return this.#succeed(tcb);
  }

  /** `seL4_CNode_CancelBadgedSends`: senders queued on the endpoint with this cap's badge restart. */
  seL4_CNode_CancelBadgedSends(tcb: Tcb, service: number, index: number, depth: number): Sel4Error {
    const slot = this.#cnodeTarget(tcb, 'CNode_CancelBadgedSends', service, index, depth);
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    const cap = slot.cap;
    if (cap.type !== CapType.EndpointCap || cap.rights !== 15) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    if (cap.badge !== 0) this.#cancelBadgedSends(cap.object as Endpoint, cap.badge);
    return this.#succeed(tcb);
  }

  /** `seL4_CNode_SaveCaller` (non-MCS): moves the reply cap of the last received call into an empty slot. */
  seL4_CNode_SaveCaller(tcb: Tcb, service: number, index: number, depth: number): Sel4Error {
    const slot = this.#cnodeTarget(tcb, 'CNode_SaveCaller', service, index, depth);
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    if (!slot.empty) return this.#fail(tcb, Sel4Error.seL4_DeleteFirst);
    const caller = tcb.callerSlot;
    if (caller.cap.type === CapType.ReplyCap) cteMove(caller.cap, caller, slot);
    return this.#succeed(tcb);
  }

  /**
   * `seL4_CNode_Rotate`: moves the pivot cap to the destination and the source cap to the pivot slot
   * (a swap when source and destination are the same slot), setting each one's cap data.
   */
  seL4_CNode_Rotate(
    tcb: Tcb,
    service: number,
    dest_index: number,
    dest_depth: number,
    dest_badge: number,
    pivot_root: number,
    pivot_index: number,
    pivot_depth: number,
    pivot_badge: number,
    src_root: number,
    src_index: number,
    src_depth: number,
  ): Sel4Error {
    const destSlot = this.#cnodeTarget(tcb, 'CNode_Rotate', service, dest_index, dest_depth);
    if (typeof destSlot === 'number') return this.#fail(tcb, destSlot);
    const pivotRootCap = this.#extraCap(tcb, pivot_root);
    const srcRootCap = this.#extraCap(tcb, src_root);
    const srcSlot = this.#lookupSlotForCNodeOp(srcRootCap, src_index, src_depth, true);
    if (srcSlot === null) return this.#fail(tcb, this.#lastLookupError);
    const pivotSlot = this.#lookupSlotForCNodeOp(pivotRootCap, pivot_index, pivot_depth, true);
    if (pivotSlot === null) return this.#fail(tcb, this.#lastLookupError);
    if (pivotSlot === srcSlot || pivotSlot === destSlot) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    if (srcSlot !== destSlot && !destSlot.empty) return this.#fail(tcb, Sel4Error.seL4_DeleteFirst);
    if (srcSlot.empty || pivotSlot.empty) {
      this.#error.failedLookupWasSource = srcSlot.empty;
      this.#fault.set(LookupFailure.seL4_MissingCapability, srcSlot.empty ? src_depth : pivot_depth);
      return this.#fail(tcb, Sel4Error.seL4_FailedLookup);
    }
    const newSrcCap = updateCapData(true, dest_badge, srcSlot.cap);
    const newPivotCap = updateCapData(true, pivot_badge, pivotSlot.cap);
    if (newSrcCap.type === CapType.NullCap || newPivotCap.type === CapType.NullCap)
      return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    if (srcSlot === destSlot) {
      cteSwap(newSrcCap, srcSlot, newPivotCap, pivotSlot);
    } else {
      cteMove(newPivotCap, pivotSlot, destSlot);
      cteMove(newSrcCap, srcSlot, pivotSlot);
    }
    return this.#succeed(tcb);
  }

  /** Looks up the CNode `service` and the target slot, the first steps of every CNode invocation. */
  #cnodeTarget(tcb: Tcb, name: string, service: number, index: number, depth: number): Cte | number {
    const slot = this.#service(tcb, service, name);
    if (typeof slot === 'number') return slot;
    if (slot.cap.type !== CapType.CNodeCap) return Sel4Error.seL4_IllegalOperation;
    const target = this.#lookupSlotForCNodeOp(slot.cap, index, depth, false);
    return target ?? this.#lastLookupError;
  }

  /** Resolves the invoked cap; a lookup failure is a capability fault (thrown), a null cap `InvalidCapability`. */
  #service(tcb: Tcb, service: number, name: string): Cte | number {
    this.#enter(tcb, name, service);
    if (!lookupSlot(tcb.cspaceRoot.cap, service, this.#fault, this.#resolved))
      throw this.#capFault(tcb, service, false);
    const slot = this.#resolved.slot as Cte;
    if (slot.empty) return Sel4Error.seL4_InvalidCapability;
    return slot;
  }

  /** An extra cap of an invocation (a root CNode argument), looked up like `lookupExtraCaps`. */
  #extraCap(tcb: Tcb, cptr: number): Cap {
    if (!isWord(cptr) || !lookupSlot(tcb.cspaceRoot.cap, cptr, this.#fault, this.#resolved))
      throw this.#capFault(tcb, cptr, false);
    return (this.#resolved.slot as Cte).cap;
  }

  #lastLookupError: number = Sel4Error.seL4_FailedLookup;

  /** `lookupSlotForCNodeOp`: exactly `depth` bits of `index` must resolve to a slot. */
  #lookupSlotForCNodeOp(root: Cap, index: number, depth: number, isSource: boolean): Cte | null {
    this.#error.failedLookupWasSource = isSource;
    if (root.type !== CapType.CNodeCap) {
      this.#fault.set(LookupFailure.seL4_InvalidRoot, depth);
      this.#lastLookupError = Sel4Error.seL4_FailedLookup;
      return null;
    }
    if (!isWord(depth) || depth < 1 || depth > seL4_WordBits) {
      this.#error.rangeMin = 1;
      this.#error.rangeMax = seL4_WordBits;
      this.#lastLookupError = Sel4Error.seL4_RangeError;
      return null;
    }
    if (!isWord(index) || !resolveAddressBits(root, index, depth, this.#fault, this.#resolved)) {
      if (!isWord(index)) this.#fault.set(LookupFailure.seL4_GuardMismatch, depth);
      this.#lastLookupError = Sel4Error.seL4_FailedLookup;
      return null;
    }
    if (this.#resolved.bitsRemaining !== 0) {
      this.#fault.set(LookupFailure.seL4_DepthMismatch, this.#resolved.bitsRemaining, 0);
      this.#lastLookupError = Sel4Error.seL4_FailedLookup;
      return null;
    }
    return this.#resolved.slot;
  }

  #range(tcb: Tcb, min: number, max: number): Sel4Error {
    this.#error.rangeMin = min;
    this.#error.rangeMax = max;
    return this.#fail(tcb, Sel4Error.seL4_RangeError);
  }

  /** `setMRs_syscall_error`: the error's details go to the caller's message registers. */
  #fail(tcb: Tcb, code: number): Sel4Error {
    const buffer = tcb.ipcBuffer;
    const error = this.#error;
    let length = 0;
    switch (code) {
      case Sel4Error.seL4_InvalidArgument:
        buffer.setMR(0, error.invalidArgumentNumber);
        length = 1;
        break;
      case Sel4Error.seL4_InvalidCapability:
        buffer.setMR(0, 0);
        length = 1;
        break;
      case Sel4Error.seL4_RangeError:
        buffer.setMR(0, error.rangeMin);
        buffer.setMR(1, error.rangeMax);
        length = 2;
        break;
      case Sel4Error.seL4_NotEnoughMemory:
        buffer.setMR(0, error.memoryLeft);
        length = 1;
        break;
      case Sel4Error.seL4_FailedLookup: {
        const fault = this.#fault;
        buffer.setMR(0, error.failedLookupWasSource ? 1 : 0);
        buffer.setMR(1, fault.type);
        length = 2;
        if (fault.type !== LookupFailure.seL4_InvalidRoot) buffer.setMR(length++, fault.bitsLeft);
        if (fault.type === LookupFailure.seL4_DepthMismatch || fault.type === LookupFailure.seL4_GuardMismatch)
          buffer.setMR(length++, fault.found);
        if (fault.type === LookupFailure.seL4_GuardMismatch) buffer.setMR(length++, fault.bitsFound);
        break;
      }
      default:
        break;
    }
    tcb.msgInfo = seL4_MessageInfo_new(code, 0, 0, length);
    return code as Sel4Error;
  }

  #succeed(tcb: Tcb): Sel4Error {
    tcb.msgInfo = 0;
    return Sel4Error.seL4_NoError;
  }

  // ------------------------------------------------------------------ deletion

  /** `cteDelete`: empties the slot; if it held the last cap to its object, the object is finalised. */
  #cteDelete(slot: Cte): void {
    const cap = slot.cap;
    if (cap.type === CapType.NullCap) return;
    const object = cap.object as KernelObject;
    const final = cap.type !== CapType.ReplyCap && object.capCount === 1;
    emptySlot(slot);
    if (final && object.alive) this.#finalise(cap, object);
  }

  /** `cteRevoke`: deletes descendants until none is left. */
  #cteRevoke(slot: Cte): void {
    for (let child = slot.firstChild; child !== null; child = slot.firstChild) this.#cteDelete(child);
  }

  /** `finaliseCap` for a final cap: what destroying each kind of object undoes. */
  #finalise(cap: Cap, object: KernelObject): void {
    object.alive = false;
    switch (cap.type) {
      case CapType.EndpointCap:
        this.#cancelAllIPC(object as Endpoint);
        break;
      case CapType.NotificationCap: {
        const notification = object as Notification;
        if (notification.boundTcb !== null) notification.boundTcb.boundNotification = null;
        notification.boundTcb = null;
        const waiting = notification.queue.splice(0);
        notification.state = NotificationState.Idle;
        for (const thread of waiting) this.#restartThread(thread);
        break;
      }
      case CapType.CNodeCap:
        for (const slot of (object as CNode).slots) if (slot !== undefined && !slot.empty) this.#cteDelete(slot);
        break;
      case CapType.ThreadCap: {
        const tcb = object as Tcb;
        if (tcb.boundNotification !== null) tcb.boundNotification.boundTcb = null;
        tcb.boundNotification = null;
        this.#suspend(tcb);
        tcb.resume = null;
        tcb.wake = null;
        this.#cteDelete(tcb.callerSlot);
        this.#cteDelete(tcb.cspaceRoot);
        break;
      }
      default:
        break;
    }
  }

  /** `suspend`: cancels the thread's IPC and makes it inactive. */
  #suspend(tcb: Tcb): void {
    this.cancelIPC(tcb);
    tcb.state = ThreadState.Inactive;
  }

  // ------------------------------------------------------------------ TCB

  /**
   * `seL4_TCB_SetSpace`: gives the thread a CSpace root (a copy of `cspace_root`, with `cspace_root_data` as its guard
   * if non-zero). VSpaces are not modelled; pass 0.
   */
  seL4_TCB_SetSpace(
    tcb: Tcb,
    service: number,
    fault_ep: number,
    cspace_root: number,
    cspace_root_data: number,
    _vspace_root = 0,
    _vspace_root_data = 0,
  ): Sel4Error {
    const slot = this.#service(tcb, service, 'TCB_SetSpace');
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    if (slot.cap.type !== CapType.ThreadCap) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    const rootCap = this.#extraCap(tcb, cspace_root);
    const rootSlot = this.#resolved.slot as Cte;
    let newRoot = rootCap;
    if (cspace_root_data !== 0) newRoot = updateCapData(false, cspace_root_data, rootCap);
    if (newRoot.type !== CapType.CNodeCap) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    const target = slot.cap.object as Tcb;
    this.#cteDelete(target.cspaceRoot);
    cteInsert(newRoot, rootSlot, target.cspaceRoot);
    target.faultEndpoint = fault_ep;
    return this.#succeed(tcb);
  }

  /**
   * `seL4_TCB_Configure` (non-MCS), of which the model keeps the fault endpoint and the CSpace root; VSpace and IPC
   * buffer arguments are ignored.
   */
  seL4_TCB_Configure(
    tcb: Tcb,
    service: number,
    fault_ep: number,
    cspace_root: number,
    cspace_root_data: number,
    vspace_root = 0,
    vspace_root_data = 0,
    _buffer = 0,
    _bufferFrame = 0,
  ): Sel4Error {
    return this.seL4_TCB_SetSpace(tcb, service, fault_ep, cspace_root, cspace_root_data, vspace_root, vspace_root_data);
  }

  /** `seL4_TCB_Resume`: a stopped thread restarts (re-executing the call it was interrupted in, if any). */
  seL4_TCB_Resume(tcb: Tcb, service: number): Sel4Error {
    const slot = this.#service(tcb, service, 'TCB_Resume');
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    if (slot.cap.type !== CapType.ThreadCap) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    const target = slot.cap.object as Tcb;
    if (target.state === ThreadState.Inactive || target.state === ThreadState.BlockedOnReply) {
      this.cancelIPC(target);
      if (target.restart === null && target.wake === null && target.resume === null) target.state = ThreadState.Running;
      else this.#restartThread(target);
    }
    return this.#succeed(tcb);
  }

  /** `seL4_TCB_Suspend`: cancels the thread's IPC and stops it. */
  seL4_TCB_Suspend(tcb: Tcb, service: number): Sel4Error {
    const slot = this.#service(tcb, service, 'TCB_Suspend');
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    if (slot.cap.type !== CapType.ThreadCap) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    this.#suspend(slot.cap.object as Tcb);
    return this.#succeed(tcb);
  }

  /** `seL4_TCB_BindNotification`: signals to the notification also wake the thread in `seL4_Recv` on an endpoint. */
  seL4_TCB_BindNotification(tcb: Tcb, service: number, notification: number): Sel4Error {
    const slot = this.#service(tcb, service, 'TCB_BindNotification');
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    if (slot.cap.type !== CapType.ThreadCap) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    const cap = this.#extraCap(tcb, notification);
    const target = slot.cap.object as Tcb;
    if (target.boundNotification !== null) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    if (cap.type !== CapType.NotificationCap || !cap.canReceive)
      return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    const object = cap.object as Notification;
    if (object.queue.length > 0 || object.boundTcb !== null) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    object.boundTcb = target;
    target.boundNotification = object;
    return this.#succeed(tcb);
  }

  /** `seL4_TCB_UnbindNotification`. */
  seL4_TCB_UnbindNotification(tcb: Tcb, service: number): Sel4Error {
    const slot = this.#service(tcb, service, 'TCB_UnbindNotification');
    if (typeof slot === 'number') return this.#fail(tcb, slot);
    if (slot.cap.type !== CapType.ThreadCap) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    const target = slot.cap.object as Tcb;
    if (target.boundNotification === null) return this.#fail(tcb, Sel4Error.seL4_IllegalOperation);
    target.boundNotification.boundTcb = null;
    target.boundNotification = null;
    return this.#succeed(tcb);
  }
}

/** `updateCapData`: sets a badge (once, and never when `preserve`), or a CNode guard. */
function updateCapData(preserve: boolean, data: number, cap: Cap): Cap {
  switch (cap.type) {
    case CapType.EndpointCap:
    case CapType.NotificationCap:
      return !preserve && cap.badge === 0 ? cap.withBadge(data) : NULL_CAP;
    case CapType.CNodeCap: {
      const guardSize = bitsOf(data, 0, 6);
      if (guardSize + (cap.object as CNode).radix > seL4_WordBits) return NULL_CAP;
      const guard = bitsOf(data, 6, Math.min(guardSize, 58));
      return cap.withGuard(guard, guardSize);
    }
    default:
      return cap;
  }
}

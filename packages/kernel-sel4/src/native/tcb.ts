import { Cap, CapType } from './cap.js';
import { ThreadState } from './constants.js';
import { IpcBuffer } from './ipc-buffer.js';
import type { Sel4CapFault } from './errors.js';
import type { MessageInfo } from './message-info.js';
import { Cte, type Endpoint, KernelObject, type Notification } from './objects.js';

/** A system call a blocked thread re-executes when the kernel restarts it (`ThreadState_Restart`). */
export interface RestartableCall {
  /** Which call. */
  readonly kind: 'send' | 'call' | 'recv' | 'wait';
  /** Whether it blocks (`seL4_Send` vs `seL4_NBSend`). */
  readonly blocking: boolean;
  /** The CPtr it invoked. */
  readonly cptr: number;
  /** Its message tag. */
  readonly info: MessageInfo;
}

/**
 * A thread control block: the thread's state, registers, CSpace root, reply slots and IPC buffer.
 *
 * JavaScript code acts as the thread by passing its `Tcb` to the kernel's calls. A call that blocks
 * returns a promise that settles when the kernel wakes the thread; a thread may instead install a
 * `resume` continuation, which the kernel runs synchronously when it switches to the thread (what the
 * seam adapter's entrypoints do, so a call into an idle server completes within the caller's call).
 */
export class Tcb extends KernelObject {
  /** The thread's state. */
  state: ThreadState = ThreadState.Inactive;
  /** The IPC buffer. */
  readonly ipcBuffer = new IpcBuffer();
  /** The message-info register after a receive or a call. */
  msgInfo: MessageInfo = 0;
  /** The badge register after a receive (`seL4_Recv`'s `sender`). */
  badge = 0;
  /** `tcbCTable`: the CSpace root. */
  readonly cspaceRoot = new Cte(null, 0);
  /** `tcbReply`: the master reply cap, parent of every reply cap to this thread. */
  readonly replySlot = new Cte(null, 1);
  /** `tcbCaller`: the reply cap to the thread this one received a call from. */
  readonly callerSlot = new Cte(null, 2);
  /** The fault endpoint CPtr set by `TCB_Configure` (faults are reported to the caller, see `Sel4CapFault`). */
  faultEndpoint = 0;
  /** The endpoint or notification the thread is blocked on. */
  blockingObject: Endpoint | Notification | null = null;
  /** While blocked on send: the badge of the cap it sent with. */
  blockingBadge = 0;
  /** While blocked on send: the cap had the grant right. Blocked on receive: the receiving cap had it. */
  blockingCanGrant = false;
  /** While blocked on send: the cap had the grant-reply right. */
  blockingCanGrantReply = false;
  /** While blocked on send: it is a call, waiting for a reply after the send. */
  blockingIsCall = false;
  /** The notification bound with `TCB_BindNotification`. */
  boundNotification: Notification | null = null;
  /** The call to re-execute on restart. */
  restart: RestartableCall | null = null;
  /** Runs synchronously when the kernel wakes the thread; set by code that drives the thread by callbacks. */
  resume: (() => void) | null = null;
  /** Settles the promise a blocked call returned, when the thread is woken. */
  wake: ((fault: Sel4CapFault | null) => void) | null = null;
  /** Reply caps to this thread, with and without grant, made once so a call allocates nothing. */
  readonly replyCaps: readonly [Cap, Cap];

  /** Creates a TCB at `address`; `name` labels it in traces. */
  constructor(
    address: number,
    sizeBits: number,
    /** The thread's name (`seL4_DebugNameThread`), for traces and errors. */
    public name: string,
  ) {
    super(address, sizeBits);
    this.replyCaps = [new Cap(CapType.ReplyCap, this, 0, 0), new Cap(CapType.ReplyCap, this, 0, 4)];
    this.replySlot.cap = new Cap(CapType.ReplyCap, this, 1, 4);
    this.replySlot.revocable = true;
  }
}

import { type ClockTimer, Message, MessageSlab } from '@os/kernel';
import type { ObjectIdentity } from './object-identity.js';
import type { HwPd } from './pd.js';

/**
 * What a waiting thread runs when a request or signal arrives: the continuation of its
 * `rpc_wait` / `signal_wait`. Returning (or settling the returned promise) is `rpc_reply_and_wait`.
 */
export interface HwEntry {
  /**
   * A request to the object the server knows as `badge` is in `utcb`; leave the reply there. Anything returned but
   * nothing or a promise is a fault of the entry.
   */
  request(badge: number, utcb: Message): void | Promise<void>;
  /** Signal context `context` (capability id in this PD) with `imprint` fired `count` times. */
  signal(context: number, imprint: number, count: number): void | Promise<void>;
}

/** A call that could not complete within the caller's kernel entry: queued, or served asynchronously. */
export class PendingCall {
  /** The request, copied out of the caller's utcb when the call had to queue. */
  request: Message | null = null;
  /** Identities of the capabilities the request carries, translated when it is delivered. */
  requestCaps: (ObjectIdentity | null)[] | null = null;
  /** The reply, in a buffer of its own (the caller may have other activities using its utcb). */
  reply: Message | null = null;
  /** Settled: replied or aborted. */
  done = false;
  /** The promise the caller awaits, once `awaitable` made it. */
  promise: Promise<Message> | null = null;
  /** Settles {@link PendingCall.promise} with the reply. */
  resolve: ((reply: Message) => void) | null = null;
  /** Settles {@link PendingCall.promise} with the error that ended the call. */
  reject: ((error: Error) => void) | null = null;

  /** Creates the pending call of `caller` to `object`, served by `server`. */
  constructor(
    /** The thread that made the call and waits for the reply. */
    readonly caller: HwThread,
    /** The thread that serves the object. */
    readonly server: HwThread,
    /** The object identity the call was sent to. */
    readonly object: ObjectIdentity,
  ) {}

  /** The promise the caller awaits, made on first use. */
  awaitable(): Promise<Message> {
    if (this.promise === null) {
      this.promise = new Promise<Message>((resolve, reject) => {
        this.resolve = resolve;
        this.reject = reject;
      });
    }
    return this.promise;
  }
}

/** Marks a signal delivery in a thread's queue. */
export type QueuedWork = PendingCall | ObjectIdentity;

/**
 * A thread of the hw kernel with its UTCB and IPC state. A thread is busy while it serves a
 * request or signal, or while it has a call outstanding; calls and signals to a busy thread queue.
 */
export class HwThread {
  /** The thread's UTCB: the message it sends, and where requests and replies to it land. */
  readonly utcb: Message;
  /** Where the kernel's copies of this thread's queued requests and late replies to it are cut from. */
  readonly copies = new MessageSlab();
  /** Set by `rpc_wait`: requests and signals are delivered only to a waiting thread. */
  entry: HwEntry | null = null;
  /** Handling a request or signal (synchronously or suspended in an await). */
  serving = false;
  /** The caller of the request being handled synchronously, until replied. */
  syncCaller: HwThread | null = null;
  /** The object that request was sent to. */
  syncObject: ObjectIdentity | null = null;
  /** The pending call being handled asynchronously (or replied early). */
  current: PendingCall | null = null;
  /** The server this thread is inside a synchronous call to. */
  syncTarget: HwThread | null = null;
  /** The call this thread made that is queued or served asynchronously (at most one: see `calling`). */
  readonly outgoing = new Set<PendingCall>();
  /** Requests and signals waiting for this thread to become idle. */
  readonly queue: QueuedWork[] = [];
  /** A microtask to deliver its queue is already scheduled. */
  drainScheduled = false;
  /** The armed `timeout`, if any. */
  timeout: ClockTimer | null = null;
  /** False once `delete_thread` destroyed it. */
  alive = true;

  /** Creates thread `label` in `pd` with a utcb of `utcbSize` bytes. */
  constructor(
    /** The PD the thread runs in: its capability ids are looked up there. */
    readonly pd: HwPd,
    /** Name for errors and traces. */
    readonly label: string,
    utcbSize: number,
  ) {
    this.utcb = new Message(utcbSize);
  }

  /** Ready to take a request or signal now. */
  get idle(): boolean {
    return this.entry !== null && !this.serving && this.syncTarget === null && this.outgoing.size === 0 && this.alive;
  }

  /**
   * Has a call outstanding: inside a synchronous call, or one queued or served asynchronously. Such a thread is
   * blocked in `rpc_call` until the reply and can make no other call.
   */
  get calling(): boolean {
    return this.syncTarget !== null || this.outgoing.size !== 0;
  }

  /** Busy in a way that waits on others: serving, or inside a call. */
  get blocked(): boolean {
    return this.serving || this.syncTarget !== null || this.outgoing.size > 0;
  }
}

import { hardenShared, type KernelThread, type Message, MessageSlab } from '@os/kernel';
import { MessageReader, MessageWriter } from './wire.js';

/**
 * The calls one thread makes through its typed clients. A thread blocks in its call until the reply, and the kernel
 * refuses a call from a thread with one outstanding (`ThreadStateError`), so the thread's clients take turns: a call
 * made while another is outstanding has its request encoded at once (its arguments are read when it is made), kept in
 * a copy, and sent once every call made before it has had its reply decoded, first come first served.
 *
 * All clients of the thread also share one encoder and one decoder: a request is encoded and a reply decoded each
 * without a pause, so opening a session costs no encoder of its own.
 *
 * @internal
 */
export class ThreadCalls {
  /** Encoder of every request of the thread. */
  readonly writer = new MessageWriter();
  /** Decoder of every reply to the thread. */
  readonly reader = new MessageReader();
  /** A call of the thread is outstanding: from its send until its reply is decoded, or its turn handed on. */
  busy = false;
  /** Wakers of the calls waiting for their turn, oldest first; made at the first wait (most threads never wait). */
  #waiting: (() => void)[] | null = null;
  /** Where the requests of waiting calls are kept; made at the first wait. */
  #requests: MessageSlab | null = null;

  /** Copies the finished request in `utcb` for a call that must wait its turn. */
  keep(utcb: Message): Message {
    this.#requests ??= new MessageSlab();
    const length = utcb.length;
    const request = this.#requests.take(length);
    request.copyBytesFrom(utcb, length);
    const count = utcb.capCount;
    const from = utcb.caps;
    const to = request.caps;
    for (let i = 0; i < count; i++) to[i] = from[i] as number;
    request.capCount = count;
    return request;
  }

  /** Puts a kept request back into `utcb`, to be sent now. */
  restore(request: Message, utcb: Message): void {
    utcb.copyBytesFrom(request, request.length);
    const count = request.capCount;
    const from = request.caps;
    const to = utcb.caps;
    for (let i = 0; i < count; i++) to[i] = from[i] as number;
    utcb.capCount = count;
  }

  /** Resolves when it is the caller's turn: every call made before it is done. The thread stays busy for it. */
  turn(): Promise<void> {
    const waiting = (this.#waiting ??= []);
    return new Promise<void>((resolve) => {
      waiting.push(resolve);
    });
  }

  /** The outstanding call is done: the oldest waiting call goes next (the thread stays busy), or the thread is free. */
  done(): void {
    const next = this.#waiting?.shift();
    if (next === undefined) this.busy = false;
    else next();
  }
}

// keyed by the thread object the clients were made with (a component's `ComponentThread`, one per kernel thread)
const threadCalls = new WeakMap<KernelThread, ThreadCalls>();

/** The calls of `thread`, made at its first client. */
export function callsOf(thread: KernelThread): ThreadCalls {
  let calls = threadCalls.get(thread);
  if (calls === undefined) {
    // every component's clients reach the class through their thread's calls: frozen once the realm is locked down,
    // or one component could change how another's calls take turns
    if (!Object.isFrozen(ThreadCalls.prototype)) hardenShared(ThreadCalls);
    calls = new ThreadCalls();
    threadCalls.set(thread, calls);
  }
  return calls;
}

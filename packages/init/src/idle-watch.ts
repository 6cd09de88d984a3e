import { type KernelThread, QuotaExceededError, hasErrorCode } from '@os/kernel';
import { OutOfCaps } from '@os/session';
import type { Env } from '@os/runtime';

/**
 * Tells when the system has nothing else to run: a kernel timeout of zero on a thread of init's own
 * fires only then (on virtual time, when the clock would move; on real time, after the work of this
 * instant). How long init waits for a sibling server before it answers the child and lets the server
 * take its time: a server that answers at all answers before this, one that does not stalls no one
 * but its own clients. The thread and its signal context cost init two capabilities, once.
 */
export class IdleWatch {
  readonly #env: Env;
  #thread: KernelThread | null = null;
  #context = 0;
  #armed = false;
  /** init had no capability free for the watch: it waits for servers as long as they take. */
  #unavailable = false;
  readonly #waiters = new Set<{ readonly giveUp: () => void }>();

  /** Watches for `env`'s component; makes its thread on first use. */
  constructor(env: Env) {
    this.#env = env;
  }

  /**
   * Calls `giveUp` once the system has nothing else to run, unless `work` settled before; never, if
   * init has no capability free for the watch. A settled `work` leaves nothing behind.
   */
  watch(work: Promise<unknown>, giveUp: () => void): void {
    if (!this.#arm()) return;
    const entry = { giveUp };
    this.#waiters.add(entry);
    const settled = (): void => {
      this.#waiters.delete(entry);
    };
    work.then(settled, settled);
  }

  #arm(): boolean {
    if (this.#armed) return true;
    const thread = this.#thread ?? this.#start();
    if (thread === null) return false;
    thread.timeout(0, this.#context);
    this.#armed = true;
    return true;
  }

  #start(): KernelThread | null {
    if (this.#unavailable) return null;
    let thread: KernelThread;
    try {
      thread = this.#env.createThread('idle-watch');
    } catch (error) {
      if (!hasErrorCode(error, OutOfCaps.code)) throw error;
      this.#unavailable = true;
      return null;
    }
    thread.serve({
      onCall() {
        throw new Error('the idle watch serves no RPC objects');
      },
      onSignal: () => this.#fire(),
    });
    try {
      this.#context = thread.createSignalContext(1);
    } catch (error) {
      this.#env.destroyThread(thread);
      if (!hasErrorCode(error, QuotaExceededError.code)) throw error;
      this.#unavailable = true;
      return null;
    }
    this.#thread = thread;
    return thread;
  }

  #fire(): void {
    this.#armed = false;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const waiter of waiters) waiter.giveUp();
  }
}

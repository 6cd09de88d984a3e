import type { TimerQueue } from './timer-queue.js';

/** What Node's timer functions return: an id that also converts to a number, with `ref`/`unref`. */
export interface ShimTimeout {
  /** Keeps the program alive while the timer is pending (the default). */
  ref(): ShimTimeout;
  /** Lets the program end even though the timer is pending. */
  unref(): ShimTimeout;
  /** Whether the timer keeps the program alive. */
  hasRef(): boolean;
  /** The timer's id, so `clearTimeout(Number(t))` works as in Node. */
  [Symbol.toPrimitive](): number;
}

/** Node's clamping: a delay that is not a number in [1, 2^31-1] ms becomes 1 ms. */
function clampDelay(ms: unknown): number {
  const delay = Number(ms);
  return delay >= 1 && delay <= 2 ** 31 - 1 ? delay : 1;
}

function checkCallback(callback: unknown): asserts callback is (...args: unknown[]) => void {
  if (typeof callback !== 'function') {
    const error = new TypeError(
      `The "callback" argument must be of type function. Received ${callback === null ? 'null' : typeof callback}`,
    );
    (error as TypeError & { code: string }).code = 'ERR_INVALID_ARG_TYPE';
    throw error;
  }
}

/**
 * The timer functions of `node:timers`, on the program's timer queue (so they follow the Timer session, and virtual
 * time). The first of them the program calls opens its Timer session; `clear*` of a timer never set opens nothing.
 */
export function nodeTimers(queue: TimerQueue) {
  const handle = (id: number): ShimTimeout => {
    let ref = true;
    const timeout: ShimTimeout = {
      ref: () => {
        ref = true;
        queue.setRef(id, true);
        return timeout;
      },
      unref: () => {
        ref = false;
        queue.setRef(id, false);
        return timeout;
      },
      hasRef: () => ref,
      [Symbol.toPrimitive]: () => id,
    };
    return timeout;
  };
  const clear = (timeout: unknown): void => {
    if (timeout === undefined || timeout === null) return;
    queue.remove(typeof timeout === 'object' ? Number(timeout) : timeout);
  };
  return {
    setTimeout(callback: unknown, ms?: unknown, ...args: unknown[]): ShimTimeout {
      checkCallback(callback);
      return handle(queue.add('setTimeout', callback, clampDelay(ms), args, false));
    },
    setInterval(callback: unknown, ms?: unknown, ...args: unknown[]): ShimTimeout {
      checkCallback(callback);
      return handle(queue.add('setInterval', callback, clampDelay(ms), args, true));
    },
    setImmediate(callback: unknown, ...args: unknown[]): ShimTimeout {
      checkCallback(callback);
      return handle(queue.add('setImmediate', callback, 0, args, false));
    },
    clearTimeout: clear,
    clearInterval: clear,
    clearImmediate: clear,
  };
}

/** The timer functions a program sees. */
export type NodeTimers = ReturnType<typeof nodeTimers>;

/** `node:timers/promises`: the promise forms of `setTimeout` and `setImmediate`. */
export function nodeTimerPromises(timers: NodeTimers) {
  return {
    setTimeout: <T>(ms?: number, value?: T): Promise<T | undefined> =>
      new Promise((resolve) => timers.setTimeout(() => resolve(value), ms)),
    setImmediate: <T>(value?: T): Promise<T | undefined> =>
      new Promise((resolve) => timers.setImmediate(() => resolve(value))),
  };
}

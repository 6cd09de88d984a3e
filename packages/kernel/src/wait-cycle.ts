/** A thread as a deadlock check sees it: its label, and whether it waits at all. */
export interface WaitingThread {
  /** The label the cycle is reported with. */
  readonly label: string;
  /** Whether the thread waits (in a call, or busy awaiting); one that does not ends a wait chain. */
  readonly blocked: boolean;
}

/**
 * Whether `caller` calling `server` would close a cycle of threads waiting on each other: walks the
 * wait-for graph from `server` (`waitsOn` names whom a blocked thread waits for) and returns the cycle
 * as labels, `caller` first and last, or `null`. Every backend reports `DeadlockError` with it.
 */
export function findWaitCycle<T extends WaitingThread>(
  caller: T,
  server: T,
  waitsOn: (thread: T) => Iterable<T>,
): string[] | null {
  const parent = new Map<T, T>([[server, caller]]);
  const stack: T[] = [server];
  while (stack.length > 0) {
    const thread = stack.pop() as T;
    if (!thread.blocked) continue;
    for (const target of waitsOn(thread)) {
      if (target === caller) {
        const path = [caller.label];
        for (let at: T | undefined = thread; at !== undefined && at !== caller; at = parent.get(at))
          path.unshift(at.label);
        path.unshift(caller.label);
        return path;
      }
      if (!parent.has(target)) {
        parent.set(target, thread);
        stack.push(target);
      }
    }
  }
  return null;
}

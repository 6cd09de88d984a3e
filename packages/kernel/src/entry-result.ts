// What a kernel does with what a component's entrypoint handler returned, and with what it threw.
// Handlers are component code: a kernel calls them inside its own call path or from a microtask,
// where a throw nobody catches ends the process. These functions run no code of the
// component's that could throw past them.

const promisePrototype = Promise.prototype;
const promiseThen = Promise.prototype.then;
const apply = Reflect.apply;
const getPrototypeOf = Reflect.getPrototypeOf;
const hasOwn = Object.hasOwn;
const errorPrototype = Error.prototype;

/**
 * What a handler's result means to the kernel: `undefined` (it returned: reply now), or a promise
 * the kernel follows with {@link followEntry} (it is suspended). Only a promise of this realm's
 * `Promise` (not a subclass, no own `constructor`) is one; anything else (a number, a thenable, a
 * proxy, a promise of another class) throws a `TypeError`, as does anything its inspection throws:
 * the kernel treats that as the handler's fault. Only a proxy's traps can run here. Returns `result`.
 */
export function entryOutcome(result: unknown): Promise<unknown> | undefined {
  if (result === undefined) return undefined;
  if ((typeof result !== 'object' && typeof result !== 'function') || result === null) {
    throw new TypeError(
      `the handler returned ${typeof result === 'string' ? 'a string' : String(result)}, neither nothing nor a promise`,
    );
  }
  // a proxy's traps may run here; a genuine promise is an ordinary object, so what is checked stays true
  if (getPrototypeOf(result) !== promisePrototype || hasOwn(result, 'constructor')) {
    throw new TypeError('the handler returned an object that is neither nothing nor a promise');
  }
  return result as Promise<unknown>;
}

/**
 * Follows a promise {@link entryOutcome} returned through `Promise.prototype.then` as it was when
 * this module loaded, never through the promise's own `then`; call it right after, with no component
 * code in between. Throws a `TypeError` (running nothing) if `promise` is no promise at all (a proxy).
 */
export function followEntry(
  promise: Promise<unknown>,
  onFulfilled: () => void,
  onRejected: (fault: unknown) => void,
): void {
  apply(promiseThen, promise, [onFulfilled, onRejected]);
}

/**
 * A handler's fault as text for errors and traces: an `Error`'s name and message, else the value as a
 * string; never throws, whatever getters or conversions the fault has (their failure reads as
 * `an undescribable fault`).
 */
export function describeFault(fault: unknown): string {
  try {
    if (typeof fault === 'object' && fault !== null && isError(fault)) {
      const { name, message } = fault as Error;
      return `${String(name)}: ${String(message)}`;
    }
    return String(fault);
  } catch {
    return 'an undescribable fault';
  }
}

/** Whether `value` has `Error.prototype` on its prototype chain (walked without `instanceof`). */
function isError(value: object): boolean {
  for (
    let proto = getPrototypeOf(value), depth = 0;
    proto !== null && depth < 64;
    proto = getPrototypeOf(proto), depth++
  ) {
    if (proto === errorPrototype) return true;
  }
  return false;
}

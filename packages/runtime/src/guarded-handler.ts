import type { EntrypointHandler, Message, Selector } from '@os/kernel';
import type { ComponentFaults } from './component-faults.js';

// Captured before any component runs: a component may give a promise an own `then`, never the intrinsic.
const promiseThen = Promise.prototype.then;

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  return typeof value === 'object' || typeof value === 'function' ? `a ${typeof value}` : `${typeof value} ${String(value).slice(0, 40)}`;
}

/**
 * Runs `entry` (component code) and follows what it returns without ever running component code
 * outside a guard: `undefined` passes; a promise is followed through the intrinsic `then`, and its
 * rejection is a fault; a throw, or any other value (a number, a thenable, a proxy, a promise whose
 * species is hostile), is a fault of the component, reported to `faults` and thrown on to the kernel,
 * which faults the call.
 */
export function runGuarded(faults: ComponentFaults, what: string, entry: () => void | Promise<void>): void | Promise<void> {
  let result: unknown;
  try {
    result = entry();
  } catch (error) {
    faults.report(what, error);
    throw error;
  }
  if (result === undefined) return undefined;
  try {
    return Reflect.apply(promiseThen, result, [
      undefined,
      (error: unknown) => {
        faults.report(what, error);
        throw error;
      },
    ]) as Promise<void>;
  } catch {
    const error = new TypeError(`${what} returned ${describeValue(result)}: an entrypoint handler returns undefined or a promise`);
    faults.report(what, error);
    throw error;
  }
}

/** `handler` with each of its entries run by {@link runGuarded}; its methods are read at each delivery, inside the guard. */
export function guardedHandler(handler: EntrypointHandler, faults: ComponentFaults, label: string): EntrypointHandler {
  return {
    onCall: (object: Selector, request: Message) => runGuarded(faults, `the call handler of thread "${label}"`, () => handler.onCall(object, request)),
    onSignal: (imprint: number, count: number) => runGuarded(faults, `the signal handler of thread "${label}"`, () => handler.onSignal(imprint, count)),
  };
}

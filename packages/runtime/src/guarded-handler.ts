import { type EntrypointHandler, type Message, type Selector, entryOutcome, followEntry } from '@os/kernel';
import type { ComponentFaults } from './component-faults.js';

/**
 * Runs `entry` (component code) and follows what it returns without ever running component code
 * outside a guard (the kernel's own rule, `entryOutcome` and `followEntry` of `@os/kernel`):
 * `undefined` passes; a promise is followed through the intrinsic `then`, and its rejection is a
 * fault; a throw, or any other value (a number, a thenable, a proxy, a promise with its own `then` or
 * `constructor`), is a fault of the component, reported to `faults` and thrown on to the kernel, which
 * faults the call.
 */
export function runGuarded(faults: ComponentFaults, what: string, entry: () => void | Promise<void>): void | Promise<void> {
  let outcome: Promise<unknown> | undefined;
  try {
    outcome = entryOutcome(entry());
  } catch (error) {
    faults.report(what, error);
    throw error;
  }
  if (outcome === undefined) return undefined;
  const pending = outcome;
  return new Promise<void>((resolve, reject) => {
    const fail = (error: unknown): void => {
      faults.report(what, error);
      reject(error);
    };
    try {
      followEntry(pending, () => resolve(), fail);
    } catch (error) {
      fail(error);
    }
  });
}

/** `handler` with each of its entries run by {@link runGuarded}; its methods are read at each delivery, inside the guard. */
export function guardedHandler(handler: EntrypointHandler, faults: ComponentFaults, label: string): EntrypointHandler {
  return {
    onCall: (object: Selector, request: Message) => runGuarded(faults, `the call handler of thread "${label}"`, () => handler.onCall(object, request)),
    onSignal: (imprint: number, count: number) => runGuarded(faults, `the signal handler of thread "${label}"`, () => handler.onSignal(imprint, count)),
  };
}

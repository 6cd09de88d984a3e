import { type EntrypointHandler, type Message, type Selector, entryOutcome, followEntry } from '@os/kernel';
import type { ComponentFaults } from './component-faults.js';

/**
 * A component's entrypoint handler as its thread facade hands it to the kernel: each delivery runs
 * the component's handler and checks what it returns by the kernel's own rule (`entryOutcome`,
 * `followEntry` of `@os/kernel`), never running component code outside a guard. `undefined` passes;
 * a genuine promise is passed on and watched through the intrinsic `then`, its rejection a fault; a
 * throw, or any other value (a number, a thenable, a proxy, a promise of another class or with its own
 * `constructor`), is a fault of the component, reported to its `ComponentFaults` and thrown on to the
 * kernel, which faults the call. Nothing is allocated per delivery unless it fails.
 */
export class GuardedHandler implements EntrypointHandler {
  readonly #handler: EntrypointHandler;
  readonly #faults: ComponentFaults;
  readonly #label: string;
  // made at the first asynchronous delivery: most threads of a system never have one
  #callRejected: ((error: unknown) => void) | null = null;
  #signalRejected: ((error: unknown) => void) | null = null;

  /** Guards `handler` of thread `label`; its faults go to `faults`. */
  constructor(handler: EntrypointHandler, faults: ComponentFaults, label: string) {
    this.#handler = handler;
    this.#faults = faults;
    this.#label = label;
  }

  /** {@inheritDoc @os/kernel#EntrypointHandler.onCall} */
  onCall(object: Selector, request: Message): void | Promise<void> {
    let outcome: Promise<unknown> | undefined;
    try {
      outcome = entryOutcome(this.#handler.onCall(object, request));
    } catch (error) {
      this.#fault('call', error);
      throw error;
    }
    return outcome === undefined
      ? undefined
      : this.#watch('call', outcome, (this.#callRejected ??= (error) => this.#fault('call', error)));
  }

  /** {@inheritDoc @os/kernel#EntrypointHandler.onSignal} */
  onSignal(imprint: number, count: number): void | Promise<void> {
    let outcome: Promise<unknown> | undefined;
    try {
      outcome = entryOutcome(this.#handler.onSignal(imprint, count));
    } catch (error) {
      this.#fault('signal', error);
      throw error;
    }
    return outcome === undefined
      ? undefined
      : this.#watch('signal', outcome, (this.#signalRejected ??= (error) => this.#fault('signal', error)));
  }

  #watch(kind: 'call' | 'signal', outcome: Promise<unknown>, rejected: (error: unknown) => void): Promise<void> {
    try {
      followEntry(outcome, noop, rejected);
    } catch (error) {
      // a proxy that passed for a promise
      this.#fault(kind, error);
      throw error;
    }
    return outcome as Promise<void>;
  }

  #fault(kind: 'call' | 'signal', error: unknown): void {
    this.#faults.report(`the ${kind} handler of thread "${this.#label}"`, error);
  }
}

function noop(): void {}

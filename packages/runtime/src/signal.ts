import { Capability } from '@os/capability';
import type { KernelThread } from '@os/kernel';
import type { SignalContextInterface } from '@os/rpc';
import type { Entrypoint } from './entrypoint.js';

/** A capability to a signal context: what `sigh` methods take. */
export type SignalContextCapability = Capability<SignalContextInterface>;

/**
 * Genode's `Signal_handler`: a function the entrypoint runs whenever its signal context fires, one
 * delivery at a time, with the number of submits since the last run. Hand `capability` to whoever
 * should signal you (`timer.sigh(handler)`).
 */
export class SignalHandler {
  /** The signal context's capability. */
  readonly capability: SignalContextCapability;
  readonly #entrypoint: Entrypoint;
  #disposed = false;

  /** Creates a signal context on `entrypoint` that runs `handler`. */
  constructor(entrypoint: Entrypoint, handler: (count: number) => void | Promise<void>) {
    this.#entrypoint = entrypoint;
    this.capability = entrypoint.rpc.createSignalHandler(handler);
  }

  /** Dissolves the signal context: whoever holds its capability can no longer signal it. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#entrypoint.rpc.dissolveSignalHandler(this.capability);
  }
}

/** Genode's `Signal_transmitter`: submits signals to a context it was given a capability to. */
export class SignalTransmitter {
  readonly #thread: KernelThread;
  readonly #context: SignalContextCapability;

  /** Creates a transmitter submitting from `thread` to `context`. */
  constructor(thread: KernelThread, context: SignalContextCapability) {
    this.#thread = thread;
    this.#context = context;
  }

  /** Submits the signal `count` times; delivery is asynchronous. */
  submit(count = 1): void {
    this.#thread.submitSignal(this.#context.selector, count);
  }
}

/**
 * A signal a component waits for while its entrypoint stays blocked (as Genode's blocking
 * `Signal_receiver::wait_for_signal`): delivered to the component's I/O thread, never to the busy
 * entrypoint. `msleep` and the wait for `resource_avail` are built on it. Submits are counted, so a
 * signal that arrives before `wait` is not lost.
 */
export class BlockingSignal {
  /** The signal context's capability. */
  readonly capability: SignalContextCapability;
  #pending = 0;
  #waiter: (() => void) | null = null;

  /** Creates the context on the I/O thread `io`, with `imprint` (unique per thread). */
  constructor(
    io: KernelThread,
    imprint: number,
    register: (imprint: number, handler: (count: number) => void) => void,
  ) {
    register(imprint, (count) => {
      this.#pending += count;
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter?.();
    });
    this.capability = new Capability<SignalContextInterface>(io.createSignalContext(imprint));
  }

  /** Resolves once the signal arrived (or at once if it arrived before); returns how many submits it took. */
  async wait(): Promise<number> {
    while (this.#pending === 0) {
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
    const count = this.#pending;
    this.#pending = 0;
    return count;
  }
}

import type { EntrypointHandler, KernelThread, Message, ObjectKind, PdId, QuotaState, Selector } from '@os/kernel';
import { ComponentFaults } from './component-faults.js';
import { GuardedHandler } from './guarded-handler.js';

/**
 * The kernel thread as a component holds it: the seam's operations and nothing else. A backend's
 * own thread object may keep references to kernel state (its PD record, the thread it is serving,
 * core), which confined code could walk to; this facade keeps the backend's object in a private
 * field, so a component reaches only what the seam offers its own thread. The handlers a component
 * serves with run guarded: what they throw or return that no caller awaits is the component's fault
 * (reported to its `ComponentFaults`), never an uncaught exception in the kernel.
 */
export class ComponentThread implements KernelThread {
  readonly #thread: KernelThread;
  readonly #faults: ComponentFaults;

  /** Wraps `thread`; faults of the handlers it serves go to `faults` (by default, kept unreported). */
  constructor(thread: KernelThread, faults: ComponentFaults = new ComponentFaults()) {
    this.#thread = thread;
    this.#faults = faults;
  }

  /** {@inheritDoc @os/kernel#KernelThread.pd} */
  get pd(): PdId {
    return this.#thread.pd;
  }

  /** {@inheritDoc @os/kernel#KernelThread.label} */
  get label(): string {
    return this.#thread.label;
  }

  /** {@inheritDoc @os/kernel#KernelThread.utcb} */
  get utcb(): Message {
    return this.#thread.utcb;
  }

  /** {@inheritDoc @os/kernel#KernelThread.call} */
  call(object: Selector): Message | Promise<Message> {
    return this.#thread.call(object);
  }

  /** {@inheritDoc @os/kernel#KernelThread.serve} */
  serve(handler: EntrypointHandler): void {
    this.#thread.serve(new GuardedHandler(handler, this.#faults, this.#thread.label));
  }

  /** {@inheritDoc @os/kernel#KernelThread.reply} */
  reply(): void {
    this.#thread.reply();
  }

  /** {@inheritDoc @os/kernel#KernelThread.createRpcObject} */
  createRpcObject(): Selector {
    return this.#thread.createRpcObject();
  }

  /** {@inheritDoc @os/kernel#KernelThread.createSignalContext} */
  createSignalContext(imprint: number): Selector {
    return this.#thread.createSignalContext(imprint);
  }

  /** {@inheritDoc @os/kernel#KernelThread.submitSignal} */
  submitSignal(context: Selector, count?: number): void {
    this.#thread.submitSignal(context, count);
  }

  /** {@inheritDoc @os/kernel#KernelThread.allocDataspace} */
  allocDataspace(size: number): Selector {
    return this.#thread.allocDataspace(size);
  }

  /** {@inheritDoc @os/kernel#KernelThread.attach} */
  attach(dataspace: Selector): Uint8Array {
    return this.#thread.attach(dataspace);
  }

  /** {@inheritDoc @os/kernel#KernelThread.dataspaceSize} */
  dataspaceSize(dataspace: Selector): number {
    return this.#thread.dataspaceSize(dataspace);
  }

  /** {@inheritDoc @os/kernel#KernelThread.quota} */
  quota(): QuotaState {
    return this.#thread.quota();
  }

  /** {@inheritDoc @os/kernel#KernelThread.time} */
  time(): number {
    return this.#thread.time();
  }

  /** {@inheritDoc @os/kernel#KernelThread.timeout} */
  timeout(durationUs: number, context: Selector): void {
    this.#thread.timeout(durationUs, context);
  }

  /** {@inheritDoc @os/kernel#KernelThread.free} */
  free(capability: Selector): void {
    this.#thread.free(capability);
  }

  /** {@inheritDoc @os/kernel#KernelThread.dissolve} */
  dissolve(capability: Selector): void {
    this.#thread.dissolve(capability);
  }

  /** {@inheritDoc @os/kernel#KernelThread.valid} */
  valid(capability: Selector): boolean {
    return this.#thread.valid(capability);
  }

  /** {@inheritDoc @os/kernel#KernelThread.kindOf} */
  kindOf(capability: Selector): ObjectKind {
    return this.#thread.kindOf(capability);
  }
}

import {
  DestroyedError,
  INVALID_SELECTOR,
  InvalidCapabilityError,
  type CapSpaceEntry,
  type Clock,
  type EntrypointHandler,
  type Kernel,
  type KernelThread,
  type Message,
  type ObjectKind,
  type PdId,
  type QuotaAmount,
  type QuotaState,
  type Selector,
  type TraceHook,
  ThreadStateError,
  WrongObjectKindError,
  InvalidArgumentError,
  entryOutcome,
  followEntry,
  messageAccess,
} from '@os/kernel';
import { HwKernel, type HwKernelOptions } from './hw-kernel.js';
import { IDENTITY_KIND_NAMES, IdentityKind } from './object-identity.js';
import type { HwPd } from './pd.js';
import type { HwEntry, HwThread } from './thread.js';

const SEAM_KINDS: Record<IdentityKind, ObjectKind | null> = {
  [IdentityKind.IpcNode]: 'rpc-object',
  [IdentityKind.SignalContext]: 'signal-context',
  [IdentityKind.SignalReceiver]: null,
  [IdentityKind.Dataspace]: 'dataspace',
};

const { capCount: capCountOf, caps: capsOf } = messageAccess;

/**
 * Acknowledges every capability a message the kernel delivered brought in, as base-hw's IPC library does on receipt.
 */
function ackCaps(kernel: HwKernel, thread: HwThread, message: Message): void {
  const count = capCountOf(message);
  const caps = capsOf(message);
  for (let i = 0; i < count; i++) kernel.cap_ack(thread, caps[i] as number);
}

/**
 * One thread's system-call interface on the hw kernel: the seam's operations mapped onto base-hw's
 * calls, the way Genode's base library for hw does (received capabilities are acknowledged at once).
 */
class HwKernelThread implements KernelThread {
  readonly #kernel: HwKernel;
  readonly #thread: HwThread;
  #receiver = 0;
  readonly #ackReply = (reply: Message): Message => {
    ackCaps(this.#kernel, this.#thread, reply);
    return reply;
  };

  constructor(kernel: HwKernel, thread: HwThread) {
    this.#kernel = kernel;
    this.#thread = thread;
  }

  get pd(): PdId {
    return this.#thread.pd.id;
  }

  get label(): string {
    return this.#thread.label;
  }

  get utcb(): Message {
    return this.#thread.utcb;
  }

  /** The native thread, for the kernel adapter only. */
  get native(): HwThread {
    return this.#thread;
  }

  call(object: Selector): Message | Promise<Message> {
    const reply = this.#kernel.rpc_call(this.#thread, object);
    if (reply instanceof Promise) return reply.then(this.#ackReply);
    if (capCountOf(reply) !== 0) ackCaps(this.#kernel, this.#thread, reply);
    return reply;
  }

  serve(handler: EntrypointHandler): void {
    const kernel = this.#kernel;
    const thread = this.#thread;
    const entry: HwEntry = {
      request(badge, utcb) {
        if (capCountOf(utcb) !== 0) ackCaps(kernel, thread, utcb);
        // the kernel follows (or refuses) what the handler returns: see entryOutcome
        return handler.onCall(badge, utcb);
      },
      signal(context, imprint, count) {
        // the handler may dissolve its own context and the selector name something new by the time an
        // asynchronous handler is done (startComponent's starter does): acknowledge only the context delivered
        const delivered = context === INVALID_SELECTOR ? undefined : kernel.identity(thread.pd, context);
        let result: Promise<unknown> | undefined;
        try {
          // a result other than nothing or a promise is the handler's fault, as a throw is
          result = entryOutcome(handler.onSignal(imprint, count));
        } catch (fault) {
          if (context !== INVALID_SELECTOR) kernel.signal_ack(thread, context);
          throw fault;
        }
        if (result === undefined) {
          if (context !== INVALID_SELECTOR) kernel.signal_ack(thread, context);
          return;
        }
        const pending = result;
        const ack = (): void => {
          if (delivered !== undefined && kernel.identity(thread.pd, context) === delivered)
            kernel.signal_ack(thread, context);
        };
        // settles once the handler's promise did and the delivery is acknowledged; an acknowledgement
        // that fails (the context's selector now names something else) is the entry's fault, as before
        return new Promise<void>((resolve, reject) => {
          const fail = (fault: unknown): void => {
            try {
              ack();
            } catch {
              // the handler's own fault is what the kernel reports
            }
            reject(fault);
          };
          const done = (): void => {
            try {
              ack();
            } catch (fault) {
              reject(fault);
              return;
            }
            resolve();
          };
          try {
            followEntry(pending, done, fail);
          } catch (fault) {
            fail(fault);
          }
        });
      },
    };
    this.#kernel.rpc_wait(thread, entry);
    if (this.#receiver !== 0) this.#kernel.signal_wait(thread, this.#receiver);
  }

  reply(): void {
    this.#kernel.rpc_reply(this.#thread);
  }

  createRpcObject(): Selector {
    return this.#kernel.new_obj(this.#thread);
  }

  createSignalContext(imprint: number): Selector {
    if (!Number.isSafeInteger(imprint))
      throw new InvalidArgumentError(`signal imprint must be an integer, got ${imprint}`);
    if (this.#receiver === 0) {
      this.#receiver = this.#kernel.new_signal_receiver(this.#thread);
      this.#kernel.signal_wait(this.#thread, this.#receiver);
    }
    return this.#kernel.new_signal_context(this.#thread.pd, this.#receiver, imprint);
  }

  submitSignal(context: Selector, count = 1): void {
    this.#kernel.signal_submit(this.#thread, context, count);
  }

  allocDataspace(size: number): Selector {
    return this.#kernel.ram_alloc(this.#thread.pd, size);
  }

  attach(dataspace: Selector): Uint8Array {
    return this.#kernel.ram_attach(this.#thread.pd, dataspace);
  }

  dataspaceSize(dataspace: Selector): number {
    return this.#kernel.ram_size(this.#thread.pd, dataspace);
  }

  quota(): QuotaState {
    const { ramLimit, ramUsed, capLimit, capUsed } = this.#thread.pd;
    return { ramLimit, ramUsed, capLimit, capUsed };
  }

  time(): number {
    return this.#kernel.time();
  }

  timeout(durationUs: number, context: Selector): void {
    this.#kernel.timeout(this.#thread, durationUs, context);
  }

  free(capability: Selector): void {
    if (!this.#thread.alive) throw new DestroyedError(`thread "${this.#thread.label}"`);
    if (!this.#kernel.cap_delete(this.#thread, capability)) {
      throw new ThreadStateError(`capability ${capability} is still being received; acknowledge it before freeing`);
    }
  }

  dissolve(capability: Selector): void {
    const pd = this.#thread.pd;
    const identity = this.#kernel.identity(pd, capability);
    if (identity?.kind === IdentityKind.SignalContext) this.#kernel.delete_signal_context(pd, capability);
    else if (identity?.kind === IdentityKind.SignalReceiver) {
      throw new WrongObjectKindError(
        capability,
        'dissolve',
        'rpc-object, signal-context or dataspace',
        IDENTITY_KIND_NAMES[identity.kind],
      );
    } else this.#kernel.delete_obj(pd, capability);
  }

  valid(capability: Selector): boolean {
    return this.#thread.alive && this.#kernel.identity(this.#thread.pd, capability) !== undefined;
  }

  kindOf(capability: Selector): ObjectKind {
    if (!this.#thread.alive) throw new DestroyedError(`thread "${this.#thread.label}"`);
    const identity = this.#kernel.identity(this.#thread.pd, capability);
    if (identity === undefined) throw new InvalidCapabilityError(capability, 'kindOf', this.#thread.pd.label);
    const kind = SEAM_KINDS[identity.kind];
    if (kind === null)
      throw new WrongObjectKindError(
        capability,
        'kindOf',
        'capability to a seam object',
        IDENTITY_KIND_NAMES[identity.kind],
      );
    return kind;
  }
}

/**
 * The hw kernel behind the `@os/kernel` seam. `native` exposes the base-hw model itself for tools and
 * tests that speak its own calls.
 */
export class HwSeamKernel implements Kernel {
  /** The backend name, always `hw`. */
  readonly name = 'hw';
  /** The base-hw model underneath. */
  readonly native: HwKernel;

  /** Creates a hw kernel instance. */
  constructor(options: HwKernelOptions = {}) {
    this.native = new HwKernel(options);
  }

  /** {@inheritDoc @os/kernel#Kernel.ipcBufferSize} */
  get ipcBufferSize(): number {
    return this.native.utcbSize;
  }

  /** {@inheritDoc @os/kernel#Kernel.capSpaceSize} */
  get capSpaceSize(): number {
    return this.native.capSpaceSize;
  }

  /** {@inheritDoc @os/kernel#Kernel.clock} */
  get clock(): Clock {
    return this.native.clock;
  }

  /** {@inheritDoc @os/kernel#Kernel.createPd} */
  createPd(label: string): PdId {
    return this.native.new_pd(label).id;
  }

  /** {@inheritDoc @os/kernel#Kernel.destroyPd} */
  destroyPd(pd: PdId): { ram: number; caps: number } {
    return this.native.delete_pd(this.native.pd(pd));
  }

  /** {@inheritDoc @os/kernel#Kernel.createThread} */
  createThread(pd: PdId, label: string): KernelThread {
    return new HwKernelThread(this.native, this.native.new_thread(this.native.pd(pd), label));
  }

  /** {@inheritDoc @os/kernel#Kernel.destroyThread} */
  destroyThread(thread: KernelThread): void {
    if (!(thread instanceof HwKernelThread))
      throw new ThreadStateError(`thread "${thread.label}" does not belong to this hw kernel`);
    this.native.delete_thread(thread.native);
  }

  /** {@inheritDoc @os/kernel#Kernel.grantQuota} */
  grantQuota(pd: PdId, amount: QuotaAmount): void {
    this.native.grant(this.native.pd(pd), amount.ram ?? 0, amount.caps ?? 0);
  }

  /** {@inheritDoc @os/kernel#Kernel.transferQuota} */
  transferQuota(from: PdId, to: PdId, amount: QuotaAmount): void {
    this.native.transfer(this.native.pd(from), this.native.pd(to), amount.ram ?? 0, amount.caps ?? 0);
  }

  /** {@inheritDoc @os/kernel#Kernel.quota} */
  quota(pd: PdId): QuotaState {
    const { ramLimit, ramUsed, capLimit, capUsed } = this.native.pd(pd);
    return { ramLimit, ramUsed, capLimit, capUsed };
  }

  /** {@inheritDoc @os/kernel#Kernel.delegate} */
  delegate(from: PdId, selector: Selector, to: PdId): Selector {
    return this.native.cap_copy(this.native.pd(from), selector, this.native.pd(to));
  }

  /** {@inheritDoc @os/kernel#Kernel.capSpace} */
  capSpace(pd: PdId): CapSpaceEntry[] {
    const entries: CapSpaceEntry[] = [];
    const native: HwPd = this.native.pd(pd);
    for (const reference of native.table) {
      if (reference === undefined || !reference.identity.alive) continue;
      const kind = SEAM_KINDS[reference.identity.kind];
      if (kind !== null) entries.push({ selector: reference.capId, object: reference.identity.id, kind });
    }
    return entries;
  }

  /** {@inheritDoc @os/kernel#Kernel.setTrace} */
  setTrace(hook: TraceHook | null): void {
    this.native.setTrace(hook);
  }

  /** {@inheritDoc @os/kernel#Kernel.settle} */
  async settle(): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** Creates a hw kernel behind the seam: the factory the conformance suite and `boot` take. */
export function createHwKernel(options: HwKernelOptions = {}): Kernel {
  return new HwSeamKernel(options);
}

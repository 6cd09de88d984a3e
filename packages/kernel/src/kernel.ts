import type { Message } from './message.js';
import type { Clock } from './clock.js';
import type { TraceHook } from './trace.js';

/** A capability selector: a plain integer indexing the holder's own capability space. */
export type Selector = number;

/** Names a protection domain to the privileged side of the kernel (core). */
export type PdId = number;

/** An amount of RAM (bytes) and capabilities, moved between quotas. */
export interface QuotaAmount {
  /** Bytes of RAM. */
  readonly ram?: number;
  /** Capabilities: each kernel object a PD creates costs one. */
  readonly caps?: number;
}

/** A PD's quota and what it has used of it. */
export interface QuotaState {
  /** RAM the PD may use, in bytes. */
  readonly ramLimit: number;
  /** RAM in use by dataspaces the PD allocated. */
  readonly ramUsed: number;
  /** Capabilities the PD may create. */
  readonly capLimit: number;
  /** Capabilities in use by objects the PD created. */
  readonly capUsed: number;
}

/** What a PD's capability-space slot holds, for inspection. */
export interface CapSpaceEntry {
  /** The slot. */
  readonly selector: Selector;
  /** The object identity behind it, unique per kernel instance; two PDs share it when they share the object. */
  readonly object: number;
  /** What the object is. */
  readonly kind: ObjectKind;
}

/** The kinds of object the seam knows. */
export type ObjectKind = 'rpc-object' | 'signal-context' | 'dataspace';

/**
 * What an entrypoint does with what arrives. The kernel calls these on the entrypoint's thread,
 * one at a time: while a returned promise is pending, the entrypoint is blocked and further calls
 * and signals to it queue.
 */
export interface EntrypointHandler {
  /**
   * A call arrived at the object the server names `object` (its own selector for it); the request
   * is in `request` (the thread's IPC buffer). A synchronous handler leaves its reply in `request`
   * and returns. An asynchronous one must write the reply and call {@link KernelThread.reply} before
   * its promise settles; if it does not, the caller gets a `ServerFaultError`.
   */
  onCall(object: Selector, request: Message): void | Promise<void>;
  /** A signal context created with `imprint` was submitted `count` times since its last delivery. */
  onSignal(imprint: number, count: number): void | Promise<void>;
}

/**
 * The system-call interface of one thread in one protection domain: all an unprivileged component
 * can ask of the kernel. Every selector it takes or returns indexes this thread's PD's space.
 */
export interface KernelThread {
  /** The PD this thread runs in. */
  readonly pd: PdId;
  /** Label for errors and traces. */
  readonly label: string;
  /** This thread's IPC buffer: write requests here before `call`, read the reply after. */
  readonly utcb: Message;

  /**
   * Calls the RPC object behind `object` with the message in {@link KernelThread.utcb} and blocks
   * until the reply. When the server's entrypoint was idle and replied synchronously, returns the
   * utcb holding the reply; otherwise a promise of a private message holding it. A thread makes one
   * call at a time: a call while the thread has one outstanding (its promise not yet settled) throws
   * `ThreadStateError` and sends nothing; serialise the calls, or make the other from another thread.
   */
  call(object: Selector): Message | Promise<Message>;
  /** Makes this thread an entrypoint: calls and signals to its objects go to `handler`. */
  serve(handler: EntrypointHandler): void;
  /** Sends the reply in the utcb to the caller of the request being handled (for async handlers). */
  reply(): void;

  /** Creates an RPC object served by this thread's entrypoint; costs one capability of quota. */
  createRpcObject(): Selector;
  /** Creates a signal context delivered to this thread's entrypoint with `imprint`; costs one capability. */
  createSignalContext(imprint: number): Selector;
  /** Submits the signal context `context` `count` times; delivery is asynchronous and counted. */
  submitSignal(context: Selector, count?: number): void;
  /** Allocates a zeroed RAM dataspace of `size` bytes, charged (page-rounded) to this PD's RAM quota. */
  allocDataspace(size: number): Selector;
  /** Attaches a dataspace: the returned bytes are shared with every PD that attaches it. */
  attach(dataspace: Selector): Uint8Array;
  /** Size of a dataspace in bytes. */
  dataspaceSize(dataspace: Selector): number;

  /** This thread's PD's quota and usage: a component may always read its own accounting. */
  quota(): QuotaState;
  /** Microseconds on the system's clock: the kernel's time source, as base-hw's `Kernel::time`. */
  time(): number;
  /**
   * Arms this thread's one timeout: `durationUs` from now the kernel submits signal context `context`
   * once. A new timeout replaces the thread's previous one (base-hw's `Kernel::timeout`). For drivers.
   */
  timeout(durationUs: number, context: Selector): void;

  /** Drops this PD's own capability; other holders keep theirs. */
  free(capability: Selector): void;
  /** Destroys an object this PD created: every capability to it, in every PD, becomes invalid. */
  dissolve(capability: Selector): void;
  /** Whether `capability` currently names a live object in this PD's space. */
  valid(capability: Selector): boolean;
  /** The object kind behind a valid selector. */
  kindOf(capability: Selector): ObjectKind;
}

/**
 * A kernel instance: the privileged interface core uses to create PDs and threads, move quota and
 * install capabilities. Nothing here is handed to components; they get a {@link KernelThread}.
 */
export interface Kernel {
  /** The backend: `hw`, `nova`, `sel4`. */
  readonly name: string;
  /** Bytes in one IPC buffer. */
  readonly ipcBufferSize: number;
  /**
   * Capability slots every PD's space has at least. A PD whose cap quota pays for more holds more: as many as
   * `capSpaceRoom(capSpaceSize, capLimit)` says, so a space is bounded by the quota its PD holds.
   */
  readonly capSpaceSize: number;
  /** The clock the kernel's timeouts run on. */
  readonly clock: Clock;

  /** Creates an empty PD with no quota and an empty capability space. */
  createPd(label: string): PdId;
  /** Destroys a PD: its threads end, its objects dissolve; returns the quota it still held. */
  destroyPd(pd: PdId): Required<QuotaAmount>;
  /** Creates a thread in `pd`. */
  createThread(pd: PdId, label: string): KernelThread;
  /** Ends a thread: calls pending on it abort, its objects stay (serve them again from another thread). */
  destroyThread(thread: KernelThread): void;

  /** Grants `pd` quota out of nothing: the machine's resources, given to the first PD (core) at boot. */
  grantQuota(pd: PdId, amount: QuotaAmount): void;
  /** Moves unused quota from one PD to another; throws `QuotaExceededError` if `from` lacks it. */
  transferQuota(from: PdId, to: PdId, amount: QuotaAmount): void;
  /** A PD's quota and usage. */
  quota(pd: PdId): QuotaState;

  /** Copies `from`'s capability `selector` into `to`'s space (the same object reuses an existing entry). */
  delegate(from: PdId, selector: Selector, to: PdId): Selector;
  /** The live entries of a PD's capability space. */
  capSpace(pd: PdId): CapSpaceEntry[];

  /** Installs a trace hook (or removes it with `null`). */
  setTrace(hook: TraceHook | null): void;
  /** Resolves once no call, reply or signal is queued anywhere. */
  settle(): Promise<void>;
}

/** What every kernel factory accepts. */
export interface KernelOptions {
  /** The clock timeouts run on; a `VirtualClock` makes runs deterministic. */
  readonly clock?: Clock;
}

/** Makes a fresh kernel; what the conformance suite and `boot` take. */
export type KernelFactory = (options?: KernelOptions) => Kernel;

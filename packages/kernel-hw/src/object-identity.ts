import type { HwPd } from './pd.js';
import type { HwThread } from './thread.js';

/** What an object identity stands for. Integers, so the IPC path branches on numbers. */
export const IdentityKind = {
  IpcNode: 0,
  SignalContext: 1,
  SignalReceiver: 2,
  Dataspace: 3,
} as const;

/** One of the {@link (IdentityKind:variable)} values. */
export type IdentityKind = (typeof IdentityKind)[keyof typeof IdentityKind];

/** Names of {@link (IdentityKind:variable)} for errors and inspection. */
export const IDENTITY_KIND_NAMES = ['rpc-object', 'signal-context', 'signal-receiver', 'dataspace'] as const;

/** Per-context signal state (base-hw `Signal_context`): counted, delivered once until acknowledged. */
export interface SignalState {
  /** The receiver (and so the thread) it delivers to. */
  readonly receiver: ObjectIdentity;
  /** The value the entrypoint gets with each delivery. */
  readonly imprint: number;
  /** Submits since the last delivery. */
  count: number;
  /** Sits in the receiving thread's queue. */
  queued: boolean;
  /** Delivered and not yet acknowledged: no further delivery until `signal_ack`. */
  awaitingAck: boolean;
  /** Killed: submits are refused, nothing is delivered. */
  killed: boolean;
}

/**
 * An object identity (base-hw `Kernel::Object_identity`): the kernel-side thing a capability
 * names. Each PD refers to it through at most one {@link ObjectIdentityReference}.
 */
export class ObjectIdentity {
  /** References held by PDs, removed when a PD deletes its capability. */
  readonly references = new Set<ObjectIdentityReference>();
  /** False once destroyed: every reference to it is then gone. */
  alive = true;
  /** For signal contexts: their signal state. */
  signal: SignalState | null = null;
  /** For dataspaces: the memory; destruction detaches it, which takes it back from every view. */
  memory: ArrayBuffer | null = null;
  /** For signal receivers: the thread that receives. */
  receiverThread: HwThread | null = null;

  /** Creates the identity `id` of `kind`, owned by `owner`, served by `thread` (IPC nodes). */
  constructor(
    /** Unique per kernel instance: the object identity the seam reports for every capability to it. */
    readonly id: number,
    /** What the identity stands for. */
    readonly kind: IdentityKind,
    /** The PD that created it and pays for it in quota. */
    readonly owner: HwPd,
    /** For IPC nodes: the thread that serves calls to it; null for other kinds. */
    readonly thread: HwThread | null,
    /** The owner's capability id at creation: how its server recognises it in a request. */
    public badge: number,
  ) {}
}

/** A PD's entry for one object identity (base-hw `Object_identity_reference`). */
export class ObjectIdentityReference {
  /** Receptions not yet acknowledged with `cap_ack`; while non-zero, `cap_delete` leaves it. */
  inUtcb = 0;

  /** Creates the reference of `pd` to `identity` under capability id `capId`. */
  constructor(
    /** The object identity it refers to. */
    readonly identity: ObjectIdentity,
    /** The PD holding the reference. */
    readonly pd: HwPd,
    /** Its capability id in that PD's capability space. */
    readonly capId: number,
  ) {}
}

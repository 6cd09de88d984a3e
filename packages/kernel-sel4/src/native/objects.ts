import { type Cap, CapType, NULL_CAP } from './cap.js';
import type { Tcb } from './tcb.js';

/** What every kernel object has: where it lives in physical memory, and whether it still exists. */
export abstract class KernelObject {
  /** False once its last capability was deleted and the kernel finalised it. */
  alive = true;
  /** Capabilities naming it, over all slots (seL4 finds the last one by `isFinalCapability`). */
  capCount = 0;

  /** Creates an object at physical `address` of 2^`sizeBits` bytes. */
  constructor(
    /** Physical address. */
    readonly address: number,
    /** log2 of its size in bytes. */
    readonly sizeBits: number,
  ) {}
}

/** Untyped memory: a power-of-two region carved from the bottom up (the watermark `freeIndex`). */
export class Untyped extends KernelObject {
  /** Bytes from the region's start already handed out; reset to 0 when a retype finds no children. */
  freeIndex = 0;
}

/** Endpoint states (`endpoint_state` in `structures.h`). */
export const EndpointState = { Idle: 0, Send: 1, Recv: 2 } as const;

/** A synchronous IPC endpoint: a queue of senders or of receivers. */
export class Endpoint extends KernelObject {
  /** Idle, queued senders, or queued receivers. */
  state: number = EndpointState.Idle;
  /** The queued threads, first come first served. */
  readonly queue: Tcb[] = [];
}

/** Notification states (`notification_state` in `structures.h`). */
export const NotificationState = { Idle: 0, Waiting: 1, Active: 2 } as const;

/** A notification: a word that signals OR their badges into, and waiters for it. */
export class Notification extends KernelObject {
  /** Idle, threads waiting, or a word pending. */
  state: number = NotificationState.Idle;
  /** The pending word (`ntfnMsgIdentifier`): badges ORed together since the last wait. */
  word = 0;
  /** Threads blocked in `seL4_Wait` on it. */
  readonly queue: Tcb[] = [];
  /** The TCB bound to it with `TCB_BindNotification`. */
  boundTcb: Tcb | null = null;
}

/** A 4 KiB frame. Mapping is not modelled; the seam's dataspaces are made of frames. */
export class Frame extends KernelObject {}

/** A CNode: 2^radix capability slots. */
export class CNode extends KernelObject {
  /** Slots created on first touch; an untouched slot is empty. */
  readonly slots: (Cte | undefined)[] = [];

  /** Creates a CNode of 2^`radix` slots at `address`. */
  constructor(
    address: number,
    /** log2 of the number of slots. */
    readonly radix: number,
  ) {
    super(address, radix + 5);
  }

  /** The slot at `index`, below 2^radix. */
  slot(index: number): Cte {
    let slot = this.slots[index];
    if (slot === undefined) {
      slot = new Cte(this, index);
      this.slots[index] = slot;
    }
    return slot;
  }
}

/**
 * A capability table entry: a slot with its capability and its place in the capability derivation
 * tree. seL4 keeps the tree as a list in preorder (`mdb_node`); the model keeps parent and children
 * explicitly, which gives the same answers to `isMDBParentOf`, revoke and delete.
 */
export class Cte {
  /** The capability in the slot. */
  cap: Cap = NULL_CAP;
  /** The capability this one was derived from (the nearest revocable ancestor), if any. */
  parent: Cte | null = null;
  /** The first capability derived from this one; the rest follow through `nextSibling`. */
  firstChild: Cte | null = null;
  /** The next capability derived from the same parent. */
  nextSibling: Cte | null = null;
  /** The previous capability derived from the same parent. */
  prevSibling: Cte | null = null;
  /** May have children (`mdbRevocable`): originals, newly badged caps, untyped caps. */
  revocable = false;
  /** The first of its badge (`mdbFirstBadged`). */
  firstBadged = false;

  /** Creates the empty slot `index` of `cnode` (null for a TCB's own slots). */
  constructor(
    /** The CNode it belongs to, or null for the slots inside a TCB. */
    readonly cnode: CNode | null,
    /** Its index in the CNode. */
    readonly index: number,
  ) {}

  /** Whether capabilities were derived from this one. */
  get hasChildren(): boolean {
    return this.firstChild !== null;
  }

  /** The capabilities derived from this one, as a fresh list. */
  children(): Cte[] {
    const list: Cte[] = [];
    for (let child = this.firstChild; child !== null; child = child.nextSibling) list.push(child);
    return list;
  }

  /** Whether the slot holds no capability. */
  get empty(): boolean {
    return this.cap.type === CapType.NullCap;
  }
}

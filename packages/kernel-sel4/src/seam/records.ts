import type { ClockTimer, Message, ObjectKind } from '@os/kernel';
import type { SeamThread } from './seam-thread.js';

/** A free untyped of a PD's RAM pool: a core CPtr and its size. */
export interface PoolUntyped {
  /** CPtr of the untyped cap in core's CNode. */
  readonly cptr: number;
  /** log2 of its size in bytes. */
  readonly sizeBits: number;
}

/** A page of a dataspace: the frame and the page-sized untyped it was retyped from (core CPtrs). */
export interface DataspacePage {
  /** The frame's cap in core's CNode. */
  readonly frame: number;
  /** The 4 KiB untyped it came from; free again once the frame is deleted. */
  readonly untyped: number;
}

/**
 * A protection domain as Genode's core on seL4 keeps it: a CSpace of two levels (a directory CNode whose slots hold
 * leaf CNodes; core's range of it holds the PD's own kernel caps), the component-side map
 * between RPC-object keys and selectors (Genode's `Capability_space`), quota, and a pool of untyped
 * memory its dataspaces are retyped from.
 */
export class SeamPd {
  /** Key of the object behind each selector; 0 where the selector is free. */
  readonly keyBySelector: number[] = [0];
  /** Selector of each object key this PD holds. */
  readonly selectorByKey = new Map<number, number>();
  /** Freed selectors, reused last-freed first. */
  readonly freeSelectors: number[] = [];
  /** Selectors of owned live objects whose owner freed them: kept so the server still names them. */
  readonly reserved = new Set<number>();
  /**
   * Keys of objects core carried into this PD with `CNode_Copy` as a message's further new caps, that
   * no message this PD received has reported yet: the one that does reports them fresh (see
   * `Message.freshCaps`). Kept by core, so a sender cannot pass off an old entry as a new one.
   */
  readonly carried = new Set<number>();
  /** Next never-used selector (core's CPtrs skipped). */
  nextSelector = 1;
  /** Next free slot of the kernel-caps CNode; slot 0 holds the PD's own CNode cap. */
  nextInfra = 1;
  /** Free untypeds the PD's dataspaces are retyped from: its RAM quota in kernel memory. */
  readonly pool: PoolUntyped[] = [];
  /** RAM quota, bytes. */
  ramLimit = 0;
  /** RAM in use, bytes (pages of live dataspaces). */
  ramUsed = 0;
  /** Capability quota: objects it may create. */
  capLimit = 0;
  /** Objects it created that live. */
  capUsed = 0;
  /** Its threads. */
  readonly threads = new Set<SeamThread>();
  /** Objects it created. */
  readonly owned = new Set<SeamObject>();
  /** False once destroyed. */
  alive = true;
  /** CPtrs in core's CNode of its leaves by directory slot: leaf `i` holds CPtrs from `i * 4096`; made as needed. */
  readonly leaves = new Map<number, number>();

  /** Creates the record of PD `id`. */
  constructor(
    /** The seam's PD id. */
    readonly id: number,
    /** Its label. */
    readonly label: string,
    /** CPtr in core's CNode of the PD's directory, the top CNode of its CSpace (unguarded). */
    readonly top: number,
  ) {}
}

/** A seam object: an RPC object, a signal context or a dataspace, named by a key unique in the kernel. */
export class SeamObject {
  /** Live. */
  alive = true;
  /** PDs holding a capability to it, with their selector. */
  readonly holders = new Map<SeamPd, number>();
  /** Signal contexts: submits since the last delivery. */
  count = 0;
  /** Signal contexts: waiting in the receiver's signal queue. */
  queued = false;
  /** Dataspaces: their bytes. */
  memory: ArrayBuffer | null = null;
  /** Dataspaces: their frames. */
  pages: DataspacePage[] = [];
  /** Signal contexts: an armed timeout delivering to it. */
  timer: ClockTimer | null = null;

  /** Creates the record. */
  constructor(
    /** The key: Genode's `Rpc_obj_key`, also the badge (shifted) of its capabilities. */
    readonly key: number,
    /** What it is. */
    readonly kind: ObjectKind,
    /** The PD that created it. */
    readonly owner: SeamPd,
    /** CPtr of its original (badged) capability in core's CNode. */
    readonly original: number,
    /** The owner's selector at creation: how its server names it. */
    readonly ownerSelector: number,
    /** RPC objects: the serving thread. Signal contexts: the receiving thread. */
    readonly thread: SeamThread | null,
    /** Signal contexts: the imprint. */
    readonly imprint: number,
  ) {}
}

/** A call that did not complete within `call`: queued on the endpoint, or answered later. */
export class PendingCall {
  /** Settled. */
  done = false;
  /** The promise the caller awaits. */
  readonly promise: Promise<Message>;
  /** Settles it with the reply. */
  resolve!: (reply: Message) => void;
  /** Settles it with an error. */
  reject!: (error: Error) => void;

  /** Creates the record of `caller`'s call to `object` served by `server`. */
  constructor(
    /** The calling thread. */
    readonly caller: SeamThread,
    /** The serving thread. */
    readonly server: SeamThread,
    /** The object called. */
    readonly object: SeamObject,
  ) {
    this.promise = new Promise<Message>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
}

import { type ClockTimer, MessageSlab } from '@os/kernel';
import type { Crd } from './crd.js';
import { Kobject, KobjectType } from './kobject.js';
import type { NovaPd } from './pd.js';
import type { NovaPt } from './pt.js';
import type { Status } from './status.js';
import { Utcb } from './utcb.js';

/** Why a call ended without SUCCESS, beyond its status code: for messages a user can act on. */
export interface CallFailure {
  /** Label of the EC the call went to. */
  readonly server: string;
  /** What happened, e.g. `the EC was destroyed`. */
  readonly reason: string;
  /** The server's portal entry threw (a fault), rather than the server going away. */
  readonly faulted: boolean;
  /** For a call refused because it would wait forever: the ECs around the cycle, caller first and last. */
  readonly cycle: readonly string[] | null;
}

/** What a call that had to wait resolves to. */
export interface NovaReply {
  /** SUCCESS, or why not (COM_ABT, COM_TIM). */
  readonly status: Status;
  /** The reply, in a UTCB of the call's own. */
  readonly utcb: Utcb;
  /** Details when the status is not SUCCESS. */
  readonly failure: CallFailure | null;
}

/** A scheduling context: the time an EC runs on, donated along a call chain. */
export class NovaSc extends Kobject {
  /** Calls that ran on this SC: its own EC's, and those of every EC it was donated to. */
  activations = 0;

  /** Creates SC `serial` bound to the global EC `ec`. */
  constructor(
    serial: number,
    label: string,
    charged: NovaPd,
    /** The global EC it belongs to. */
    readonly ec: NovaEc,
    /** Priority, 1..127. */
    readonly priority: number,
    /** Time quantum in microseconds. */
    readonly quantum: number,
  ) {
    super(serial, KobjectType.SC, label, charged);
  }
}

/**
 * A call that could not complete inside the caller's `call`: queued on a busy EC (the caller
 * helps it, as on NOVA), or served by a portal entry that went asynchronous.
 */
export class PendingCall implements NovaReply {
  /** The request, copied from the caller's UTCB when the call had to queue. */
  request: Utcb | null = null;
  /** The caller's receive windows when it called: the reply is received through them. */
  readonly #xlt: Crd;
  readonly #del: Crd;
  #utcb: Utcb | null = null;
  /** SUCCESS once replied; the failure's status otherwise. */
  status: Status = 0;
  /** Details of a failure. */
  failure: CallFailure | null = null;
  /** Replied or failed. */
  done = false;
  /** The promise the caller awaits. */
  promise: Promise<NovaReply> | null = null;
  /** Settles {@link PendingCall.promise}. */
  resolve: ((reply: NovaReply) => void) | null = null;

  /** Creates the call of `caller` through `pt` to `server`, running on `sc`. */
  constructor(
    /** The EC that called. */
    readonly caller: NovaEc,
    /** The local EC the portal is bound to. */
    readonly server: NovaEc,
    /** The portal called. */
    readonly pt: NovaPt,
    /** The caller's SC, donated to the server for this call. */
    readonly sc: NovaSc | null,
  ) {
    this.#xlt = caller.utcb.xlt;
    this.#del = caller.utcb.del;
  }

  /**
   * The reply, received through the caller's windows of the time it called: a UTCB sized to the
   * reply (`length` bytes), cut from the caller's slab, made when the reply arrives.
   */
  replyUtcb(length: number): Utcb {
    if (this.#utcb === null) {
      const utcb = this.caller.copies.take(Math.min(length, this.caller.utcb.capacity), Utcb);
      utcb.xlt = this.#xlt;
      utcb.del = this.#del;
      this.#utcb = utcb;
    }
    return this.#utcb;
  }

  /** The reply (an empty one while none arrived). */
  get utcb(): Utcb {
    return this.replyUtcb(0);
  }

  /** The promise the caller awaits, made on first use. */
  awaitable(): Promise<NovaReply> {
    if (this.promise === null) {
      this.promise = new Promise<NovaReply>((resolve) => {
        this.resolve = resolve;
      });
    }
    return this.promise;
  }
}

/**
 * An execution context. A global EC runs on its own SC; a local EC is bound to portals and runs
 * only when called through one, on the caller's donated SC (or on one donated with `ec_ctrl`).
 */
export class NovaEc extends Kobject {
  /** Its UTCB. */
  readonly utcb: Utcb;
  /** Where the kernel's copies of its queued requests and the replies to its queued calls are cut from. */
  readonly copies = new MessageSlab();
  /** The SC it currently runs on: its own (global), the donor's (`ec_ctrl`), or a caller's (in a call). */
  sc: NovaSc | null = null;
  /** Running a portal entry (until the entry returns or its promise settles). */
  busy = false;
  /** The caller whose call it is serving inside that caller's `call` (the direct switch), until it replies. */
  partner: NovaEc | null = null;
  /** The portal the partner called. */
  partnerPt: NovaPt | null = null;
  /** The SC it ran on before the partner's was donated. */
  partnerSc: NovaSc | null = null;
  /** A waiting call it is serving (or replied early to). */
  current: PendingCall | null = null;
  /** The EC it is inside a direct-switch call to. */
  waitingOn: NovaEc | null = null;
  /** Its call that waits (queued, or served asynchronously): at most one, see `calling`. */
  readonly outgoing = new Set<PendingCall>();
  /** Calls waiting for it to become free, first come first served. */
  readonly queue: PendingCall[] = [];
  /** A microtask to serve its queue is scheduled. */
  drainScheduled = false;
  /** Semaphore downs it is blocked in. */
  smWaits = 0;
  /** Recalled with `ec_ctrl` and not yet run since. */
  recalled = false;
  /** Signal registers: the value of the signal a `down` on a chained semaphore took. */
  siValue = 0;
  /** Signal registers: how often that signal was submitted since it was last taken. */
  siCount = 0;
  /** Why its last call failed, if it did. */
  failure: CallFailure | null = null;
  /**
   * Runs before typed items are transferred to this EC (as request or reply): where it opens its
   * receive windows. NOVA's ECs set them before they block; the model's ECs block implicitly.
   */
  prepareReceive: ((utcb: Utcb, items: number) => void) | null = null;
  /** Timers of its timed semaphore downs. */
  readonly timers = new Set<ClockTimer>();

  /** Creates EC `serial` in `pd`. */
  constructor(
    serial: number,
    label: string,
    charged: NovaPd,
    /** The PD it runs in. */
    readonly pd: NovaPd,
    /** Global (runs on an SC of its own) or local (runs when its portals are called). */
    readonly global: boolean,
    /** The CPU it runs on. */
    readonly cpu: number,
    /** Where its UTCB appears in its PD. */
    readonly utcbAddress: number,
    /** Base selector of its exception portals. */
    readonly evt: number,
    utcbSize: number,
  ) {
    super(serial, KobjectType.EC, label, charged);
    this.utcb = new Utcb(utcbSize);
  }

  /** Free to take a call through one of its portals now. */
  get ready(): boolean {
    return this.alive && !this.busy && this.waitingOn === null && this.outgoing.size === 0 && this.smWaits === 0;
  }

  /**
   * Has a call outstanding: inside a direct-switch call, or one that waits. Such an EC is blocked in `call` until the
   * reply and can make no other call.
   */
  get calling(): boolean {
    return this.waitingOn !== null || this.outgoing.size !== 0;
  }

  /** Waiting on others: serving, or inside a call. */
  get blocked(): boolean {
    return this.busy || this.waitingOn !== null || this.outgoing.size > 0;
  }
}

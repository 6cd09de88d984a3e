import { CapSpaceExhaustedError, INVALID_SELECTOR, capSpaceRoom } from '@os/kernel';
import { type ObjectIdentity, ObjectIdentityReference } from './object-identity.js';
import type { HwThread } from './thread.js';

/**
 * A protection domain of the hw kernel: its capability table (capability id to reference), the one
 * reference it holds per object identity, its quota and threads.
 */
export class HwPd {
  /** Capability id to reference; index 0 is the invalid capability and never used. */
  readonly table: (ObjectIdentityReference | undefined)[] = [undefined];
  /** The reference per identity, so a capability received twice lands in the same slot. */
  readonly byIdentity = new Map<ObjectIdentity, ObjectIdentityReference>();
  /** Freed capability ids, reused last-freed first. */
  readonly freeIds: number[] = [];
  /**
   * Ids of objects this PD owns but no longer holds a capability to: kept free of other entries
   * while the object lives, because the id is the object's badge, how its server recognises it.
   */
  readonly reservedIds = new Set<number>();
  /** Identities this PD created and pays for. */
  readonly owned = new Set<ObjectIdentity>();
  /** Its threads. */
  readonly threads = new Set<HwThread>();
  /** RAM quota this PD may use, in bytes. */
  ramLimit = 0;
  /** RAM in use by dataspaces this PD allocated, in bytes. */
  ramUsed = 0;
  /** Capability quota: how many kernel objects this PD may create. */
  capLimit = 0;
  /** Capability quota in use: one per object this PD created that still lives. */
  capUsed = 0;
  /** False once `delete_pd` destroyed it; kernel calls on it then throw `DestroyedError`. */
  alive = true;

  /** Creates PD `id` named `label` whose capability space has at least `capSpaceBase` slots. */
  constructor(
    /** Unique per kernel instance: the `PdId` the seam hands out. */
    readonly id: number,
    /** Name for errors and traces. */
    readonly label: string,
    /** Capability slots its space has whatever its quota (id 0, the invalid capability, not counted). */
    readonly capSpaceBase: number,
  ) {}

  /**
   * Capability slots in its capability space: the base, or as many as its cap quota pays for (`capSpaceRoom`). The
   * table grows as base-hw's capability slab does, paid for by the PD; ids past 65 535 exist only because the model's
   * capability id is wider than base-hw's 16-bit `capid_t`.
   */
  get capSpaceSize(): number {
    return capSpaceRoom(this.capSpaceBase, this.capLimit);
  }

  /** The live reference under `capId`, or undefined. */
  lookup(capId: number): ObjectIdentityReference | undefined {
    const reference = this.table[capId];
    return reference?.identity.alive ? reference : undefined;
  }

  /** Whether this PD holds a reference to `identity`: receiving it again reuses that entry. */
  holds(identity: ObjectIdentity): boolean {
    return this.byIdentity.has(identity);
  }

  /**
   * This PD's capability id for `identity`, inserting a reference if it has none: the kernel's
   * capability translation. Counts the reception for `cap_ack`.
   */
  insert(identity: ObjectIdentity): number {
    if (!identity.alive) return INVALID_SELECTOR;
    const existing = this.byIdentity.get(identity);
    if (existing !== undefined) {
      existing.inUtcb++;
      return existing.capId;
    }
    let capId: number | undefined;
    if (identity.owner === this && this.reservedIds.delete(identity.badge)) capId = identity.badge;
    else capId = this.freeIds.pop();
    if (capId === undefined) {
      if (this.table.length > this.capSpaceSize) throw new CapSpaceExhaustedError(this.label, this.capSpaceSize);
      capId = this.table.length;
      this.table.push(undefined);
    }
    const reference = new ObjectIdentityReference(identity, this, capId);
    reference.inUtcb = 1;
    this.table[capId] = reference;
    this.byIdentity.set(identity, reference);
    identity.references.add(reference);
    return capId;
  }

  /**
   * Whether this PD has room for a reference to each of `identities` it lacks: the capability
   * translation of one message either takes all of them or none.
   */
  hasRoomFor(identities: Iterable<ObjectIdentity | undefined>): boolean {
    const fresh = new Set<ObjectIdentity>();
    for (const identity of identities) {
      if (identity === undefined || !identity.alive || this.byIdentity.has(identity)) continue;
      if (identity.owner === this && this.reservedIds.has(identity.badge)) continue;
      fresh.add(identity);
    }
    return fresh.size <= this.freeIds.length + Math.max(0, this.capSpaceSize + 1 - this.table.length);
  }

  /** Drops `reference` from this PD and frees its slot (or reserves it, for an owned live object's badge). */
  remove(reference: ObjectIdentityReference): void {
    this.forget(reference);
    reference.identity.references.delete(reference);
  }

  /**
   * {@link HwPd.remove} but for the identity's set of references, which the caller updates (see `#destroyIdentity`).
   */
  forget(reference: ObjectIdentityReference): void {
    const identity = reference.identity;
    this.table[reference.capId] = undefined;
    this.byIdentity.delete(identity);
    if (identity.owner === this && identity.alive && reference.capId === identity.badge)
      this.reservedIds.add(reference.capId);
    else this.freeIds.push(reference.capId);
  }

  /** Releases the badge id an owned object kept reserved, once the object is gone. */
  releaseBadge(identity: ObjectIdentity): void {
    if (this.reservedIds.delete(identity.badge)) this.freeIds.push(identity.badge);
  }
}

import { type ObjectKind, type Selector, pageRound } from '@os/kernel';
import type { ModelObjectId, ModelPdId } from './ids.js';

/**
 * Where an object is in its life.
 * - `live`: it exists and every capability to it works.
 * - `orphaned`: it exists and is still charged to its owner, but no PD holds a capability to it any
 *   more because a native revoke took every copy (only the backend's privileged side, core, still
 *   names it, and a call through that still reaches the owner's server with the badge). Nothing
 *   reaches it through the seam; its badge selector stays kept for it, as for a live object.
 * - `dissolved`: destroyed (by `dissolve` or with its owner PD); nothing names it, its quota is back.
 */
export type ObjectLife = 'live' | 'orphaned' | 'dissolved';

/** An object as the specification sees it: what it is, who owns it, how it is recognised. */
export interface ModelObject {
  /** The model's name for it. */
  readonly id: ModelObjectId;
  /** RPC object, signal context or dataspace. */
  readonly kind: ObjectKind;
  /** The PD that created it: the only one that may dissolve it, the one charged for it. */
  readonly owner: ModelPdId;
  /**
   * The owner's selector at creation. An RPC object's server is told this (`onCall(object)`) on
   * every call, from any PD, and the owner gets the object back under it whenever it receives it
   * while not holding it; no other object ever occupies it in the owner's space while this one exists.
   */
  readonly badge: Selector;
  /** Signal contexts: the imprint `onSignal` reports. */
  readonly imprint: number;
  /** Dataspaces: size in bytes. */
  readonly size: number;
  /** Bytes of RAM quota charged to the owner: `pageRound(size)` for a dataspace, else 0. */
  readonly ramCharge: number;
  /** Capability quota charged to the owner: one per object of any kind. */
  readonly capCharge: number;
  /** Where it is in its life. */
  life: ObjectLife;
}

/** Creation parameters the seam takes per kind. */
export interface ObjectParameters {
  /** Signal contexts: the imprint. */
  readonly imprint?: number;
  /** Dataspaces: the size in bytes (a positive integer). */
  readonly size?: number;
}

/** What creating an object of `kind` charges its owner: one capability, plus page-rounded RAM for a dataspace. */
export function creationCharge(kind: ObjectKind, parameters: ObjectParameters): { ram: number; caps: number } {
  return { ram: kind === 'dataspace' ? pageRound(parameters.size ?? 0) : 0, caps: 1 };
}

/** Whether the object still exists (live or orphaned): it is charged to its owner. */
export function exists(object: ModelObject): boolean {
  return object.life !== 'dissolved';
}

import { type ModelObjectId, type ModelPdId, holdingKey } from './ids.js';

/**
 * How a backend's native capability derivation relates PDs' holdings of one object: what a native
 * revoke of one holding takes with it. Not part of the seam (which has no revoke but `dissolve`), but
 * what each kernel's own revoke does to seam objects.
 *
 * - `chain`: NOVA's mapping database. A delegation (by `delegate` or a capability in a message)
 *   makes the receiver's mapping a child of the sender's; the owner's is a child of core's original.
 *   Revoking a mapping takes everything delegated from it, transitively.
 * - `siblings`: seL4's derivation tree for badged capabilities. Core mints the object's badged
 *   original; every copy, however it travelled, is a copy of a badged cap and so not revocable
 *   (`isCapRevocable`), which makes every copy a child of the original. Revoking a PD's copy takes
 *   nothing; revoking the original takes every copy.
 *
 * In both, freeing a holding (NOVA `revoke` with keep-in-mdb, seL4 `CNode_Delete`) hangs what was
 * derived from it on its parent, so it survives.
 */
export type DerivationPolicy = 'chain' | 'siblings';

/** Core's original of an object, as a parent in {@link DerivationTree}. */
export const ORIGINAL = null;

/** The derivation tree of every object's holdings under one {@link DerivationPolicy}. */
export class DerivationTree {
  readonly #parent = new Map<string, ModelPdId | typeof ORIGINAL>();
  readonly #children = new Map<string, Set<ModelPdId>>();

  /** Creates an empty tree under `policy`. */
  constructor(
    /** Which backend's derivation it follows. */
    readonly policy: DerivationPolicy,
  ) {}

  /** `pd` got `object` from `from` (a PD, or {@link ORIGINAL} for the owner's own capability). */
  derive(object: ModelObjectId, pd: ModelPdId, from: ModelPdId | typeof ORIGINAL): void {
    const parent = this.policy === 'siblings' ? ORIGINAL : from;
    this.#parent.set(holdingKey(object, pd), parent);
    this.#childrenOf(object, parent).add(pd);
  }

  /** `pd` dropped its holding of `object`: what was derived from it hangs on its parent now. */
  remove(object: ModelObjectId, pd: ModelPdId): void {
    const key = holdingKey(object, pd);
    if (!this.#parent.has(key)) return;
    const parent = this.#parent.get(key) as ModelPdId | typeof ORIGINAL;
    this.#parent.delete(key);
    this.#childrenOf(object, parent).delete(pd);
    const children = this.#children.get(key);
    if (children === undefined) return;
    this.#children.delete(key);
    for (const child of children) {
      this.#parent.set(holdingKey(object, child), parent);
      this.#childrenOf(object, parent).add(child);
    }
  }

  /**
   * Every PD holding derived (transitively) from `pd`'s holding of `object`, or from the original with {@link
   * ORIGINAL}.
   */
  descendants(object: ModelObjectId, pd: ModelPdId | typeof ORIGINAL): ModelPdId[] {
    const found: ModelPdId[] = [];
    const pending = [...this.#childrenOf(object, pd)];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      found.push(next);
      pending.push(...this.#childrenOf(object, next));
    }
    return found;
  }

  /** The holding `pd`'s holding of `object` derives from; undefined if it holds none. */
  parentOf(object: ModelObjectId, pd: ModelPdId): ModelPdId | typeof ORIGINAL | undefined {
    return this.#parent.get(holdingKey(object, pd));
  }

  #childrenOf(object: ModelObjectId, pd: ModelPdId | typeof ORIGINAL): Set<ModelPdId> {
    const key = pd === ORIGINAL ? `${object}@original` : holdingKey(object, pd);
    let children = this.#children.get(key);
    if (children === undefined) {
      children = new Set();
      this.#children.set(key, children);
    }
    return children;
  }
}

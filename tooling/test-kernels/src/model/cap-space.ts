import type { Selector } from '@os/kernel';
import type { ModelObjectId } from './ids.js';
import { SpecViolation } from './violation.js';

/**
 * One PD's capability space as the seam promises it: selectors naming objects, at most one selector
 * per object (receiving an object the PD already holds reuses its entry), and no selector naming two
 * objects. Which number a new entry gets is the backend's choice; the model records it and checks it
 * was free. It also remembers every selector the PD ever held, so tests keep trying stale ones.
 */
export class ModelCapSpace {
  readonly #objectAt = new Map<Selector, ModelObjectId>();
  readonly #selectorOf = new Map<ModelObjectId, Selector>();
  readonly #everHeld = new Set<Selector>();

  /** Entries in use. */
  get size(): number {
    return this.#objectAt.size;
  }

  /** The object `selector` names, if it names one. */
  objectAt(selector: Selector): ModelObjectId | undefined {
    return this.#objectAt.get(selector);
  }

  /** The selector under which the PD holds `object`, if it does. */
  selectorOf(object: ModelObjectId): Selector | undefined {
    return this.#selectorOf.get(object);
  }

  /** Whether `selector` names an object. */
  holds(selector: Selector): boolean {
    return this.#objectAt.has(selector);
  }

  /** The entries, by ascending selector. */
  entries(): [Selector, ModelObjectId][] {
    return [...this.#objectAt].sort(([x], [y]) => x - y);
  }

  /** The selectors in use, ascending. */
  selectors(): Selector[] {
    return [...this.#objectAt.keys()].sort((x, y) => x - y);
  }

  /** Every selector that ever named something here, ascending (held ones included). */
  everHeld(): Selector[] {
    return [...this.#everHeld].sort((x, y) => x - y);
  }

  /** Enters `object` under `selector`; both must be unused here. */
  bind(selector: Selector, object: ModelObjectId): void {
    const occupant = this.#objectAt.get(selector);
    if (occupant !== undefined)
      throw new SpecViolation(
        `selector ${selector} already names object ${occupant}, cannot also name object ${object}`,
      );
    const existing = this.#selectorOf.get(object);
    if (existing !== undefined)
      throw new SpecViolation(
        `object ${object} is already held under selector ${existing}, cannot also be held under ${selector}`,
      );
    this.#objectAt.set(selector, object);
    this.#selectorOf.set(object, selector);
    this.#everHeld.add(selector);
  }

  /** Removes the entry for `object`; returns its selector, if there was one. */
  unbind(object: ModelObjectId): Selector | undefined {
    const selector = this.#selectorOf.get(object);
    if (selector === undefined) return undefined;
    this.#selectorOf.delete(object);
    this.#objectAt.delete(selector);
    return selector;
  }

  /** Removes every entry; returns the objects that were held. */
  clear(): ModelObjectId[] {
    const objects = [...this.#selectorOf.keys()];
    this.#objectAt.clear();
    this.#selectorOf.clear();
    return objects;
  }
}

import { CapSpaceExhaustedError } from '@os/kernel';
import { alignDown } from './crd.js';
import type { NovaPd } from './pd.js';

/**
 * A PD's selector allocator, as Genode's `cap_map` is on NOVA: the kernel never picks selectors,
 * the PD does. Hands out free selectors of a range of the PD's object space, single or as aligned
 * blocks (receive windows), and keeps reserved ones from being handed out while no mapping sits there.
 */
export class SelectorAllocator {
  readonly #reserved = new Set<number>();
  #cursor: number;

  /** Creates the allocator for selectors `first` to `first + size - 1` of `pd`; `label` names the PD in errors. */
  constructor(
    private readonly pd: NovaPd,
    private readonly first: number,
    private readonly size: number,
    private readonly label: string,
  ) {
    this.#cursor = first;
  }

  /** Whether `selector` is free: in range, unmapped and not reserved. */
  isFree(selector: number): boolean {
    return (
      selector >= this.first &&
      selector < this.first + this.size &&
      this.pd.objects[selector] === undefined &&
      !this.#reserved.has(selector)
    );
  }

  /** A free selector (not reserved: map something there right away); throws `CapSpaceExhaustedError` if none. */
  alloc(): number {
    for (let scanned = 0; scanned < this.size; scanned++) {
      const selector = this.#cursor;
      this.#cursor = selector + 1 >= this.first + this.size ? this.first : selector + 1;
      if (this.isFree(selector)) return selector;
    }
    throw new CapSpaceExhaustedError(this.label, this.size);
  }

  /** Whether at least `count` selectors are free. */
  hasFree(count: number): boolean {
    let found = 0;
    for (let selector = this.first; selector < this.first + this.size && found < count; selector++)
      if (this.isFree(selector)) found++;
    return found >= count;
  }

  /** Reserves an aligned block of `2^order` free selectors and returns its base, or null if there is none. */
  reserveBlock(order: number): number | null {
    const base = this.findBlock(order);
    if (base === null) return null;
    for (let i = 0; i < 2 ** order; i++) this.#reserved.add(base + i);
    return base;
  }

  /** The base of an aligned block of `2^order` free selectors, or null if there is none. */
  findBlock(order: number): number | null {
    const count = 2 ** order;
    for (let base = alignDown(this.first + count - 1, order); base + count <= this.first + this.size; base += count) {
      let free = true;
      for (let i = 0; i < count && free; i++) free = this.isFree(base + i);
      if (free) return base;
    }
    return null;
  }

  /** Keeps `selector` from being handed out until {@link SelectorAllocator.release}. */
  reserve(selector: number): void {
    this.#reserved.add(selector);
  }

  /** Ends the reservation of `count` selectors from `base`. */
  release(base: number, count = 1): void {
    for (let i = 0; i < count; i++) this.#reserved.delete(base + i);
  }
}

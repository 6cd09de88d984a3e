import { CapSpaceExhaustedError } from '@os/kernel';
import { alignDown } from './crd.js';
import type { NovaPd } from './pd.js';

/**
 * A PD's selector allocator, as Genode's `cap_map` is on NOVA: the kernel never picks selectors,
 * the PD does. Hands out free selectors of a range of the PD's object space, single or as aligned
 * blocks (receive windows), and keeps reserved ones from being handed out while no mapping sits there.
 * The range may grow and shrink (`size` is asked each time): a PD's seam range is as large as its
 * cap quota pays for. Searches start at the last selector handed out, where the free ones are.
 */
export class SelectorAllocator {
  readonly #reserved = new Set<number>();
  #cursor: number;

  /**
   * Creates the allocator for selectors `first` to `first + size() - 1` of `pd`; `label` names the PD in errors.
   */
  constructor(
    private readonly pd: NovaPd,
    private readonly first: number,
    /** Selectors in the range now. */
    readonly size: () => number,
    private readonly label: string,
  ) {
    this.#cursor = first;
  }

  /** Whether `selector` is free: in range, unmapped and not reserved. */
  isFree(selector: number): boolean {
    return (
      selector >= this.first &&
      selector < this.first + this.size() &&
      this.pd.objects[selector] === undefined &&
      !this.#reserved.has(selector)
    );
  }

  /** A free selector (not reserved: map something there right away); throws `CapSpaceExhaustedError` if none. */
  alloc(): number {
    const size = this.size();
    const end = this.first + size;
    const objects = this.pd.objects;
    let selector = this.#cursor < end ? this.#cursor : this.first;
    for (let scanned = 0; scanned < size; scanned++) {
      const next = selector + 1 >= end ? this.first : selector + 1;
      if (objects[selector] === undefined && !this.#reserved.has(selector)) {
        this.#cursor = next;
        return selector;
      }
      selector = next;
    }
    throw new CapSpaceExhaustedError(this.label, size);
  }

  /** Whether at least `count` selectors are free. */
  hasFree(count: number): boolean {
    const size = this.size();
    const end = this.first + size;
    const objects = this.pd.objects;
    let selector = this.#cursor < end ? this.#cursor : this.first;
    let found = 0;
    for (let scanned = 0; scanned < size && found < count; scanned++) {
      if (objects[selector] === undefined && !this.#reserved.has(selector)) found++;
      selector = selector + 1 >= end ? this.first : selector + 1;
    }
    return found >= count;
  }

  /** Reserves an aligned block of `2^order` free selectors and returns its base, or null if there is none. */
  reserveBlock(order: number): number | null {
    const base = this.findBlock(order);
    if (base === null) return null;
    for (let i = 0; i < 2 ** order; i++) this.#reserved.add(base + i);
    // what arrives there is mapped: the next search starts past it
    this.#cursor = base + 2 ** order;
    return base;
  }

  /** The base of an aligned block of `2^order` free selectors, or null if there is none. */
  findBlock(order: number): number | null {
    const count = 2 ** order;
    const end = this.first + this.size();
    const lowest = alignDown(this.first + count - 1, order);
    // from the block at the cursor to the end, then from the lowest block up to it
    const start = Math.max(lowest, alignDown(Math.min(this.#cursor, end) + count - 1, order));
    return this.#blockIn(start, end, count) ?? this.#blockIn(lowest, Math.min(start + count - 1, end), count);
  }

  /** The first aligned block of `count` free selectors from `base` that ends by `end`, or null. */
  #blockIn(base: number, end: number, count: number): number | null {
    for (; base + count <= end; base += count) {
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

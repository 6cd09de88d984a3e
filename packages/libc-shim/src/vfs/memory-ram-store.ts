import { formatBytes } from '@os/kernel';
import { RamExhausted } from './ram-exhausted.js';
import type { RamBlock, RamStore } from './vfs-backends.js';

/**
 * A {@link RamStore} in plain memory with a byte budget, counting what is allocated: for tests of
 * programs on the VFS and for tools that run them outside a component. It throws
 * {@link RamExhausted} past the budget, as a component's RAM quota would, and an `Error` when a
 * block is freed twice, which would be a bug in the VFS.
 */
export class MemoryRamStore implements RamStore {
  readonly #budget: number;
  readonly #live = new Set<Uint8Array>();
  #allocated = 0;

  /** A store that lends at most `budget` bytes at a time (no limit when absent). */
  constructor(budget = Number.POSITIVE_INFINITY) {
    this.#budget = budget;
  }

  /** The bytes in blocks not yet freed. */
  get allocated(): number {
    return this.#allocated;
  }

  /** The sizes of the blocks not yet freed, in allocation order. */
  liveBlocks(): number[] {
    return [...this.#live].map((bytes) => bytes.length);
  }

  /** A zeroed block of `size` bytes, or {@link RamExhausted} when it would exceed the budget. */
  alloc(size: number): RamBlock {
    const left = this.#budget - this.#allocated;
    if (size > left)
      throw new RamExhausted(`${formatBytes(size)} asked, ${formatBytes(left)} of ${formatBytes(this.#budget)} left`);
    const bytes = new Uint8Array(size);
    this.#live.add(bytes);
    this.#allocated += size;
    return {
      bytes,
      free: () => {
        if (!this.#live.delete(bytes))
          throw new Error(`a RamBlock of ${size} bytes was freed twice: the VFS gives each block back once`);
        this.#allocated -= size;
      },
    };
  }
}

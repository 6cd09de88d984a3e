/**
 * One piece of RAM holding a `<ram/>` file's content. The VFS returns it with {@link RamBlock.free}
 * as soon as the file shrinks, grows into a new block, or goes away, so the quota comes back.
 */
export interface RamBlock {
  /** The block's bytes; its length is the block's capacity. */
  readonly bytes: Uint8Array;
  /** Gives the block back to the store; the VFS calls it exactly once and then never touches `bytes`. */
  free(): void;
}

/** Where `<ram/>` file systems keep file contents: the component's RAM quota, block by block. */
export interface RamStore {
  /**
   * A block of `size` bytes (its content need not be zero); throws {@link RamExhausted} when the quota does not cover
   * it.
   */
  alloc(size: number): RamBlock;
}

/**
 * What the VFS needs from the component it runs in. The libc shim implements it over the ROM,
 * LOG and Timer sessions and the component's RAM; a test implements it in memory.
 */
export interface VfsBackends {
  /**
   * Current content of ROM module `label` (the shim opened the ROM session before); `undefined`
   * when it is not available, so opening that file gives `ENOENT`. Asked at every open, read and
   * stat, so an updated ROM shows.
   */
  rom(label: string): Uint8Array | undefined;
  /** Storage for `<ram/>` file systems, charged to the component's RAM quota. */
  readonly ram: RamStore;
  /** Text written to a `<log/>` file: each write call's bytes decoded as UTF-8 (the shim splits lines). */
  log(text: string): void;
  /** Wall time in milliseconds since the epoch, for `<rtc/>` reads and for file times. */
  now(): number;
}

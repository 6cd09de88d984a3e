/**
 * What the components of one system are waiting for, noted while they wait: the list a stalled
 * system is reported with. One per booted system, held by core.
 */
export class WaitList {
  readonly #entries = new Map<number, readonly [component: string, what: string]>();
  #next = 0;

  /** Notes that `component` waits for `what` until `work` settles; returns `work`'s result. */
  async note<T>(component: string, what: string, work: Promise<T>): Promise<T> {
    const id = this.#next++;
    this.#entries.set(id, [component, what]);
    try {
      return await work;
    } finally {
      this.#entries.delete(id);
    }
  }

  /** The waits now, oldest first, one line each. */
  describe(): string[] {
    return [...this.#entries.values()].map(([component, what]) => `${component} waits for ${what}`);
  }
}

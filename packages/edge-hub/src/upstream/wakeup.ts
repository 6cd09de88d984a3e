/**
 * A level a loop waits on: `wait()` answers a promise that the next `notify()` resolves. Take it before checking
 * what to do, then await it: a notify between the check and the await is not lost.
 */
export class Wakeup {
  #resolve: () => void = () => undefined;
  #promise: Promise<void> = this.#fresh();

  /** Resolves at the next {@link Wakeup.notify}. */
  wait(): Promise<void> {
    return this.#promise;
  }

  /** Wakes whoever waits. */
  notify(): void {
    const resolve = this.#resolve;
    this.#promise = this.#fresh();
    resolve();
  }

  #fresh(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.#resolve = resolve;
    });
  }
}

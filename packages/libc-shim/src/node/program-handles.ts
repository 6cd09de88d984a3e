/** One thing that keeps a program alive while it is referenced: an open socket, a listening server. */
export interface ProgramHandle {
  /** Keeps the program alive while the handle is open (the default; Node's `ref`). */
  ref(): void;
  /** Lets the program end although the handle is open (Node's `unref`). */
  unref(): void;
  /** The handle closed: it keeps nothing alive any more. */
  release(): void;
}

/**
 * The program's I/O handles, as Node's event loop counts them: a program ends by itself only when no timer and no
 * referenced handle is left. `onIdle` runs when the last referenced handle goes.
 */
export class ProgramHandles {
  #referenced = 0;
  readonly #onIdle: () => void;

  /** Counts handles; calls `onIdle` whenever the count of referenced ones drops to 0. */
  constructor(onIdle: () => void) {
    this.#onIdle = onIdle;
  }

  /** Referenced handles: while there is one, the program does not end by itself. */
  get active(): number {
    return this.#referenced;
  }

  /** A new handle, referenced. */
  hold(): ProgramHandle {
    let referenced = true;
    let released = false;
    this.#referenced++;
    const drop = (): void => {
      if (!referenced) return;
      referenced = false;
      if (--this.#referenced === 0) this.#onIdle();
    };
    return {
      ref: () => {
        if (released || referenced) return;
        referenced = true;
        this.#referenced++;
      },
      unref: drop,
      release: () => {
        if (released) return;
        released = true;
        drop();
      },
    };
  }
}

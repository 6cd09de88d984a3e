/** Told of a fault: what failed (`a microtask`, `a call handler`) and the error. */
export type FaultHandler = (what: string, error: unknown) => void;

/**
 * Where one component's faults go: core makes it with the component's threads, the threads' facades
 * and the component's `Env` report to it, and the `Env` handles them once it is built (faults before
 * that are kept until then). A fault in component code that no caller awaits (a microtask that
 * throws, a raw entrypoint handler that returns something other than `undefined` or a promise) would
 * otherwise end the whole process; here it ends only the component, as a throw in `construct` does.
 */
export class ComponentFaults {
  #handler: FaultHandler | null = null;
  #early: [string, unknown][] | null = null;

  /** Reports a fault of the component. */
  report(what: string, error: unknown): void {
    if (this.#handler !== null) this.#handler(what, error);
    else (this.#early ??= []).push([what, error]);
  }

  /** Sets the handler (the component's `Env`) and hands it the faults reported so far. */
  connect(handler: FaultHandler): void {
    this.#handler = handler;
    const early = this.#early ?? [];
    this.#early = null;
    for (const [what, error] of early) handler(what, error);
  }
}

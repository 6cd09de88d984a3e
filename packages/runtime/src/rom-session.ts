import { Capability } from '@os/capability';
import type { KernelThread, Selector } from '@os/kernel';
import { RpcObject, type ServerOf } from '@os/rpc';
import { Rom } from './services.js';

/**
 * The server side of one ROM session (Genode's `Rom_session_component`): hands out the dataspace
 * holding the module's current version and signals the client when a new version replaces it.
 * Versions are counted, not compared by dataspace selector (a freed selector may come back).
 * core serves its boot modules with it, init a child's `config`.
 */
export class RomSessionComponent extends RpcObject<typeof Rom> implements ServerOf<typeof Rom> {
  readonly #thread: KernelThread;
  #dataspace: Selector;
  #version = 1;
  #handedOut = 0;
  #sigh: Capability | null = null;

  /** Serves the dataspace `dataspace` (in the server's space) from the server thread `thread`. */
  constructor(thread: KernelThread, dataspace: Selector) {
    super(Rom);
    this.#thread = thread;
    this.#dataspace = dataspace;
  }

  /** The selector of the dataspace the session currently hands out, in the server's space. */
  get dataspaceSelector(): Selector {
    return this.#dataspace;
  }

  /** Hands the client the current version's dataspace (Rom::dataspace). */
  dataspace(): Capability {
    this.#handedOut = this.#version;
    return new Capability(this.#dataspace);
  }

  /**
   * Whether the dataspace the client was handed last is the current version (Rom::update); if not, it fetches
   * `dataspace` again.
   */
  update(): boolean {
    return this.#handedOut === this.#version;
  }

  /**
   * Registers the signal the client gets when the module changes (Rom::sigh); signals at once if a
   * version arrived that the client has not fetched, so one that came before `sigh` is not missed.
   */
  sigh(context: Capability): void {
    this.#sigh = context.valid() ? context : null;
    // a client that has not fetched yet counts as holding the version the session opened with
    if (this.#sigh !== null && Math.max(this.#handedOut, 1) !== this.#version) this.#signal();
  }

  /** Puts a new version in place and signals the client; returns the replaced dataspace for the server to free. */
  replace(dataspace: Selector): Selector {
    const previous = this.#dataspace;
    this.#dataspace = dataspace;
    this.#version++;
    this.#signal();
    return previous;
  }

  #signal(): void {
    if (this.#sigh !== null && this.#thread.valid(this.#sigh.rawSelector))
      this.#thread.submitSignal(this.#sigh.rawSelector);
  }
}

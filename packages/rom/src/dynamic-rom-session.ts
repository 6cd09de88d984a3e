import type { Capability } from '@os/capability';
import type { KernelThread, Selector } from '@os/kernel';
import { RomSessionComponent } from '@os/runtime';

/**
 * A ROM session whose module changes (Genode's dynamic ROM, as report_rom serves it). Versions are
 * counted rather than compared by dataspace selector, since a freed selector may come back for a later
 * version; and `sigh` signals at once when the client's version is already stale, so a version that
 * arrived between opening the session and registering the handler is not missed.
 */
export class DynamicRomSession extends RomSessionComponent {
  readonly #thread: KernelThread;
  #version = 0;
  #clientVersion = 0;
  #fetched = false;

  /** Serves `dataspace` (invalid for an empty module) from `thread`. */
  constructor(thread: KernelThread, dataspace: Selector) {
    super(thread, dataspace);
    this.#thread = thread;
  }

  /** Hands out the current version's dataspace (Rom::dataspace). */
  override dataspace(): Capability {
    this.#fetched = true;
    this.#clientVersion = this.#version;
    return super.dataspace();
  }

  /** Whether the client holds the current version; false before its first `dataspace` (Rom::update). */
  override update(): boolean {
    return this.#fetched && this.#clientVersion === this.#version;
  }

  /** Registers the client's signal; signals it at once if a version arrived it has not fetched (Rom::sigh). */
  override sigh(context: Capability): void {
    super.sigh(context);
    if (context.valid() && this.#clientVersion !== this.#version && this.#thread.valid(context.rawSelector)) this.#thread.submitSignal(context.rawSelector);
  }

  /** Puts a new version in place and signals the client; returns the replaced dataspace to free. */
  override replace(dataspace: Selector): Selector {
    this.#version++;
    return super.replace(dataspace);
  }
}

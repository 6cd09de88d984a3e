import { checkRomModuleName } from './rom-module-name-error.js';

/** A module's content: bytes, or text stored as UTF-8. */
export type RomContent = string | Uint8Array;

/** Told of each change: the module's new content (read it, do not keep it), or `undefined` once it was deleted. */
export type RomModuleListener = (name: string, content: Uint8Array | undefined) => void;

const encoder = new TextEncoder();

function bytesOf(content: RomContent): Uint8Array {
  return typeof content === 'string' ? encoder.encode(content) : content.slice();
}

/**
 * Named ROM modules held in memory, the content a {@link RomService} serves. Every `set` and `delete`
 * is told to the listeners, which is how each open session on the module gets the change as a new
 * version with a signal. Content is copied in and out, so no caller shares bytes with a session.
 */
export class RomModules {
  readonly #modules = new Map<string, Uint8Array>();
  readonly #listeners = new Set<RomModuleListener>();

  /** Starts with `initial` modules, by name. */
  constructor(initial: Readonly<Record<string, RomContent>> = {}) {
    for (const [name, content] of Object.entries(initial)) {
      checkRomModuleName(name);
      this.#modules.set(name, bytesOf(content));
    }
  }

  /**
   * Adds module `name` or replaces its content (text as UTF-8); listeners are told. When a listener
   * throws (a server short of RAM for the new copies), the others are still told and the first error
   * is thrown after.
   */
  set(name: string, content: RomContent): void {
    checkRomModuleName(name);
    const bytes = bytesOf(content);
    this.#modules.set(name, bytes);
    this.#tell(name, bytes);
  }

  /** Removes module `name`; returns whether it was there. Listeners are told. */
  delete(name: string): boolean {
    if (!this.#modules.delete(name)) return false;
    this.#tell(name, undefined);
    return true;
  }

  /** A copy of module `name`'s content, or undefined when there is no such module. */
  get(name: string): Uint8Array | undefined {
    return this.#modules.get(name)?.slice();
  }

  /** Whether module `name` exists. */
  has(name: string): boolean {
    return this.#modules.has(name);
  }

  /** The modules' names, sorted. */
  names(): string[] {
    return [...this.#modules.keys()].sort();
  }

  /** Calls `listener` at every change from now on; returns the function that stops it. */
  onChange(listener: RomModuleListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #tell(name: string, content: Uint8Array | undefined): void {
    const errors: unknown[] = [];
    for (const listener of [...this.#listeners]) {
      try {
        listener(name, content);
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}

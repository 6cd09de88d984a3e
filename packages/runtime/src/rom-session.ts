import { Capability } from '@os/capability';
import { INVALID_SELECTOR, type KernelThread, type Selector } from '@os/kernel';
import { RpcObject, type ServerOf } from '@os/rpc';
import { Rom } from './services.js';

/**
 * The server side of one ROM session (Genode's `Rom_session_component`): hands out the dataspace
 * holding the module's current version and signals the client when a new version replaces it.
 *
 * As Genode's `Rom_session` promises, the dataspace the client fetched stays valid until the client
 * fetches again (`dataspace()`) or closes: a new version never frees it under the client, so an attach
 * that comes after a newer version arrived still works and shows the version fetched. The session owns
 * every dataspace it is given and holds at most two: the client's and the newest; a newest version the
 * client never fetched is freed when the next one replaces it. A server whose modules change at others'
 * doing charges a session's RAM for both ({@link ROM_SESSION_DATASPACES}). Versions are counted, not
 * compared by dataspace selector (a freed selector may come back).
 */
export class RomSessionComponent extends RpcObject<typeof Rom> implements ServerOf<typeof Rom> {
  readonly #thread: KernelThread;
  /** The newest version's dataspace. */
  #current: Selector;
  /** The dataspace the client fetched last, kept until it fetches again. */
  #fetched: Selector = INVALID_SELECTOR;
  #version = 1;
  #fetchedVersion = 0;
  #sigh: Capability | null = null;

  /**
   * Serves `dataspace` (in the server's space, allocated by `thread`'s PD) from the server thread `thread`; the
   * session owns it from now on and dissolves it when it is no longer needed.
   */
  constructor(thread: KernelThread, dataspace: Selector) {
    super(Rom);
    this.#thread = thread;
    this.#current = dataspace;
  }

  /** The newest version's dataspace, in the server's space. */
  get dataspaceSelector(): Selector {
    return this.#current;
  }

  /**
   * Hands the client the current version's dataspace (Rom::dataspace); the one it fetched before is freed
   * now, as the client asked for its successor (Genode: detach the old dataspace before calling this).
   */
  dataspace(): Capability {
    if (this.#fetched !== this.#current) this.#free(this.#fetched);
    this.#fetched = this.#current;
    this.#fetchedVersion = this.#version;
    return new Capability(this.#current);
  }

  /**
   * Whether the dataspace the client was handed last is the current version (Rom::update); if not, it fetches
   * `dataspace` again. Frees nothing: the client's dataspace stays valid until that fetch.
   */
  update(): boolean {
    return this.#fetchedVersion === this.#version;
  }

  /**
   * Registers the signal the client gets when the module changes (Rom::sigh); signals at once if a
   * version arrived that the client has not fetched, so one that came before `sigh` is not missed.
   */
  sigh(context: Capability): void {
    this.#sigh = context.valid() ? context : null;
    // a client that has not fetched yet counts as holding the version the session opened with
    if (this.#sigh !== null && Math.max(this.#fetchedVersion, 1) !== this.#version) this.#signal();
  }

  /**
   * Puts a new version in place (the session owns `dataspace` from now on) and signals the client. The client's
   * dataspace stays; a newest version it never fetched is freed, as nobody holds it.
   */
  replace(dataspace: Selector): void {
    if (this.#current !== this.#fetched && this.#current !== dataspace) this.#free(this.#current);
    this.#current = dataspace;
    this.#version++;
    this.#signal();
  }

  /** Frees every dataspace the session holds: the session is closed (the root's `destroySession` default). */
  destroy(): void {
    if (this.#fetched !== this.#current) this.#free(this.#fetched);
    this.#free(this.#current);
    this.#fetched = INVALID_SELECTOR;
    this.#current = INVALID_SELECTOR;
  }

  #free(dataspace: Selector): void {
    if (dataspace !== INVALID_SELECTOR) this.#thread.dissolve(dataspace);
  }

  #signal(): void {
    if (this.#sigh !== null && this.#thread.valid(this.#sigh.rawSelector))
      this.#thread.submitSignal(this.#sigh.rawSelector);
  }
}

/**
 * How many versions of its content a ROM session holds at most: the one its client fetched and the newest. A server
 * whose modules change charges a session for that many copies.
 */
export const ROM_SESSION_DATASPACES = 2;

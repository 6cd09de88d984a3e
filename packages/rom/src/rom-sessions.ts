import { INVALID_SELECTOR, type Selector, pageRound } from '@os/kernel';
import { type Env, ROM_SESSION_DATASPACES, RomSessionComponent } from '@os/runtime';

export { ROM_SESSION_CAPS } from '@os/runtime';

/**
 * RAM a ROM session on content of `size` bytes needs: two copies of the content, page-rounded (one page each when
 * empty): the version its client fetched, which the session keeps until the client fetches again, and the newest.
 */
export function romSessionRam(size: number): number {
  return ROM_SESSION_DATASPACES * pageRound(Math.max(1, size));
}

/** What a ROM session's RAM pays for, as the root's refusals say it. */
export const ROM_SESSION_RAM_FOR = 'two copies of the content, page-rounded';

/** One ROM session and the module or report it shows. */
interface Served {
  readonly session: RomSessionComponent;
  /** The module (or report) the session shows. */
  readonly key: string;
}

/**
 * The ROM sessions of one server, by the module each shows: making a session with its own copy of the
 * content (paid from the RAM its client donated; the server's root checks the donation), handing
 * every session on a module each new version, and freeing a session's dataspaces when it is closed.
 * Each session keeps the version its client fetched until the client fetches again, and a newest
 * version besides: never more than two, whatever the client does.
 */
export class RomSessions {
  readonly #env: Env;
  readonly #served = new Map<RomSessionComponent, Served>();

  /** Makes sessions with dataspaces from `env`'s PD. */
  constructor(env: Env) {
    this.#env = env;
  }

  /**
   * A session showing `content` (null: empty) of module `key`, for the root to serve; a
   * `QuotaExceededError` when the server's own quota cannot hold the copy.
   */
  open(key: string, content: Uint8Array | null): RomSessionComponent {
    const dataspace = this.#copy(content);
    const session = new RomSessionComponent(this.#env.thread, dataspace);
    this.#served.set(session, { session, key });
    return session;
  }

  /**
   * Hands every session on `key` `content` as its new version and signals its client. All copies are
   * made before any session changes: when the server's RAM runs out, every session keeps its version
   * and the `QuotaExceededError` is thrown.
   */
  publish(key: string, content: Uint8Array | null): void {
    const targets = [...this.#served.values()].filter((served) => served.key === key);
    const copies: Selector[] = [];
    try {
      for (let i = 0; i < targets.length; i++) copies.push(this.#copy(content));
    } catch (error) {
      for (const copy of copies) this.#free(copy);
      throw error;
    }
    targets.forEach((served, i) => {
      served.session.replace(copies[i] as Selector);
    });
  }

  /** Forgets `session` (its capability dissolved) and frees its dataspaces. */
  close(session: RomSessionComponent): void {
    if (!this.#served.delete(session)) return;
    session.destroy();
  }

  #copy(content: Uint8Array | null): Selector {
    if (content === null || content.length === 0) return INVALID_SELECTOR;
    const dataspace = this.#env.thread.allocDataspace(content.length);
    this.#env.thread.attach(dataspace).set(content);
    return dataspace;
  }

  #free(dataspace: Selector): void {
    if (dataspace !== INVALID_SELECTOR) this.#env.thread.dissolve(dataspace);
  }
}

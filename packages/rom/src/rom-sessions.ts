import type { Capability } from '@os/capability';
import { INVALID_SELECTOR, QuotaExceededError, type Selector, hasErrorCode, pageRound } from '@os/kernel';
import { type Env, RomSessionComponent } from '@os/runtime';
import { InsufficientCapQuota, InsufficientRamQuota } from '@os/session';

/** Capabilities a ROM session costs its server: the session object and its dataspace (as core's ROM). */
export const ROM_SESSION_CAPS = 2;

/** RAM a ROM session on content of `size` bytes needs: the content, page-rounded (one page when empty). */
export function romSessionRam(size: number): number {
  return pageRound(Math.max(1, size));
}

/** What a session request donated: bytes of RAM and capabilities. */
export interface Donation {
  /** `ram_quota`. */
  readonly ram: number;
  /** `cap_quota`. */
  readonly caps: number;
}

interface Served {
  readonly session: RomSessionComponent;
  /** The module (or report) the session shows. */
  readonly key: string;
}

/**
 * The open ROM sessions of one server, by the module each shows: opening with core's quota checks,
 * handing every session on a module each new version, and freeing a session's dataspace on close.
 * Each session holds its own copy of the content, paid from the RAM its client donated.
 */
export class RomSessions {
  readonly #env: Env;
  readonly #served = new Map<Selector, Served>();

  /** Serves sessions on `env`'s entrypoint, with dataspaces from its PD. */
  constructor(env: Env) {
    this.#env = env;
  }

  /**
   * Opens a session showing `content` (null: empty) of module `key`, after checking that `donation`
   * covers it; `what` names the module in error messages.
   */
  open(key: string, content: Uint8Array | null, { ram, caps }: Donation, what: string): Capability {
    const needed = romSessionRam(content?.length ?? 0);
    if (ram < needed)
      throw new InsufficientRamQuota(
        `${what}: a ROM session needs ${needed} bytes of RAM (the content, page-rounded), the request donated ${ram}`,
      );
    if (caps < ROM_SESSION_CAPS)
      throw new InsufficientCapQuota(
        `${what}: a ROM session needs ${ROM_SESSION_CAPS} capabilities, the request donated ${caps}`,
      );
    let dataspace: Selector = INVALID_SELECTOR;
    try {
      dataspace = this.#copy(content);
      const session = new RomSessionComponent(this.#env.thread, dataspace);
      const capability = this.#env.ep.manage(session);
      this.#served.set(capability.rawSelector, { session, key });
      return capability;
    } catch (error) {
      this.#free(dataspace);
      if (hasErrorCode<QuotaExceededError>(error, QuotaExceededError.code)) {
        throw error.kind === 'ram'
          ? new InsufficientRamQuota(`${what}: ${error.message}`)
          : new InsufficientCapQuota(`${what}: ${error.message}`);
      }
      throw error;
    }
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
    targets.forEach((served, i) => this.#free(served.session.replace(copies[i] as Selector)));
  }

  /** Closes the session behind `capability` and frees its dataspace; a capability that is none of these is ignored. */
  close(capability: Capability): void {
    const served = this.#served.get(capability.rawSelector);
    if (served === undefined) return;
    this.#served.delete(capability.rawSelector);
    this.#env.ep.dissolve(served.session);
    this.#free(served.session.dataspaceSelector);
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

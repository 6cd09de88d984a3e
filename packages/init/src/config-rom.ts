import type { Capability } from '@os/capability';
import type { ClientOf } from '@os/rpc';
import { type Env, RomSessionComponent } from '@os/runtime';
import { InsufficientCapQuota, InsufficientRamQuota, type Root, SessionArgs } from '@os/session';

const PAGE = 4096;

/**
 * init's own ROM service for one child's "config" (Genode's sandbox serves a start entry's
 * `<config>` node this way): the text lives in a dataspace of init's, paid for by the session's
 * donation, and `update` hands each open session a new version and signals it.
 */
export class ConfigRomService implements ClientOf<typeof Root> {
  readonly #env: Env;
  #content: Uint8Array;
  readonly #sessions = new Map<number, RomSessionComponent>();

  /** Serves `text` as the child's config. */
  constructor(env: Env, text: string) {
    this.#env = env;
    this.#content = new TextEncoder().encode(text);
  }

  /** Bytes a session must donate: the content, page-rounded. */
  get ramNeeded(): number {
    return Math.ceil(Math.max(1, this.#content.length) / PAGE) * PAGE;
  }

  /** Opens a session on the config (Root::session); the donation must cover one page-rounded copy. */
  async session(argsText: string): Promise<Capability> {
    const args = SessionArgs.parse(argsText);
    if (args.number('ram_quota') < this.ramNeeded)
      throw new InsufficientRamQuota(`the config ROM needs ${this.ramNeeded} bytes`);
    if (args.number('cap_quota') < 2) throw new InsufficientCapQuota('a ROM session needs 2 capabilities');
    const session = new RomSessionComponent(this.#env.thread, this.#copy());
    const capability = this.#env.ep.manage(session);
    this.#sessions.set(capability.rawSelector, session);
    return capability;
  }

  /** Nothing to do: a config session needs no more than its first donation (Root::upgrade). */
  async upgrade(): Promise<void> {}

  /** Closes a session and frees its copy (Root::close). */
  async close(capability: Capability): Promise<void> {
    const session = this.#sessions.get(capability.rawSelector);
    if (session === undefined) return;
    this.#sessions.delete(capability.rawSelector);
    this.#env.ep.dissolve(session);
    this.#env.thread.dissolve(session.dataspaceSelector);
  }

  /** Replaces the config: every open session gets the new text and a signal. */
  update(text: string): void {
    this.#content = new TextEncoder().encode(text);
    for (const session of this.#sessions.values()) this.#env.thread.dissolve(session.replace(this.#copy()));
  }

  #copy(): number {
    const dataspace = this.#env.thread.allocDataspace(Math.max(1, this.#content.length));
    this.#env.thread.attach(dataspace).set(this.#content);
    return dataspace;
  }
}

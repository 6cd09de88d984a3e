import { pageRound } from '@os/kernel';
import {
  type Env,
  ROM_SESSION_CAPS,
  ROM_SESSION_DATASPACES,
  RomSessionComponent,
  RootComponent,
  type SessionCost,
} from '@os/runtime';

/**
 * init's own ROM service for one child's "config" (Genode's sandbox serves a start entry's
 * `<config>` node this way): the text lives in a dataspace of init's, paid for by the session's
 * donation, and `update` hands each open session a new version and signals it. A session keeps the
 * version its child fetched until the child fetches again, so it holds up to two copies. init calls it
 * directly as the child's route (it is never announced), and serves its sessions on init's entrypoint.
 */
export class ConfigRomService extends RootComponent<RomSessionComponent> {
  readonly #env: Env;
  #content: Uint8Array;

  /** Serves `text` as the child's config. */
  constructor(env: Env, text: string) {
    super({ service: 'ROM', ep: env.ep });
    this.#env = env;
    this.#content = new TextEncoder().encode(text);
  }

  /** Bytes a session must donate: two copies of the content, page-rounded (the fetched version and the newest). */
  get ramNeeded(): number {
    return ROM_SESSION_DATASPACES * pageRound(Math.max(1, this.#content.length));
  }

  /** A session costs two page-rounded copies of the config and 2 capabilities (the session object and its copy). */
  protected override sessionCost(): SessionCost {
    return { ram: this.ramNeeded, caps: ROM_SESSION_CAPS, ramFor: 'two copies of the config, page-rounded' };
  }

  /** Opens a session on the config (Root::session). */
  protected override createSession(): RomSessionComponent {
    return new RomSessionComponent(this.#env.thread, this.#copy());
  }

  /** Frees the session's copies (Root::close). */
  protected override destroySession(session: RomSessionComponent): void {
    session.destroy();
  }

  /** Replaces the config: every open session gets the new text and a signal, and keeps the version its child has. */
  update(text: string): void {
    this.#content = new TextEncoder().encode(text);
    for (const session of this.sessions()) session.replace(this.#copy());
  }

  #copy(): number {
    const dataspace = this.#env.thread.allocDataspace(Math.max(1, this.#content.length));
    this.#env.thread.attach(dataspace).set(this.#content);
    return dataspace;
  }
}

import { RpcObject } from '@os/rpc';
import { AttachedRomDataspace, RootComponent } from '@os/runtime';
import { BookFull, GUESTBOOK_SESSION, Guestbook } from './guestbook.mjs';

/** One client's book: its entries live in a page of RAM paid from the client's donation. */
class GuestbookSession extends RpcObject {
  #env;
  #page;
  #bytes;
  #used = 0;
  #entries = 0;
  #limit;

  constructor(env, limit) {
    super(Guestbook);
    this.#env = env;
    this.#limit = limit;
    this.#page = env.ram.alloc(GUESTBOOK_SESSION.ram);
    this.#bytes = env.rm.attach(this.#page);
  }

  sign(name) {
    const line = new TextEncoder().encode(`${name}\n`);
    if (this.#entries === this.#limit) throw new BookFull(`your policy allows ${this.#limit} entries`);
    if (this.#used + line.length > this.#bytes.length) throw new BookFull('the page is full');
    this.#bytes.set(line, this.#used);
    this.#used += line.length;
    return ++this.#entries;
  }

  entries() {
    const text = new TextDecoder().decode(this.#bytes.subarray(0, this.#used));
    return text.split('\n').slice(0, -1);
  }

  /** Called by the root when the session closes: the page goes back, so the donation is whole again. */
  destroy() {
    this.#env.ram.free(this.#page);
  }
}

/** The Guestbook service: a session per client whose label has a policy in the config. */
class GuestbookRoot extends RootComponent {
  #env;

  constructor(env, config) {
    super({ service: 'Guestbook', ep: env.ep, config: () => config });
    this.#env = env;
  }

  sessionCost() {
    return { ...GUESTBOOK_SESSION, ramFor: 'a page for the entries' };
  }

  createSession(_args, _label, policy) {
    return new GuestbookSession(this.#env, policy.numberAttribute('entries', 10));
  }
}

export async function construct(env) {
  const config = (await AttachedRomDataspace.open(env, 'config')).xml();
  await new GuestbookRoot(env, config).announce(env);
}

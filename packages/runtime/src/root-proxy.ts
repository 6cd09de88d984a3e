import { Capability } from '@os/capability';
import { type KernelThread, hasErrorCode } from '@os/kernel';
import { type ClientOf, RpcEntrypoint, connect } from '@os/rpc';
import {
  Connection,
  InsufficientCapQuota,
  InsufficientRamQuota,
  OutOfCaps,
  OutOfRam,
  Parent,
  Root,
  SessionError,
  SessionResponse,
  type SessionResponseValue,
} from '@os/session';
import type { Env } from './env.js';
import { Rom } from './services.js';
import { SESSION_REQUESTS_ROM } from './session-requests.js';
import { XmlNode } from './xml-node.js';

/** One session the component serves, by the id its parent's `session_requests` gave it. */
interface ServedSession {
  readonly root: ClientOf<typeof Root>;
  readonly capability: Capability;
}

/** Where the text in a ROM's dataspace ends: at the first NUL of the padding, or at its end. */
function textLength(bytes: Uint8Array): number {
  const end = bytes.indexOf(0);
  return end < 0 ? bytes.length : end;
}

/** The answer to a refused create, by the refusal. */
function responseTo(error: unknown): SessionResponseValue {
  if (error instanceof InsufficientRamQuota || error instanceof OutOfRam) return SessionResponse.InsufficientRam;
  if (error instanceof InsufficientCapQuota || error instanceof OutOfCaps) return SessionResponse.InsufficientCaps;
  return SessionResponse.Denied;
}

/**
 * How a server component gets its session requests (Genode's `Root_proxy`, `base/src/lib/base/root_proxy.cc`): it
 * watches its `session_requests` ROM, which its parent keeps, on a thread of its own, and for each request calls the
 * component's local `Root` of that service (an RPC to the component's entrypoint) and answers the parent with
 * `deliverSessionCap` or `sessionResponse`. Upgrades are handled first, then closes, then creates, so a server that
 * allows one session can serve a new client whose predecessor's session is closed in the same version. A request for a
 * service not announced yet stays in the ROM and is served once it is. The parent never waits on the server.
 */
export class RootProxy {
  readonly #thread: KernelThread;
  readonly #rom: ClientOf<typeof Rom>;
  readonly #parent: ClientOf<typeof Parent>;
  readonly #env: Env;
  readonly #services = new Map<string, ClientOf<typeof Root>>();
  readonly #sessions = new Map<number, ServedSession>();
  readonly #reinterpret: number;
  #requests: XmlNode | null = null;
  #bytes: Uint8Array = new Uint8Array(0);
  #text = '';
  readonly #decoder = new TextDecoder();
  /** The creates of the version held that were answered: read again after an announce, they are not served twice. */
  readonly #answered = new Set<number>();

  private constructor(env: Env, thread: KernelThread, rom: Connection<typeof Rom>, parentSelector: number) {
    this.#env = env;
    this.#thread = thread;
    this.#rom = connect(Rom, thread, rom.capability);
    this.#parent = connect(Parent, thread, new Capability<typeof Parent>(parentSelector));
    const ep = new RpcEntrypoint(thread, {
      onError: (report) => void env.log(`Error: root proxy: ${report.method}: ${String(report.error)}`),
    });
    const newVersion = ep.createSignalHandler(() => this.#handle(true));
    this.#reinterpret = ep.createSignalHandler(() => this.#handle(false)).selector;
    void this.#rom.sigh(newVersion).catch(() => undefined);
  }

  /**
   * Starts the proxy of `env`'s component: a thread of its own (one capability of the component's quota) and its
   * `session_requests` ROM session. Throws `OutOfCaps` when the component cannot afford them.
   */
  static async start(env: Env, parentSelector: number): Promise<RootProxy> {
    const thread = env.createThread('root');
    try {
      const rom = await Connection.openSession(env, Rom, {
        service: 'ROM',
        label: SESSION_REQUESTS_ROM,
        ram: 0,
        caps: 1,
      });
      return new RootProxy(env, thread, rom, parentSelector);
    } catch (error) {
      env.destroyThread(thread);
      throw error;
    }
  }

  /**
   * Serves `service` by the root behind `root` (a capability of the component's own entrypoint) from now on and tells
   * the parent; requests for it that wait in the ROM already are served right after.
   */
  async announce(service: string, root: Capability<typeof Root>): Promise<void> {
    this.#services.set(service, connect(Root, this.#thread, root));
    this.#thread.submitSignal(this.#reinterpret);
    await this.#env.parent.announce(service);
  }

  /**
   * Handles the requests: after a signal (`fresh`) the ROM brought up to date (in place, or a new dataspace), and acted
   * on if its text changed; after an announce, the creates of the text held again.
   */
  async #handle(fresh: boolean): Promise<void> {
    if (fresh) {
      if (!(await this.#rom.update())) {
        const dataspace = await this.#rom.dataspace();
        this.#bytes = dataspace.valid() ? this.#thread.attach(dataspace.selector) : new Uint8Array(0);
      }
      const text = this.#decoder.decode(this.#bytes.subarray(0, textLength(this.#bytes)));
      if (text === this.#text) fresh = false;
      else {
        this.#text = text;
        this.#requests = XmlNode.parse(text, `ROM "${SESSION_REQUESTS_ROM}"`);
        this.#answered.clear();
      }
    }
    const requests = this.#requests;
    if (requests === null) return;
    const nodes = requests.subNodes();
    if (fresh) {
      for (const node of nodes) if (node.type === 'upgrade') await this.#upgrade(node);
      for (const node of nodes) if (node.type === 'close') await this.#close(node);
    }
    for (const node of nodes) if (node.type === 'create') await this.#create(node);
  }

  async #create(node: XmlNode): Promise<void> {
    const id = node.numberAttribute('id', 0);
    const root = this.#services.get(node.stringAttribute('service', ''));
    if (id === 0 || this.#sessions.has(id) || this.#answered.has(id) || root === undefined) return;
    this.#answered.add(id);
    const args = node.hasSubNode('args') ? node.subNode('args').text : '';
    let capability: Capability;
    try {
      capability = await root.session(args);
    } catch (error) {
      const reason =
        error instanceof SessionError
          ? error.message
          : `"${node.stringAttribute('service', '')}" session for "${node.stringAttribute('label', '')}": server ` +
            `"${this.#env.name}" failed in Root.session with an error its interface does not declare (the server ` +
            'logged it with where it was thrown)';
      await this.#parent.sessionResponse(id, responseTo(error), reason);
      return;
    }
    this.#sessions.set(id, { root, capability });
    await this.#parent.deliverSessionCap(id, capability);
  }

  async #upgrade(node: XmlNode): Promise<void> {
    const id = node.numberAttribute('id', 0);
    const session = this.#sessions.get(id);
    if (session === undefined) return;
    const ram = node.numberAttribute('ram_quota', 0);
    const caps = node.numberAttribute('cap_quota', 0);
    try {
      await session.root.upgrade(session.capability, `ram_quota=${ram}, cap_quota=${caps}`);
    } catch (error) {
      if (!hasErrorCode(error, OutOfRam.code) && !hasErrorCode(error, OutOfCaps.code)) throw error;
    }
    await this.#parent.sessionResponse(id, SessionResponse.Ok, '');
  }

  async #close(node: XmlNode): Promise<void> {
    const id = node.numberAttribute('id', 0);
    const session = this.#sessions.get(id);
    if (session === undefined) {
      // a request closed before this server made it (or refused it): there is nothing to close, the parent is told so
      if (id !== 0 && !this.#answered.has(id)) await this.#parent.sessionResponse(id, SessionResponse.Closed, '');
      return;
    }
    this.#sessions.delete(id);
    try {
      await session.root.close(session.capability);
    } finally {
      // the session is gone from the server's view either way: the parent takes the donation back
      await this.#parent.sessionResponse(id, SessionResponse.Closed, '');
    }
  }
}

import { Capability } from '@os/capability';
import { INVALID_SELECTOR, type KernelThread, type Selector } from '@os/kernel';
import { RpcObject, type ServerOf } from '@os/rpc';
import { ServiceDenied, type SessionArgs, type SessionLabel } from '@os/session';
import { RootComponent, type SessionCost, type SessionEntrypoint } from './root-component.js';
import { Rom } from './services.js';
import type { SessionState } from './session-state.js';

/** The label's last element by which a child asks its parent for its `session_requests` ROM. */
export const SESSION_REQUESTS_ROM = 'session_requests';

/** What {@link escapeXml} replaces: most values hold none of it and are returned as they are. */
const SPECIAL = /[&<>"]/;

function escapeXml(text: string): string {
  if (!SPECIAL.test(text)) return text;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The request node of `state` in a `session_requests` ROM, or nothing when the server has nothing to do for it. */
function requestNode(state: SessionState): string {
  const id = state.serverId;
  if (state.phase === 'CREATING' && state.closeRequested) return `<close id="${id}"/>`;
  if (state.phase === 'CREATING')
    return (
      `<create id="${id}" service="${escapeXml(state.service.name)}" label="${escapeXml(state.serverLabel)}">` +
      `<args>${escapeXml(state.args)}</args></create>`
    );
  if (state.phase === 'UPGRADING')
    return `<upgrade id="${id}" ram_quota="${state.ramUpgrade}" cap_quota="${state.capUpgrade}"/>`;
  if (state.phase === 'CLOSING') return `<close id="${id}"/>`;
  return '';
}

/**
 * The sessions one child serves, as its parent keeps them (Genode's server id space of a child), and the
 * `session_requests` ROM that shows the child what it has to do for them: `<create id service label><args/></create>`,
 * `<upgrade id ram_quota cap_quota/>` and `<close id/>`, one node per request the server has yet to answer. The ROM's
 * text is made when the child fetches it, so a burst of requests costs one text, not one per request; the child is
 * signalled once per new version.
 */
export class SessionRequests {
  readonly #states = new Map<number, SessionState>();
  readonly #roms = new Set<SessionRequestsRom>();
  #nextId = 1;
  #version = 1;

  /** Lists `state` under a fresh server id and tells the server. */
  add(state: SessionState): void {
    state.serverId = this.#nextId++;
    this.#states.set(state.serverId, state);
    this.changed();
  }

  /** The state the server knows by `id`, if it is one of its. */
  get(id: number): SessionState | undefined {
    return this.#states.get(id);
  }

  /**
   * Drops `state`: the server has nothing more to do for it. No new version: the server answered it, so it has nothing
   * to learn, and the next text it reads lists it no more.
   */
  remove(state: SessionState): void {
    if (this.#states.get(state.serverId) !== state) return;
    this.#states.delete(state.serverId);
  }

  /** Every session state the server has, in id order. */
  states(): SessionState[] {
    return [...this.#states.values()];
  }

  /** A state changed: the server's ROM gets a new version and its signal. */
  changed(): void {
    this.#version++;
    for (const rom of this.#roms) rom.outdated();
  }

  /** The ROM's current text. */
  text(): string {
    let body = '';
    for (const state of this.#states.values()) body += requestNode(state);
    return `<session_requests>${body}</session_requests>`;
  }

  /** The current version's number: a new one with every change. */
  get version(): number {
    return this.#version;
  }

  /** Registers a ROM session showing these requests. */
  attach(rom: SessionRequestsRom): void {
    this.#roms.add(rom);
  }

  /** Unregisters a ROM session. */
  detach(rom: SessionRequestsRom): void {
    this.#roms.delete(rom);
  }
}

/** The smallest dataspace a `session_requests` ROM hands out: a few requests' text fits, and is updated in place. */
const MIN_ROM_SIZE = 4096;

/**
 * A ROM session on a child's `session_requests` (Genode's `Dynamic_rom_session` of the session requester): the text is
 * made when the child asks for it. `update` writes it into the dataspace the child holds when it fits (Genode's
 * in-place `Rom_session::update`), so a steady stream of requests costs no dataspace per change; `dataspace` hands out
 * a new one, twice the text's size, when it does not. The child is signalled once for all changes since it last read.
 */
export class SessionRequestsRom extends RpcObject<typeof Rom> implements ServerOf<typeof Rom> {
  readonly #thread: KernelThread;
  readonly #requests: SessionRequests;
  readonly #encoder = new TextEncoder();
  #fetched: Selector = INVALID_SELECTOR;
  #bytes: Uint8Array = new Uint8Array(0);
  /** How many bytes of the dataspace the last text took: what the next shorter one must clear. */
  #written = 0;
  #readVersion = 0;
  #sigh: Capability | null = null;
  #signalled = false;

  /** Shows `requests`; the dataspaces are allocated by `thread`'s PD (the parent's). */
  constructor(thread: KernelThread, requests: SessionRequests) {
    super(Rom);
    this.#thread = thread;
    this.#requests = requests;
    requests.attach(this);
  }

  /** Writes the current text into a new dataspace and hands it out; the one before is freed (Rom::dataspace). */
  dataspace(): Capability {
    const text = this.#encoder.encode(this.#requests.text());
    const dataspace = this.#thread.allocDataspace(Math.max(MIN_ROM_SIZE, text.length * 2));
    this.#free();
    this.#fetched = dataspace;
    this.#bytes = this.#thread.attach(dataspace);
    this.#bytes.set(text);
    this.#written = text.length;
    this.#read();
    return new Capability(dataspace);
  }

  /**
   * Brings the dataspace the child holds up to date (Rom::update): true when the current text is in it (written in
   * place if it fits), false when the child must fetch a new dataspace.
   */
  update(): boolean {
    if (this.#readVersion === this.#requests.version) return true;
    if (this.#fetched === INVALID_SELECTOR) return false;
    const text = this.#requests.text();
    const { read, written } = this.#encoder.encodeInto(text, this.#bytes);
    // a text that does not fit leaves the dataspace half written: the child fetches a new one, this one is freed then
    if (read < text.length || written === this.#bytes.length) return false;
    if (this.#written > written) this.#bytes.fill(0, written, this.#written);
    this.#written = written;
    this.#read();
    return true;
  }

  /** Registers the signal for new versions (Rom::sigh); signals at once if one is there already. */
  sigh(context: Capability): void {
    this.#sigh = context.valid() ? context : null;
    this.#signalled = false;
    if (this.#readVersion !== this.#requests.version) this.outdated();
  }

  /** The requests changed: signals the child, once until it reads them. */
  outdated(): void {
    if (this.#signalled || this.#sigh === null || !this.#thread.valid(this.#sigh.rawSelector)) return;
    this.#signalled = true;
    this.#thread.submitSignal(this.#sigh.rawSelector);
  }

  /** Frees the dataspace and stops following the requests: the session is closed. */
  destroy(): void {
    this.#free();
    this.#requests.detach(this);
  }

  #read(): void {
    this.#readVersion = this.#requests.version;
    this.#signalled = false;
  }

  #free(): void {
    if (this.#fetched !== INVALID_SELECTOR) this.#thread.dissolve(this.#fetched);
    this.#fetched = INVALID_SELECTOR;
    this.#bytes = new Uint8Array(0);
  }
}

/**
 * The root of a child's `session_requests` ROM, which its parent serves itself: a session costs one capability; the
 * text's dataspaces are the parent's own, as the requests it lists are the parent's state.
 */
export class SessionRequestsRoot extends RootComponent<SessionRequestsRom> {
  readonly #thread: KernelThread;
  readonly #requests: SessionRequests;

  /** Serves `requests` on `ep`, whose thread is `thread`. */
  constructor(ep: SessionEntrypoint, thread: KernelThread, requests: SessionRequests) {
    super({ service: 'ROM', ep });
    this.#thread = thread;
    this.#requests = requests;
  }

  /** One capability, the session object's. */
  protected override sessionCost(_args: SessionArgs, _label: SessionLabel): SessionCost {
    return { ram: 0, caps: 1 };
  }

  /**
   * Opens the child's one session on its requests (Root::session): a second is refused, as the ROM's text is the
   * parent's own RAM (Genode's session requester has one ROM session per child).
   */
  protected override createSession(): SessionRequestsRom {
    if (this.sessions().length > 0)
      throw new ServiceDenied(`the child has its "${SESSION_REQUESTS_ROM}" ROM open already: one session per child`);
    return new SessionRequestsRom(this.#thread, this.#requests);
  }

  /** Frees the session's dataspace (Root::close). */
  protected override destroySession(session: SessionRequestsRom): void {
    session.destroy();
  }
}

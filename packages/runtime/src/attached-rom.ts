import type { Capability } from '@os/capability';
import { Connection } from '@os/session';
import type { Env } from './env.js';
import { Rom } from './services.js';
import type { SignalHandler } from './signal.js';
import { XmlNode } from './xml-node.js';

/** RAM donated for a ROM session: room for the module's dataspaces. */
export const ROM_SESSION_RAM = 64 * 1024;

/**
 * Capabilities donated for a ROM session: the session object and its dataspace. The dataspace of a newer version that
 * a session of a changing module holds besides its client's (at most one) is the server's own capability.
 */
export const ROM_SESSION_CAPS = 2;

/**
 * A ROM module attached to the component (Genode's `Attached_rom_dataspace`): open it by name,
 * read its bytes, text or XML node, register a handler for new versions with `sigh`, and
 * `update()` to pick one up.
 */
export class AttachedRomDataspace {
  readonly #connection: Connection<typeof Rom>;
  readonly #env: Env;
  readonly #name: string;
  #bytes: Uint8Array = new Uint8Array(0);
  #valid = false;

  private constructor(env: Env, name: string, connection: Connection<typeof Rom>) {
    this.#env = env;
    this.#name = name;
    this.#connection = connection;
  }

  /** Opens the ROM module `name` (the session label's last element, as Genode routes ROMs). */
  static async open(env: Env, name: string, ram = ROM_SESSION_RAM): Promise<AttachedRomDataspace> {
    const connection = await Connection.openSession(env, Rom, {
      service: 'ROM',
      label: name,
      ram,
      caps: ROM_SESSION_CAPS,
    });
    const rom = new AttachedRomDataspace(env, name, connection);
    await rom.#fetch();
    return rom;
  }

  /**
   * Picks up the current version of the module, fetching its dataspace only when the server says the one held is
   * outdated (Rom::update). The dataspace fetched stays valid until the next fetch, so the attach never fails on a
   * version that arrived meanwhile: it shows the version fetched, and the signal of the newer one follows.
   */
  async update(): Promise<void> {
    if (await this.#connection.session.update()) return;
    await this.#fetch();
  }

  async #fetch(): Promise<void> {
    const dataspace: Capability = await this.#connection.session.dataspace();
    this.#bytes = dataspace.valid() ? this.#env.rm.attach(dataspace.cast()) : new Uint8Array(0);
    this.#valid = dataspace.valid();
  }

  /** Whether the module has content. */
  valid(): boolean {
    return this.#valid;
  }

  /**
   * The module's bytes (shared with the server: read, do not keep). They stay the version last picked up, however many
   * newer ones arrive, until an `update()` fetches one: then the server frees them and these are empty.
   */
  get bytes(): Uint8Array {
    return this.#bytes;
  }

  /**
   * The module as UTF-8 text, without the NULs that pad its dataspace (a report's ROM is as large as the report's
   * buffer, its text ends at the first NUL of the padding).
   */
  text(): string {
    const bytes = this.#bytes;
    let end = bytes.length;
    while (end > 0 && bytes[end - 1] === 0) end--;
    return new TextDecoder().decode(end === bytes.length ? bytes : bytes.subarray(0, end));
  }

  /**
   * The module parsed as XML (Genode's `Attached_rom_dataspace::xml`), e.g. a component's
   * `<config>`; throws `XmlError` naming the ROM and the line when it is not well-formed.
   */
  xml(): XmlNode {
    return XmlNode.parse(this.text(), `ROM "${this.#name}"`);
  }

  /** Asks the server to signal `handler` whenever a new version of the module is there (Rom::sigh). */
  async sigh(handler: SignalHandler): Promise<void> {
    await this.#connection.session.sigh(handler.capability);
  }

  /** Closes the ROM session. */
  async close(): Promise<void> {
    await this.#connection.close();
  }
}

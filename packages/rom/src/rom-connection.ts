import type { Capability } from '@os/capability';
import { type DataspaceCapability, ROM_SESSION_RAM, Rom, type SignalHandler } from '@os/runtime';
import { Connection, type SessionArgs, type SessionEnv, requestSession } from '@os/session';
import { ROM_SESSION_CAPS } from './rom-sessions.js';

/**
 * A connection to a ROM service (Genode's `Rom_connection`): the session's three calls, typed. For
 * reading a module's bytes, text or XML, `AttachedRomDataspace` of `@os/runtime` is the helper on top.
 */
export class RomConnection extends Connection<typeof Rom> {
  private constructor(env: SessionEnv, id: number, capability: Capability, args: SessionArgs) {
    super(env, Rom, id, capability, args);
  }

  /**
   * Opens ROM module `name` (the label's last element is what servers select by), donating `ram`
   * bytes for the server's copy of it; a server that needs more says so and the donation grows.
   */
  static async open(env: SessionEnv, name: string, ram = ROM_SESSION_RAM): Promise<RomConnection> {
    const { id, capability, args } = await requestSession(env, {
      service: 'ROM',
      label: name,
      ram,
      caps: ROM_SESSION_CAPS,
    });
    return new RomConnection(env, id, capability, args);
  }

  /** The dataspace of the module's current version; invalid while the module is empty (Rom::dataspace). */
  async dataspace(): Promise<DataspaceCapability> {
    const dataspace: Capability = await this.session.dataspace();
    return dataspace.cast();
  }

  /** Whether the dataspace fetched last is still the current version; if not, fetch `dataspace` again (Rom::update). */
  async update(): Promise<boolean> {
    return this.session.update();
  }

  /** Has the server signal `handler` whenever a new version is there (Rom::sigh). */
  async sigh(handler: SignalHandler): Promise<void> {
    await this.session.sigh(handler.capability);
  }
}

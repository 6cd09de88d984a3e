import type { Capability } from '@os/capability';
import { Log } from '@os/runtime';
import { Connection, type SessionArgs, type SessionEnv, requestSession } from '@os/session';

/** RAM a LOG connection donates, as Genode's `Log_session::RAM_QUOTA`. */
export const LOG_SESSION_RAM = 8 * 1024;
/** Capabilities a LOG connection donates, as Genode's `Log_session::CAP_QUOTA`. */
export const LOG_SESSION_CAPS = 2;

/**
 * A connection to a LOG service (Genode's `Log_connection`), donating Genode's quota for it.
 * `upgrade({ ram })` is Genode's `upgrade_ram`.
 */
export class LogConnection extends Connection<typeof Log> {
  private constructor(env: SessionEnv, id: number, capability: Capability, args: SessionArgs) {
    super(env, Log, id, capability, args);
  }

  /** Opens a LOG session labelled `label`. */
  static async open(env: SessionEnv, label = ''): Promise<LogConnection> {
    const { id, capability, args } = await requestSession(env, {
      service: 'LOG',
      label,
      ram: LOG_SESSION_RAM,
      caps: LOG_SESSION_CAPS,
    });
    return new LogConnection(env, id, capability, args);
  }

  /** Writes one line (Log::write). */
  async write(text: string): Promise<void> {
    await this.session.write(text);
  }
}

import { type Env, RootComponent, type RomSessionComponent, type SessionCost } from '@os/runtime';
import { ServiceDenied, type SessionArgs, type SessionLabel } from '@os/session';
import type { RomModules } from './rom-modules.js';
import { ROM_SESSION_CAPS, ROM_SESSION_RAM_FOR, RomSessions, romSessionRam } from './rom-sessions.js';

/**
 * A ROM service over in-memory modules (a root a component announces as "ROM"): a session shows the
 * module named by its label's last element, as core's ROM service does, and gets every change of it
 * as a new version with a signal. A deleted module shows as empty (an invalid dataspace) to its open
 * sessions until it is set again.
 */
export class RomService extends RootComponent<RomSessionComponent> {
  readonly #modules: RomModules;
  readonly #sessions: RomSessions;

  /** Serves `modules` from `env`'s entrypoint; announce it to make it reachable (see {@link RomService.announce}). */
  constructor(env: Env, modules: RomModules) {
    super({ service: 'ROM', ep: env.ep });
    this.#modules = modules;
    this.#sessions = new RomSessions(env);
    modules.onChange((name, content) => this.#sessions.publish(name, content ?? null));
  }

  /** Creates a service for `modules`, manages it on `env`'s entrypoint and announces "ROM" to the parent. */
  static async announce(env: Env, modules: RomModules): Promise<RomService> {
    const service = new RomService(env, modules);
    await service.announce(env);
    return service;
  }

  /**
   * A session on the module the label names costs two copies of it page-rounded in RAM (see `romSessionRam`) and
   * `ROM_SESSION_CAPS` capabilities; a module that is not here is `ServiceDenied`.
   */
  protected override sessionCost(_args: SessionArgs, label: SessionLabel): SessionCost {
    const name = label.last();
    const content = this.#modules.get(name);
    if (content === undefined) {
      const known = this.#modules.names();
      throw new ServiceDenied(
        `no ROM module "${name}" here (${known.length === 0 ? 'there are none' : `known: ${known.join(', ')}`}); ` +
          'route the session elsewhere or add the module',
      );
    }
    return { ram: romSessionRam(content.length), caps: ROM_SESSION_CAPS, ramFor: ROM_SESSION_RAM_FOR };
  }

  /** Opens a session on the module the label names, with its own copy (Root::session). */
  protected override createSession(_args: SessionArgs, label: SessionLabel): RomSessionComponent {
    const name = label.last();
    return this.#sessions.open(name, this.#modules.get(name) ?? null);
  }

  /** Frees the session's dataspaces (Root::close). */
  protected override destroySession(session: RomSessionComponent): void {
    this.#sessions.close(session);
  }
}

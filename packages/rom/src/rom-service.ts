import type { Capability } from '@os/capability';
import { RpcObject, type ServerOf } from '@os/rpc';
import type { Env } from '@os/runtime';
import { Root, ServiceDenied, SessionLabel } from '@os/session';
import type { RomModules } from './rom-modules.js';
import { RomSessions } from './rom-sessions.js';
import { readSessionArgs } from './session-request.js';

/**
 * A ROM service over in-memory modules (the `Root` a component manages on its entrypoint and
 * announces as "ROM"): a session shows the module named by its label's last element, as core's ROM
 * service does, and gets every change of it as a new version with a signal. A deleted module shows
 * as empty (an invalid dataspace) to its open sessions until it is set again.
 */
export class RomService extends RpcObject<typeof Root> implements ServerOf<typeof Root> {
  readonly #modules: RomModules;
  readonly #sessions: RomSessions;

  /** Serves `modules` from `env`'s entrypoint; manage and announce it to make it reachable (see {@link RomService.announce}). */
  constructor(env: Env, modules: RomModules) {
    super(Root);
    this.#modules = modules;
    this.#sessions = new RomSessions(env);
    modules.onChange((name, content) => this.#sessions.publish(name, content ?? null));
  }

  /** Creates a service for `modules`, manages it on `env`'s entrypoint and announces "ROM" to the parent. */
  static async announce(env: Env, modules: RomModules): Promise<RomService> {
    const service = new RomService(env, modules);
    await env.parent.announce('ROM', env.ep.manage(service));
    return service;
  }

  /** Opens a session on the module the label names; needs its size page-rounded in RAM and 2 capabilities (Root::session). */
  session(argsText: string): Capability {
    const request = readSessionArgs('ROM', argsText, (args) => ({
      name: new SessionLabel(args.string('label')).last(),
      ram: args.number('ram_quota'),
      caps: args.number('cap_quota'),
    }));
    const name = request.name;
    const content = this.#modules.get(name);
    if (content === undefined) {
      const known = this.#modules.names();
      throw new ServiceDenied(
        `no ROM module "${name}" here (${known.length === 0 ? 'there are none' : `known: ${known.join(', ')}`}); route the session elsewhere or add the module`,
      );
    }
    return this.#sessions.open(name, content, request, `ROM "${name}"`);
  }

  /** Accepts the donation; a ROM session needs no more (Root::upgrade). */
  upgrade(): void {}

  /** Closes the session and frees its dataspace (Root::close). */
  close(capability: Capability): void {
    this.#sessions.close(capability);
  }
}

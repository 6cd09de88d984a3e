import { pageRound } from '@os/kernel';
import { ServiceDenied, type SessionArgs, type SessionLabel } from '@os/session';
import { RomSessionComponent } from '../rom-session.js';
import { RootComponent, type SessionCost, type SessionEntrypoint } from '../root-component.js';
import type { Core } from './core.js';

/**
 * core's ROM service: the boot modules, by the label's last element. A session costs one copy of its module: boot
 * modules change only when the host replaces one (`updateRom`, what `os run --watch` does), never at a client's
 * doing, so the version a session keeps for its client across such an update (at most one) is core's own RAM.
 */
export class RomRoot extends RootComponent<RomSessionComponent> {
  readonly #modules = new Map<RomSessionComponent, string>();
  constructor(
    /** The core whose boot modules are served. */
    private readonly core: Core,
    ep: SessionEntrypoint,
  ) {
    super({ service: 'ROM', ep });
  }
  /** A copy of the module the label names in whole pages, and 2 capabilities; no such module is `ServiceDenied`. */
  protected override sessionCost(_args: SessionArgs, label: SessionLabel): SessionCost {
    const name = label.last();
    const content = this.core.rom(name);
    if (content === undefined) throw new ServiceDenied(`no ROM module "${name}"`);
    return { ram: pageRound(Math.max(1, content.length)), caps: 2, ramFor: `module "${name}", in whole pages` };
  }
  /** Opens the boot module the label names, copied into a dataspace the donation pays for (Root::session). */
  protected override createSession(_args: SessionArgs, label: SessionLabel): RomSessionComponent {
    const name = label.last();
    const content = this.core.rom(name) ?? new Uint8Array();
    const session = new RomSessionComponent(this.core.thread, this.core.romDataspace(content));
    this.#modules.set(session, name);
    return session;
  }
  /** Hands every session on module `name` its new content; each keeps the version its client fetched. */
  update(name: string, content: Uint8Array): void {
    for (const [session, module] of this.#modules) {
      if (module === name) session.replace(this.core.romDataspace(content));
    }
  }
  /** Frees the session's dataspaces (Root::close). */
  protected override destroySession(session: RomSessionComponent): void {
    this.#modules.delete(session);
    session.destroy();
  }
}

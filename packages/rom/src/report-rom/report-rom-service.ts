import {
  type Env,
  NoPolicyDefined,
  RootComponent,
  type RomSessionComponent,
  type SessionCost,
  type XmlNode,
} from '@os/runtime';
import type { SessionArgs, SessionError, SessionLabel } from '@os/session';
import { ROM_SESSION_CAPS, ROM_SESSION_RAM_FOR, type RomSessions, romSessionRam } from '../rom-sessions.js';
import type { ReportRegistry } from './report-registry.js';
import type { ReportRomConfig } from './report-rom-config.js';
import type { ServerLog } from './server-log.js';

/**
 * report_rom's ROM service (Genode's `Rom::Root` over the registry): the session's label picks a
 * policy of the config, whose `report` names the report the session shows. The policy is applied
 * when the session opens; the session keeps its report after that.
 */
export class ReportRomService extends RootComponent<RomSessionComponent> {
  readonly #roms: RomSessions;
  readonly #registry: ReportRegistry;
  readonly #log: ServerLog;
  readonly #config: () => ReportRomConfig;

  /**
   * Serves the reports of `registry` through `roms` on `env`'s entrypoint, as `config` (read at each request) allows.
   */
  constructor(env: Env, roms: RomSessions, registry: ReportRegistry, log: ServerLog, config: () => ReportRomConfig) {
    super({ service: 'ROM', ep: env.ep, config: () => config().node });
    this.#roms = roms;
    this.#registry = registry;
    this.#log = log;
    this.#config = config;
  }

  /** Names the session and the report its policy picks: `ROM "client -> big" (report "client -> big")`. */
  protected override describeSession(label: SessionLabel, policy: XmlNode | null): string {
    return `ROM "${label.text}" (report "${this.#report(label, policy)}")`;
  }

  /** Two copies of the report page-rounded in RAM (see `romSessionRam`) and `ROM_SESSION_CAPS` capabilities. */
  protected override sessionCost(_args: SessionArgs, label: SessionLabel, policy: XmlNode | null): SessionCost {
    const content = this.#registry.content(this.#report(label, policy));
    return { ram: romSessionRam(content?.length ?? 0), caps: ROM_SESSION_CAPS, ramFor: ROM_SESSION_RAM_FOR };
  }

  /** Opens a session on the report its policy names (Root::session). */
  protected override createSession(
    _args: SessionArgs,
    label: SessionLabel,
    policy: XmlNode | null,
  ): RomSessionComponent {
    const report = this.#report(label, policy);
    return this.#roms.open(report, this.#registry.content(report));
  }

  /** Frees the session's dataspaces (Root::close). */
  protected override destroySession(session: RomSessionComponent): void {
    this.#roms.close(session);
  }

  /** Logs a request no policy matches, as Genode's report_rom. */
  protected override async refused(error: SessionError, label: string): Promise<void> {
    if (error instanceof NoPolicyDefined) await this.#log.write(`Warning: no valid policy for ROM request '${label}'`);
  }

  #report(label: SessionLabel, policy: XmlNode | null): string {
    return this.#config().reportOf(policy as XmlNode, label.text);
  }
}

import type { Capability } from '@os/capability';
import { RpcObject, type ServerOf } from '@os/rpc';
import { NoPolicyDefined } from '@os/runtime';
import { Root } from '@os/session';
import type { RomSessions } from '../rom-sessions.js';
import { readSessionArgs } from '../session-request.js';
import type { ReportRegistry } from './report-registry.js';
import type { ReportRomConfig } from './report-rom-config.js';
import type { ServerLog } from './server-log.js';

/**
 * report_rom's ROM service (Genode's `Rom::Root` over the registry): the session's label picks a
 * policy of the config, whose `report` names the report the session shows. The policy is applied
 * when the session opens; the session keeps its report after that.
 */
export class ReportRomService extends RpcObject<typeof Root> implements ServerOf<typeof Root> {
  readonly #roms: RomSessions;
  readonly #registry: ReportRegistry;
  readonly #log: ServerLog;
  readonly #config: () => ReportRomConfig;

  /** Serves the reports of `registry` through `roms`, as `config` (read at each request) allows. */
  constructor(roms: RomSessions, registry: ReportRegistry, log: ServerLog, config: () => ReportRomConfig) {
    super(Root);
    this.#roms = roms;
    this.#registry = registry;
    this.#log = log;
    this.#config = config;
  }

  /** Opens a session on the report its policy names; the report's size page-rounded in RAM and 2 capabilities (Root::session). */
  async session(argsText: string): Promise<Capability> {
    const request = readSessionArgs('ROM', argsText, (args) => ({
      label: args.string('label'),
      ram: args.number('ram_quota'),
      caps: args.number('cap_quota'),
    }));
    let report: string;
    try {
      report = this.#config().reportFor(request.label);
    } catch (error) {
      if (error instanceof NoPolicyDefined)
        await this.#log.write(`Warning: no valid policy for ROM request '${request.label}'`);
      throw error;
    }
    return this.#roms.open(
      report,
      this.#registry.content(report),
      request,
      `ROM "${request.label}" (report "${report}")`,
    );
  }

  /** Accepts the donation; a ROM session needs no more (Root::upgrade). */
  upgrade(): void {}

  /** Closes the session and frees its dataspace (Root::close). */
  close(capability: Capability): void {
    this.#roms.close(capability);
  }
}

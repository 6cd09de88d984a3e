import { AttachedRomDataspace, type ComponentModule, type Env, SignalHandler, XmlError } from '@os/runtime';
import { RomSessions } from '../rom-sessions.js';
import { ReportRegistry } from './report-registry.js';
import { ReportRomConfig } from './report-rom-config.js';
import { ReportRomService } from './report-rom-service.js';
import { ReportService } from './report-service.js';
import { ServerLog } from './server-log.js';

/** The config in `rom`, or `fallback` (with the error logged, saying what happens meanwhile) when it is malformed. */
async function readConfig(
  rom: AttachedRomDataspace,
  log: ServerLog,
  fallback: ReportRomConfig,
  meanwhile: string,
): Promise<ReportRomConfig> {
  try {
    return new ReportRomConfig(rom.xml());
  } catch (error) {
    if (!(error instanceof XmlError)) throw error;
    await log.write(`Error: ${error.message}; report_rom ${meanwhile}`);
    return fallback;
  }
}

/**
 * report_rom's `construct`: reads the "config" ROM and follows its updates (they apply to sessions
 * opened after them), then announces "Report" and "ROM". Every report becomes the content of the ROM
 * sessions whose policy names it.
 */
export async function construct(env: Env): Promise<void> {
  const log = await ServerLog.open(env);
  const configRom = await AttachedRomDataspace.open(env, 'config');
  let config = await readConfig(
    configRom,
    log,
    ReportRomConfig.empty(),
    'denies every ROM session until its config is fixed',
  );
  await configRom.sigh(
    new SignalHandler(env.ep, async () => {
      await configRom.update();
      config = await readConfig(configRom, log, config, 'keeps its previous config');
    }),
  );
  const roms = new RomSessions(env);
  const registry = new ReportRegistry(roms);
  await new ReportService(env, registry, log, () => config.verbose).announce(env);
  await new ReportRomService(env, roms, registry, log, () => config).announce(env);
}

/**
 * Genode's `report_rom` (binary `report_rom`), as a component module for binary tables: it provides
 * "Report" and "ROM" and shows each report as a ROM to the clients its config permits.
 */
export const reportRom: ComponentModule = { construct };

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
 * opened after them), then announces "Report" and, once the requests that waited for it are served,
 * "ROM". Every report becomes the content of the ROM sessions whose policy names it.
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
  const rom = new ReportRomService(env, roms, registry, log, () => config);
  // init answers a request for "Report" that waited for the announcement by calling our root from its
  // entrypoint; announcing "ROM" right away would call init while init calls us, and both would wait
  // for good. The kernel timeout fires after the work under way (on virtual time: once the system has
  // settled), so those requests are served by then.
  const announceRom = new SignalHandler(env.ep, async () => {
    announceRom.dispose();
    await rom.announce(env);
  });
  env.thread.timeout(0, announceRom.capability.selector);
}

/**
 * Genode's `report_rom` (binary `report_rom`), as a component module for binary tables: it provides
 * "Report" and "ROM" and shows each report as a ROM to the clients its config permits.
 */
export const reportRom: ComponentModule = { construct };

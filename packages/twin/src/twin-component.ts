import { Net } from '@os/net';
import { AttachedRomDataspace, type ComponentModule, type Env, Reporter, Rtc } from '@os/runtime';
import { Connection } from '@os/session';
import { TimeoutScheduler } from '@os/timer';
import { Sleepers } from './sleepers.js';
import { ReportedSection } from './reported-section.js';
import { parseTwinConfig, type ReportedRom } from './twin-config.js';
import { TwinConfigError } from './twin-config-error.js';
import { TwinClient } from './twin-client.js';

/** The largest `desired` report: a 32 KB section, escaped, with room to spare. */
const DESIRED_REPORT_BYTES = 96 * 1024;

/** The CA certificate in the ROM `name`, checked to be PEM. */
async function caCertificate(env: Env, name: string): Promise<string> {
  const rom = await AttachedRomDataspace.open(env, name);
  const pem = rom.valid() ? rom.text().trim() : '';
  if (!pem.startsWith('-----BEGIN CERTIFICATE-----')) {
    throw new TwinConfigError(
      `ROM "${name}" (ca_rom) holds no PEM certificate; give it the hub's CA certificate ` +
        '(os hub start prints its path)',
    );
  }
  return `${pem}\n`;
}

/** The reported ROMs, opened one after the other (one thread makes one call at a time). */
async function reportedSections(env: Env, roms: readonly ReportedRom[]): Promise<ReportedSection[]> {
  const sections: ReportedSection[] = [];
  for (const { property, rom } of roms)
    sections.push(new ReportedSection(property, rom, await AttachedRomDataspace.open(env, rom)));
  return sections;
}

/**
 * The twin component (binary `twin`): reads its `<config>`, opens Net, Timer, Rtc, the `desired` report, the
 * `deploy_state` ROM and each further reported ROM (and the CA's ROM), then keeps the device's twin in step with the
 * hub. A malformed config ends it with exit value 1, the reason in its LOG.
 */
export const twin: ComponentModule = {
  async construct(env: Env): Promise<void> {
    const config = parseTwinConfig((await AttachedRomDataspace.open(env, 'config')).xml());
    const ca = config.caRom === undefined ? undefined : await caCertificate(env, config.caRom);
    const net = await Net.Connection.open(env, { sockets: 2 });
    const alarms = await TimeoutScheduler.open(env);
    const rtc = await Connection.openSession(env, Rtc, { service: 'Rtc', ram: 0, caps: 1 });
    const client = new TwinClient({
      env,
      config,
      net,
      alarms,
      sleepers: new Sleepers(env),
      ca,
      desired: await Reporter.open(env, 'desired', DESIRED_REPORT_BYTES),
      reported: await reportedSections(env, config.reported),
      now: () => rtc.session.currentTime(),
      random: Math.random,
    });
    await client.start();
  },
};

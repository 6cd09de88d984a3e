import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deploy } from '@os/deploy';
import { depotDownload } from '@os/depot/download';
import { createLxFs } from '@os/fs/host';
import { init } from '@os/init';
import { BinaryLoader } from '@os/loader';
import { netServer } from '@os/net/host';
import { reportRom } from '@os/rom';
import type { ComponentModule } from '@os/runtime';
import type { SystemDescription } from '@os/runtime/host';
import { timerDriver } from '@os/timer';
import { twin } from '@os/twin/host';
import { HUB_CA_ROM, gatewayConfig } from './gateway-config.js';
import type { GatewaySettings } from './settings.js';

/**
 * The machine the gateway models: 1 GiB and 100 000 capabilities, of which core lends init less than half; the
 * gateway's own parts take about 70M, the runtime the settings' budget plus 4M.
 */
export const GATEWAY_MACHINE = { ram: 1024 * 1024 * 1024, caps: 100_000 } as const;

/** This app's directory: binary names that are files resolve from here. */
const directory = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The gateway's built-in binaries: the framework's servers and the gateway's own parts, all trusted host modules. */
export function gatewayBuiltins(settings: GatewaySettings): Record<string, ComponentModule> {
  return {
    init,
    timer: timerDriver,
    report_rom: reportRom,
    net: netServer({ virtualTime: false }),
    lx_fs: createLxFs({ base: settings.storage, realTime: true }),
    twin,
    deploy,
    depot_download: depotDownload,
  };
}

/**
 * The gateway as a system: its init config from `settings`, its built-ins, and the local depot (`<storage>/depot`) the
 * deployed components load from, confined. It runs on real time only (the network service refuses virtual time).
 */
export function gatewaySystem(settings: GatewaySettings): SystemDescription {
  mkdirSync(join(settings.storage, 'depot'), { recursive: true });
  const loader = new BinaryLoader({
    directory,
    builtins: gatewayBuiltins(settings),
    depot: join(settings.storage, 'depot'),
  });
  const roms = new Map<string, Uint8Array>([['config', new TextEncoder().encode(gatewayConfig(settings))]]);
  if (settings.hubCa !== undefined) roms.set(HUB_CA_ROM, new TextEncoder().encode(settings.hubCa));
  return {
    init: 'init',
    name: 'gateway',
    binaries: loader.resolve,
    roms,
    ram: GATEWAY_MACHINE.ram,
    caps: GATEWAY_MACHINE.caps,
  };
}

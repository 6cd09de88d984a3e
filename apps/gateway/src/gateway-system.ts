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
import { edgeHub } from '@os/edge-hub/host';
import { edgeCertificates } from './edge-certificates.js';
import { EDGE_HUB_CERT_ROM, EDGE_HUB_KEY_ROM, HUB_CA_ROM, STORAGE, gatewayConfig } from './gateway-config.js';
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
    edge_hub: edgeHub,
  };
}

/**
 * The gateway as a system: its init config from `settings`, its built-ins, the local depot
 * (`<storage>/packages/depot`) the deployed components load from, confined, and with `edgeHub` settings the edge hub's
 * certificate, issued now (see {@link edgeCertificates}). It runs on real time only (the network service refuses
 * virtual time).
 */
export async function gatewaySystem(settings: GatewaySettings): Promise<SystemDescription> {
  mkdirSync(join(settings.storage, STORAGE.depot), { recursive: true });
  const loader = new BinaryLoader({
    directory,
    builtins: gatewayBuiltins(settings),
    depot: join(settings.storage, STORAGE.depot),
  });
  const encoder = new TextEncoder();
  const roms = new Map<string, Uint8Array>([['config', encoder.encode(gatewayConfig(settings))]]);
  if (settings.hubCa !== undefined) roms.set(HUB_CA_ROM, encoder.encode(settings.hubCa));
  if (settings.edgeHub !== undefined) {
    mkdirSync(join(settings.storage, STORAGE.edgeHub), { recursive: true });
    const certificates = await edgeCertificates(settings.edgeHub, join(settings.storage, STORAGE.certs));
    roms.set(EDGE_HUB_CERT_ROM, encoder.encode(certificates.chain));
    roms.set(EDGE_HUB_KEY_ROM, encoder.encode(certificates.key));
    if (certificates.quickstartCaPath !== undefined)
      console.log(`gateway: leaf devices trust the quickstart Edge CA ${certificates.quickstartCaPath}`);
  }
  return {
    init: 'init',
    name: 'gateway',
    binaries: loader.resolve,
    roms,
    ram: GATEWAY_MACHINE.ram,
    caps: GATEWAY_MACHINE.caps,
  };
}

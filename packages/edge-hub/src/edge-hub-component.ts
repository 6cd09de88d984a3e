import type { DeviceConnectionString } from '@os/iothub';
import { Net } from '@os/net';
import { AttachedRomDataspace, type ComponentModule, type Env, Rtc } from '@os/runtime';
import { Connection } from '@os/session';
import { type EdgeHubConfig, gatewayConnectionString, parseEdgeHubConfig } from './edge-hub-config.js';
import { EdgeHubConfigError } from './edge-hub-config-error.js';
import { EdgeHubServer, edgeHubSockets } from './edge-hub-server.js';
import type { IdentityStore } from './identity-store.js';
import { Ticker } from './ticker.js';
import type { LeafIdentity, Upstream } from './upstream-link.js';

/** The edge hub's clock period: token buckets refill and timeouts are checked at this pace. */
const TICK_MS = 50;

/** What the maker of the upstream side gets from the edge hub. */
export interface UpstreamContext {
  /** The component's environment: the upstream side opens its own sessions (Net, File_system, Timer) with it. */
  readonly env: Env;
  /** The edge hub's config; `config.upstream` is the `<upstream>` sub-node, the upstream side's to read. */
  readonly config: EdgeHubConfig;
  /** The gateway device's connection string: the hub's host name, the gateway's id and key. */
  readonly gateway: DeviceConnectionString;
  /** The CA (PEM) the hub's certificates chain to (`hub_ca_rom`); undefined for the host's CAs. */
  readonly hubCa: string | undefined;
  /** The wall-clock time (the component's Rtc session), in milliseconds since the epoch. */
  readonly nowMs: () => Promise<number>;
  /**
   * The identity of an enabled child of the gateway, from the edge hub's device-scope cache (fetched again, at most
   * once per `scope_retry_ms`, for a device it does not know), or undefined: what the upstream side signs with.
   */
  readonly identity: (deviceId: string) => Promise<LeafIdentity | undefined>;
  /**
   * Keeps the device scope in `store` across restarts (the upstream side owns the storage session): what an earlier
   * run stored is taken at once, so that known leaves connect while the hub is away. Answers how many it restored.
   */
  readonly keepIdentitiesIn: (store: IdentityStore) => Promise<number>;
}

/** Makes the upstream side, once the edge hub read its config. */
export type UpstreamFactory = (context: UpstreamContext) => Upstream | Promise<Upstream>;

/** What an edge hub component is made of. */
export interface EdgeHubComponentOptions {
  /** Makes the upstream side each authenticated leaf is linked to. */
  readonly upstream: UpstreamFactory;
  /** Called once the edge hub listens, with it and the upstream side: what a reporter composes its state from. */
  readonly started?: (hub: EdgeHubServer, upstream: Upstream) => void | Promise<void>;
}

/** The text of ROM `name` (named by the config's `attribute`), checked to hold `marker`. */
async function romWith(env: Env, name: string, attribute: string, marker: string, what: string): Promise<string> {
  const rom = await AttachedRomDataspace.open(env, name);
  const text = rom.valid() ? rom.text().trim() : '';
  if (!text.includes(marker)) {
    throw new EdgeHubConfigError(`ROM "${name}" (${attribute}) holds no ${what}; give it ${what}`);
  }
  return `${text}\n`;
}

/** The gateway's connection string: from the config, or read from its ROM. */
async function gatewayIdentity(env: Env, config: EdgeHubConfig): Promise<DeviceConnectionString> {
  if (config.connectionString !== undefined) return config.connectionString;
  const name = config.connectionStringRom ?? '';
  const rom = await AttachedRomDataspace.open(env, name);
  const text = rom.valid() ? rom.text().trim() : '';
  return gatewayConnectionString(text, `ROM "${name}" (connection_string_rom)`);
}

/**
 * An edge hub component with the given upstream side: reads its `<config>` and the ROMs it names, opens an Rtc, a
 * Timer and a Net session, listens for leaf devices with TLS, and links each authenticated leaf upstream. A wrong
 * config ends it with exit value 1, the reason in its LOG.
 */
export function edgeHubComponent(options: EdgeHubComponentOptions): ComponentModule {
  return {
    async construct(env: Env): Promise<void> {
      const config = parseEdgeHubConfig((await AttachedRomDataspace.open(env, 'config')).xml());
      const cert = await romWith(env, config.certRom, 'cert_rom', '-----BEGIN CERTIFICATE-----', 'a PEM certificate');
      const key = await romWith(env, config.keyRom, 'key_rom', 'PRIVATE KEY-----', 'a PEM private key');
      const hubCa =
        config.hubCaRom === undefined
          ? undefined
          : await romWith(env, config.hubCaRom, 'hub_ca_rom', '-----BEGIN CERTIFICATE-----', 'a PEM certificate');
      const gateway = await gatewayIdentity(env, config);
      const rtc = await Connection.openSession(env, Rtc, { service: 'Rtc', ram: 0, caps: 1 });
      const nowMs = (): Promise<number> => rtc.session.currentTime();
      const ticker = await Ticker.open(env, TICK_MS);
      const net = await Net.Connection.open(env, { sockets: edgeHubSockets(config), listeners: 1 });
      const hub = EdgeHubServer.create({
        config,
        net,
        ticker,
        gateway,
        cert,
        key,
        hubCa,
        nowMs,
        log: (line) => env.log(line),
      });
      const identity = (deviceId: string): Promise<LeafIdentity | undefined> => hub.identity(deviceId);
      const keepIdentitiesIn = (store: IdentityStore): Promise<number> => hub.keepIdentitiesIn(store);
      const upstream = await options.upstream({ env, config, gateway, hubCa, nowMs, identity, keepIdentitiesIn });
      await hub.listen(upstream);
      await options.started?.(hub, upstream);
    },
  };
}

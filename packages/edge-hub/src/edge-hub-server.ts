import type { DeviceConnectionString } from '@os/iothub';
import type { Net, NetListener } from '@os/net';
import { DeviceScopeClient, type ScopeIdentity } from './device-scope-client.js';
import type { EdgeHubConfig } from './edge-hub-config.js';
import { type Authentication, authenticateLeaf, hostOf, type LeafCredentials } from './leaf-authentication.js';
import { LeafConnection, type LeafConnectionHost } from './leaf-connection.js';
import type { IdentityStore } from './identity-store.js';
import { LeafIdentities } from './leaf-identities.js';
import type { Ticker } from './ticker.js';
import type { LeafIdentity, LeafLink, Upstream, UpstreamEvents } from './upstream-link.js';

/** Connections that may be open besides the leaves: being authenticated, refused, or replaced. */
export const SPARE_CONNECTIONS = 8;

/** What the edge hub's server runs with. */
export interface EdgeHubServerParts {
  /** The edge hub's config, read. */
  readonly config: EdgeHubConfig;
  /** The Net session it listens on and fetches the device scope through (see {@link edgeHubSockets}). */
  readonly net: Net.Connection;
  /** The clock its buckets and timeouts run on. */
  readonly ticker: Ticker;
  /** The gateway device (its id, the hub's host name, its key). */
  readonly gateway: DeviceConnectionString;
  /** The server certificate chain (PEM) leaves see. */
  readonly cert: string;
  /** The certificate's private key (PEM). */
  readonly key: string;
  /** The CA (PEM) the hub's certificate chains to; undefined for the host's CAs. */
  readonly hubCa: string | undefined;
  /** The wall-clock time, in milliseconds since the epoch (SAS expiry). */
  readonly nowMs: () => Promise<number>;
  /** Writes a LOG line. */
  readonly log: (line: string) => Promise<void>;
}

/** How many sockets the edge hub's Net session pays for: the leaves, spare connections, and the device-scope fetch. */
export function edgeHubSockets(config: EdgeHubConfig): number {
  return config.maxLeaves + SPARE_CONNECTIONS + 1;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The downstream half of the edge hub: listens with TLS through the Net session, authenticates each leaf device
 * against the identities of the gateway's device scope, and links each authenticated leaf to the upstream side.
 * `create` it, make the upstream side (which may look identities up), then `listen` with it.
 */
export class EdgeHubServer {
  readonly #parts: EdgeHubServerParts;
  readonly #identities: LeafIdentities;
  readonly #hubHost: string;
  readonly #connections = new Set<LeafConnection>();
  readonly #leaves = new Map<string, LeafConnection>();
  readonly #host: LeafConnectionHost;
  #upstream: Upstream | undefined;
  #logging: Promise<void> = Promise.resolve();
  #scopeFailing = false;
  #scopeSize = -1;
  #saving: Promise<void> = Promise.resolve();
  #identityStore: IdentityStore | undefined;

  private constructor(parts: EdgeHubServerParts) {
    this.#parts = parts;
    const { config, gateway } = parts;
    this.#hubHost = hostOf(config.hubHostName ?? gateway.hostName);
    const scope = new DeviceScopeClient({
      net: parts.net,
      gateway,
      host: hostOf(gateway.hostName),
      port: config.apiPort,
      ca: parts.hubCa,
      timeoutMs: config.timeoutMs,
      nowMs: parts.nowMs,
    });
    this.#identities = new LeafIdentities({
      fetch: () => scope.fetch(),
      now: () => parts.ticker.now(),
      retryMs: config.scopeRetryMs,
      refreshMs: config.scopeRefreshS * 1000,
      onFailure: (reason) => this.#scopeFailed(reason),
      onFetched: (identities) => this.#scopeFetched(identities),
    });
    this.#host = {
      config,
      ticker: parts.ticker,
      authenticate: (credentials) => this.#authenticate(credentials),
      admit: (connection) => this.#admit(connection),
      link: (identity, events) => this.#link(identity, events),
      left: (connection) => this.#left(connection),
      log: (line) => this.#log(line),
    };
  }

  /**
   * A server that fetches the device scope at once and checks its leaves at each tick, not listening yet: the
   * upstream side may look identities up (`identity`) before `listen` links it.
   */
  static create(parts: EdgeHubServerParts): EdgeHubServer {
    const server = new EdgeHubServer(parts);
    void server.#identities.refresh();
    parts.ticker.onTick((now) => server.#tick(now));
    return server;
  }

  /**
   * Keeps the device scope in `store` from now on (each fetch that changed it is saved), and takes what an earlier
   * run stored there (unless a fetch answered first), so that known leaves connect while the hub is away; answers how
   * many identities it restored.
   */
  async keepIdentitiesIn(store: IdentityStore): Promise<number> {
    this.#identityStore = store;
    const stored = await store.load();
    if (stored === undefined || this.#identities.size > 0) return 0;
    this.#identities.restore(stored);
    this.#log(`device scope of ${this.#parts.gateway.deviceId}: ${stored.size} leaf identities stored before`);
    return stored.size;
  }

  /** Listens on the config's port and links each authenticated leaf to `upstream`, until the component ends. */
  async listen(upstream: Upstream): Promise<void> {
    if (this.#upstream !== undefined) throw new Error('EdgeHubServer.listen: it listens already');
    const { config, net, cert, key, gateway } = this.#parts;
    this.#upstream = upstream;
    const listener = await net.listen({ port: config.port, backlog: 16, tls: { cert, key } });
    this.#log(`listening on port ${config.port} for the leaf devices of ${gateway.deviceId} (hub ${this.#hubHost})`);
    void this.#accept(listener);
  }

  /**
   * The identity of `deviceId` if it is an enabled child of the gateway, as the device scope says (fetched again when
   * the device is unknown and the last fetch is `scope_retry_ms` old): what the upstream side signs with.
   */
  async identity(deviceId: string): Promise<LeafIdentity | undefined> {
    const found = await this.#identities.lookup(deviceId);
    if (found.kind !== 'found' || !found.identity.enabled) return undefined;
    const { primaryKey, secondaryKey } = found.identity;
    return { deviceId, primaryKey, secondaryKey };
  }

  /** The device ids of the leaves connected now (authenticated), in the order they connected. */
  connectedLeaves(): readonly string[] {
    return [...this.#leaves.keys()];
  }

  /** Whether leaf `deviceId` is connected now. */
  isConnected(deviceId: string): boolean {
    return this.#leaves.get(deviceId)?.connected === true;
  }

  /** How many identities of the device scope the edge hub knows. */
  get identityCount(): number {
    return this.#identities.size;
  }

  async #accept(listener: NetListener): Promise<void> {
    for (;;) {
      let socket: Awaited<ReturnType<NetListener['accept']>>;
      try {
        socket = await listener.accept();
      } catch (error) {
        this.#log(`Error: no longer accepting leaf connections: ${describe(error)}`);
        return;
      }
      const connection = new LeafConnection(socket, this.#host);
      this.#connections.add(connection);
      void connection.run().finally(() => this.#connections.delete(connection));
    }
  }

  #tick(now: number): void {
    this.#identities.tick();
    for (const connection of this.#connections) connection.tick(now);
  }

  #authenticate(credentials: LeafCredentials): Promise<Authentication> {
    return authenticateLeaf(credentials, {
      hubHost: this.#hubHost,
      gatewayId: this.#parts.gateway.deviceId,
      lookup: (deviceId) => this.#identities.lookup(deviceId),
      nowMs: this.#parts.nowMs,
    });
  }

  #admit(connection: LeafConnection): string | undefined {
    const deviceId = connection.deviceId;
    if (deviceId === undefined) return 'it is not authenticated';
    const older = this.#leaves.get(deviceId);
    if (older === undefined && this.#leaves.size >= this.#parts.config.maxLeaves) {
      return `the gateway serves max_leaves="${this.#parts.config.maxLeaves}" leaves already`;
    }
    this.#leaves.set(deviceId, connection);
    // IoT Hub allows one connection per device id: the older one is closed (error 400027 on its side)
    older?.close('replaced by a new connection with the same device id; the older one is closed');
    return undefined;
  }

  #link(identity: ScopeIdentity, events: UpstreamEvents): LeafLink {
    if (this.#upstream === undefined) throw new Error('EdgeHubServer: a leaf was linked before listen');
    const { deviceId, primaryKey, secondaryKey } = identity;
    return this.#upstream.link({ deviceId, primaryKey, secondaryKey }, events);
  }

  #left(connection: LeafConnection): void {
    const deviceId = connection.deviceId;
    if (deviceId !== undefined && this.#leaves.get(deviceId) === connection) this.#leaves.delete(deviceId);
  }

  #scopeFetched(identities: ReadonlyMap<string, ScopeIdentity>): void {
    if (this.#scopeFailing || identities.size !== this.#scopeSize) {
      this.#log(`device scope of ${this.#parts.gateway.deviceId}: ${identities.size} leaf identities`);
    }
    this.#scopeFailing = false;
    this.#scopeSize = identities.size;
    const store = this.#identityStore;
    if (store !== undefined)
      this.#saving = this.#saving
        .then(() => store.save(identities))
        .catch((error: unknown) => this.#log(`Warning: the device scope is not stored: ${describe(error)}`));
    // as IoT Hub ends the connection of a device deleted or disabled, the edge hub ends the leaf's
    for (const [deviceId, connection] of this.#leaves) {
      const identity = identities.get(deviceId);
      if (identity === undefined) connection.close(`no longer in the device scope of ${this.#parts.gateway.deviceId}`);
      else if (!identity.enabled) connection.close('disabled at the hub');
    }
  }

  #scopeFailed(reason: string): void {
    if (this.#scopeFailing) return;
    this.#scopeFailing = true;
    this.#log(
      `Warning: device scope of ${this.#parts.gateway.deviceId} not fetched: ${reason}; ` +
        `keeping the ${this.#identities.size} identities known, trying again`,
    );
  }

  /** Writes a LOG line after the ones before it, without waiting for it. */
  #log(line: string): void {
    this.#logging = this.#logging.then(() => this.#parts.log(line)).catch(() => undefined);
  }
}

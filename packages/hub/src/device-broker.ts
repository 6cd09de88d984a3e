import type { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { createServer, type Server, type TLSSocket } from 'node:tls';
import {
  allowedFilters,
  type DeviceRequest,
  deviceRequest,
  isSignedWith,
  type JsonObject,
  type JsonValue,
  MAX_MESSAGE_BYTES,
  parseJson,
  parseSharedAccessSignature,
  propertyBag,
} from '@os/iothub';
import { Aedes, type AedesPublishPacket, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import type { HubRegistry } from './hub-registry.js';
import { PacketSizeLimit } from './packet-size-limit.js';
import { HubServiceError } from './hub-service-error.js';
import type { RegistryStore } from './registry-store.js';
import type { TelemetryMessage } from './telemetry-message.js';
import { sectionDocument } from './twin-state.js';

/** CONNACK return codes of MQTT 3.1.1 as IoT Hub uses them. */
const CONNACK = { identifierRejected: 2, serverUnavailable: 3, notAuthorized: 5 } as const;

/** What a device answered to a direct method. */
export interface MethodResult {
  /** The status the device answered with (`$iothub/methods/res/{status}`). */
  readonly status: number;
  /** The device's JSON answer (null when empty; the text when it is not JSON). */
  readonly payload: JsonValue;
}

interface DeviceSession {
  readonly client: Client;
  readonly filters: Set<string>;
  readonly expiry: NodeJS.Timeout;
}

interface PendingMethod {
  readonly deviceId: string;
  readonly resolve: (result: MethodResult) => void;
}

function lowerSubscriptionQos(packet: { cmd?: string; subscriptions?: { qos: number }[] }): void {
  if (packet.cmd !== 'subscribe') return;
  for (const subscription of packet.subscriptions ?? []) if (subscription.qos > 1) subscription.qos = 1;
}

function refusal(code: number, message: string): AuthenticateError {
  return Object.assign(new Error(message), { returnCode: code }) as AuthenticateError;
}

/** The host part of `name` (`localhost` of `localhost:8883`), lower case. */
function hostOf(name: string): string {
  return name.replace(/:\d+$/, '').toLowerCase();
}

/**
 * The device side of the hub: an aedes MQTT 3.1.1 broker over TLS that speaks IoT Hub's device protocol. It
 * authenticates each device by a SAS token signed with the device's key, lets a device use only its own topics and
 * `$iothub/...`, answers twin requests, sends desired patches and direct methods, and keeps telemetry.
 */
export class DeviceBroker {
  readonly #aedes: Aedes;
  readonly #server: Server;
  readonly #registry: HubRegistry;
  readonly #store: RegistryStore;
  readonly #hostNames: ReadonlySet<string>;
  readonly #sessions = new Map<string, DeviceSession>();
  readonly #pending = new Map<string, PendingMethod>();
  readonly #waiters = new Set<() => void>();
  readonly #telemetryListeners = new Set<(message: TelemetryMessage) => void>();
  readonly #tokenExpiry = new WeakMap<Client, number>();
  #nextRid = 1;

  private constructor(aedes: Aedes, server: Server, registry: HubRegistry, store: RegistryStore, hosts: Set<string>) {
    this.#aedes = aedes;
    this.#server = server;
    this.#registry = registry;
    this.#store = store;
    this.#hostNames = hosts;
  }

  /** A broker listening on `host:port` with the given TLS certificate; `hostNames` are the hub's names. */
  static async start(options: {
    readonly registry: HubRegistry;
    readonly store: RegistryStore;
    readonly cert: string;
    readonly key: string;
    readonly host: string;
    readonly port: number;
    readonly hostNames: readonly string[];
  }): Promise<DeviceBroker> {
    const aedes = await Aedes.createBroker({ maxClientsIdLength: 128, connectTimeout: 10_000 });
    const server = createServer(
      { cert: options.cert, key: options.key, minVersion: 'TLSv1.2' },
      (socket: TLSSocket) => {
        // each MQTT packet goes out at once: with Nagle's algorithm, a publish right after another small write waits
        // for the device's delayed ACK (40 ms)
        socket.setNoDelay(true);
        // a duplex of the socket's writes and the limited reads: aedes gets no packet over the limit
        const limited = socket.pipe(new PacketSizeLimit());
        limited.on('error', () => socket.destroy());
        const connection = Duplex.from({ readable: limited, writable: socket });
        socket.on('error', () => connection.destroy());
        const client = aedes.handle(connection) as Client & { _parser?: EventEmitter };
        // IoT Hub grants QoS 1 to a QoS 2 subscription; aedes grants the QoS asked before authorizeSubscribe runs,
        // so the request is lowered as its packet arrives, ahead of aedes' own listener
        client._parser?.prependListener('packet', lowerSubscriptionQos);
      },
    );
    // a client that breaks off the TLS handshake concerns only itself
    server.on('tlsClientError', () => {});
    const hosts = new Set(options.hostNames.map(hostOf));
    const broker = new DeviceBroker(aedes, server, options.registry, options.store, hosts);
    aedes.authenticate = (client, username, password, done) => broker.#authenticate(client, username, password, done);
    aedes.authorizeSubscribe = (client, subscription, done) => {
      const allowed = allowedFilters(client.id).includes(subscription.topic);
      if (allowed) broker.#sessions.get(client.id)?.filters.add(subscription.topic);
      // IoT Hub grants QoS 1 to a QoS 2 subscription; an undocumented filter gets SUBACK's failure code (0x80)
      done(null, allowed ? subscription : null);
      if (allowed) broker.#wake();
    };
    aedes.authorizePublish = (client, packet, done) => done(broker.#authorizePublish(client, packet));
    aedes.authorizeForward = (_client, packet) => (packet.topic.startsWith('$iothub/') ? packet : null);
    aedes.published = (packet, client, done) => {
      if (client !== null && client !== undefined) broker.#handle(client, packet);
      done(null);
    };
    aedes.on('clientReady', (client) => broker.#connected(client));
    aedes.on('clientDisconnect', (client) => broker.#disconnected(client));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port, options.host, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (error) {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      throw error;
    }
    return broker;
  }

  /** The TCP port the broker listens on. */
  get port(): number {
    const address = this.#server.address();
    return typeof address === 'object' && address !== null ? address.port : 0;
  }

  /** Whether `deviceId` has a connection now. */
  isConnected(deviceId: string): boolean {
    return this.#sessions.has(deviceId);
  }

  /** Calls `listener` with each telemetry message as it arrives; returns the function that stops it. */
  onTelemetry(listener: (message: TelemetryMessage) => void): () => void {
    this.#telemetryListeners.add(listener);
    return () => this.#telemetryListeners.delete(listener);
  }

  #authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (error: AuthenticateError | null, success: boolean | null) => void,
  ): void {
    const deviceId = client.id;
    const [host, userDevice] = (username ?? '').split('/');
    if (userDevice !== deviceId || host === undefined || !this.#hostNames.has(hostOf(host))) {
      done(refusal(CONNACK.notAuthorized, `username must be {hub host}/${deviceId}/?api-version=...`), false);
      return;
    }
    const record = this.#registry.lookup(deviceId);
    if (record === undefined) {
      done(refusal(CONNACK.notAuthorized, `device ${deviceId} is not registered`), false);
      return;
    }
    if (record.status !== 'enabled') {
      done(refusal(CONNACK.serverUnavailable, `device ${deviceId} is disabled`), false);
      return;
    }
    const token = parseSharedAccessSignature(password?.toString('utf8') ?? '');
    const resource = token?.resource.split('/') ?? [];
    const forDevice =
      resource.length === 3 &&
      this.#hostNames.has(hostOf(resource[0] ?? '')) &&
      resource[1] === 'devices' &&
      resource[2] === deviceId;
    if (
      token === undefined ||
      !forDevice ||
      !isSignedWith(token, [record.primaryKey, record.secondaryKey], Date.now())
    ) {
      done(refusal(CONNACK.notAuthorized, `no valid SAS token for device ${deviceId}`), false);
      return;
    }
    this.#tokenExpiry.set(client, token.expiry * 1000);
    done(null, true);
  }

  #connected(client: Client): void {
    const previous = this.#sessions.get(client.id);
    if (previous !== undefined && previous.client !== client) clearTimeout(previous.expiry);
    // IoT Hub ends a connection when its SAS token expires
    const left = (this.#tokenExpiry.get(client) ?? Date.now()) - Date.now();
    const expiry = setTimeout(() => client.close(), Math.max(0, Math.min(left, 2 ** 31 - 1)));
    expiry.unref();
    this.#sessions.set(client.id, { client, filters: new Set(), expiry });
    this.#wake();
  }

  #disconnected(client: Client): void {
    const session = this.#sessions.get(client.id);
    if (session?.client !== client) return;
    clearTimeout(session.expiry);
    this.#sessions.delete(client.id);
  }

  #authorizePublish(client: Client | null, packet: PublishPacket): Error | null {
    if (client === null) return null;
    // IoT Hub closes the connection of a device that publishes with QoS 2, elsewhere than its topics, or too much
    if (packet.qos === 2) return new Error(`device ${client.id}: QoS 2 is not supported`);
    const request = deviceRequest(client.id, packet.topic);
    if (request === undefined) return new Error(`device ${client.id} may not publish to ${packet.topic}`);
    const size = typeof packet.payload === 'string' ? Buffer.byteLength(packet.payload) : packet.payload.length;
    if (size > MAX_MESSAGE_BYTES) return new Error(`device ${client.id}: a message of ${size} bytes is over 256 KB`);
    if (packet.retain) {
      // IoT Hub keeps no retained message: it passes the message on with the mqtt-retain property
      packet.retain = false;
      if (request.kind === 'telemetry') {
        const bag = request.bag.length > 0 ? `${request.bag}&mqtt-retain=true` : 'mqtt-retain=true';
        packet.topic = `devices/${client.id}/messages/events/${bag}`;
      }
    }
    return null;
  }

  #handle(client: Client, packet: AedesPublishPacket): void {
    const request = deviceRequest(client.id, packet.topic);
    if (request === undefined) return;
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    try {
      this.#answer(client, request, payload);
    } catch (error) {
      // the device was deleted under its connection: IoT Hub drops it
      if (error instanceof HubServiceError && error.status === 404) client.close();
      else throw error;
    }
  }

  #answer(client: Client, request: DeviceRequest, payload: Buffer): void {
    switch (request.kind) {
      case 'twin-get': {
        const twin = this.#registry.twin(client.id);
        const body = { desired: sectionDocument(twin.desired, false), reported: sectionDocument(twin.reported, false) };
        this.#send(client, `$iothub/twin/res/200/?$rid=${request.rid}`, JSON.stringify(body));
        return;
      }
      case 'twin-reported': {
        const patch = parseJson(payload.toString('utf8'));
        try {
          const version = this.#registry.patchReported(client.id, patch === undefined ? 'malformed JSON' : patch);
          this.#send(client, `$iothub/twin/res/204/?$rid=${request.rid}&$version=${version}`, '');
          return;
        } catch (error) {
          if (!(error instanceof HubServiceError) || error.status !== 400) throw error;
          const body = JSON.stringify({ errorCode: 400004, message: error.message });
          this.#send(client, `$iothub/twin/res/400/?$rid=${request.rid}`, body);
          return;
        }
      }
      case 'method-response': {
        const pending = this.#pending.get(request.rid);
        if (pending === undefined || pending.deviceId !== client.id) return;
        this.#pending.delete(request.rid);
        const text = payload.toString('utf8');
        const parsed = text.length === 0 ? null : parseJson(text);
        pending.resolve({ status: request.status, payload: parsed === undefined ? text : parsed });
        return;
      }
      case 'telemetry': {
        const message: TelemetryMessage = {
          deviceId: client.id,
          enqueuedTime: new Date().toISOString(),
          body: payload,
          ...propertyBag(request.bag),
        };
        this.#store.addTelemetry(message);
        for (const listener of this.#telemetryListeners) listener(message);
        return;
      }
    }
  }

  #send(client: Client, topic: string, body: string): void {
    client.publish({ cmd: 'publish', topic, payload: Buffer.from(body), qos: 0, retain: false, dup: false }, () => {});
  }

  /** Sends a desired-properties patch (with its `$version`) to the device if it is connected and subscribed. */
  notifyDesired(deviceId: string, patch: JsonObject): void {
    const session = this.#sessions.get(deviceId);
    if (session === undefined || !session.filters.has('$iothub/twin/PATCH/properties/desired/#')) return;
    this.#send(
      session.client,
      `$iothub/twin/PATCH/properties/desired/?$version=${patch['$version']}`,
      JSON.stringify(patch),
    );
  }

  /** Ends the device's connection (deleted, disabled, new keys). */
  disconnect(deviceId: string): void {
    this.#sessions.get(deviceId)?.client.close();
  }

  #wake(): void {
    for (const waiter of this.#waiters) waiter();
  }

  /** Waits up to `ms` for `ready()`, checked now and on every connection or subscription. */
  async #waitFor(ready: () => boolean, ms: number): Promise<boolean> {
    if (ready()) return true;
    return new Promise<boolean>((resolve) => {
      const finish = (value: boolean): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(value);
      };
      const check = (): void => {
        if (ready()) finish(true);
      };
      const timer = setTimeout(() => finish(false), ms);
      this.#waiters.add(check);
    });
  }

  /**
   * Invokes direct method `name` on the device: waits up to `connectTimeoutS` for the device to be connected and
   * subscribed to methods (else 404 DeviceNotOnline), then up to `responseTimeoutS` for its answer (else 504).
   */
  async invokeMethod(
    deviceId: string,
    name: string,
    payload: JsonValue,
    responseTimeoutS: number,
    connectTimeoutS: number,
  ): Promise<MethodResult> {
    const online = (): boolean => this.#sessions.get(deviceId)?.filters.has('$iothub/methods/POST/#') === true;
    if (!(await this.#waitFor(online, connectTimeoutS * 1000))) {
      throw new HubServiceError(
        404,
        'DeviceNotOnline',
        `Device ${deviceId} is not connected or not listening to methods`,
      );
    }
    const session = this.#sessions.get(deviceId);
    if (session === undefined) throw new HubServiceError(404, 'DeviceNotOnline', `Device ${deviceId} went offline`);
    const rid = (this.#nextRid++).toString(16);
    const answered = new Promise<MethodResult>((resolve) => this.#pending.set(rid, { deviceId, resolve }));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        this.#pending.delete(rid);
        reject(
          new HubServiceError(
            504,
            'GatewayTimeout',
            `Device ${deviceId} did not answer ${name} in ${responseTimeoutS} s`,
          ),
        );
      }, responseTimeoutS * 1000);
    });
    this.#send(session.client, `$iothub/methods/POST/${name}/?$rid=${rid}`, JSON.stringify(payload));
    try {
      return await Promise.race([answered, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops listening, ends every connection and the broker. */
  async close(): Promise<void> {
    for (const session of this.#sessions.values()) clearTimeout(session.expiry);
    await new Promise<void>((resolve) => this.#aedes.close(() => resolve()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

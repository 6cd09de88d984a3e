import { API_VERSION, createSharedAccessSignature } from '@os/iothub';
import type { Net } from '@os/net';
import { NetStream } from '@os/net/stream';
import { MqttClient } from 'mqtt';
import type { LeafIdentity } from '../upstream-link.js';
import { HubConnectionDown } from './upstream-errors.js';

/** Where IoT Hub is. */
export interface HubEndpoint {
  /** The hub's host name as devices name it (username, token resource): `myhub.azure-devices.net`. */
  readonly hostName: string;
  /** The host to connect to (through the Net session). */
  readonly host: string;
  /** Its MQTT port (8883 for IoT Hub). */
  readonly port: number;
}

/** What a connection needs. */
export interface HubConnectionParts {
  readonly net: Net.Connection;
  readonly hub: HubEndpoint;
  /** The CA certificate (PEM) the hub's certificate must chain to, or undefined for the host's CAs. */
  readonly ca: string | undefined;
  /** The leaf device the connection is. */
  readonly identity: LeafIdentity;
  /** Which of its keys signs the token. */
  readonly key: 'primary' | 'secondary';
  /** Seconds since the epoch, for the token's expiry. */
  readonly nowS: number;
  /** How long the SAS token is valid, in seconds. */
  readonly tokenLifetimeS: number;
  readonly keepaliveS: number;
  /** Bound on the TCP, TLS and MQTT connect. */
  readonly timeoutMs: number;
  /** Told each publish the hub sends the device. */
  readonly onMessage: (topic: string, payload: Uint8Array) => void;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** CONNACK return codes of MQTT 3.1.1, as IoT Hub uses them. */
const CONNACK: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable (a disabled device)',
  4: 'bad user name or password',
  5: 'not authorized (unknown device, wrong key, expired token)',
};

/**
 * One MQTT 3.1.1 connection to IoT Hub as a leaf device (mqtt.js over a `NetStream`: every byte goes through the Net
 * session), with a SAS token the gateway signs with the leaf's key: what IoT Edge's edge hub opens per leaf over MQTT.
 */
export class HubConnection {
  readonly #client: MqttClient;
  readonly #closed: Promise<string>;
  readonly #waiting = new Set<(error: Error) => void>();
  #reason: string | undefined;
  #refusedCredentials = false;
  #down = false;
  /** How long the token this connection was made with stays valid from when it was made, in milliseconds. */
  readonly tokenValidMs: number;

  private constructor(client: MqttClient, tokenValidMs: number, onMessage: HubConnectionParts['onMessage']) {
    this.#client = client;
    this.tokenValidMs = tokenValidMs;
    this.#closed = new Promise<string>((resolve) => {
      client.on('close', () => {
        if (this.#down) return;
        this.#down = true;
        const reason = this.#reason ?? 'the hub closed the connection';
        for (const fail of this.#waiting) fail(new HubConnectionDown(reason));
        this.#waiting.clear();
        resolve(reason);
      });
    });
    client.on('error', (error) => {
      const code = (error as { code?: unknown }).code;
      if (code === 4 || code === 5) this.#refusedCredentials = true;
      this.#reason ??=
        typeof code === 'number' && CONNACK[code] !== undefined ? `CONNACK ${code}: ${CONNACK[code]}` : describe(error);
    });
    client.on('message', (topic, payload) => onMessage(topic, payload));
  }

  /** Connects (TCP and TLS through the Net session, then MQTT); rejects with {@link HubConnectionDown} saying why. */
  static async open(parts: HubConnectionParts): Promise<HubConnection> {
    const { hub, net, identity } = parts;
    const expiry = Math.floor(parts.nowS) + parts.tokenLifetimeS;
    const tls = {
      ...(parts.ca === undefined ? {} : { ca: parts.ca }),
      ...(isIpAddress(hub.host) ? {} : { servername: hub.host }),
    };
    let streamError: string | undefined;
    const client = new MqttClient(
      () => {
        const stream = new NetStream(net.connect({ host: hub.host, port: hub.port, tls, timeoutMs: parts.timeoutMs }));
        stream.on('error', (error: Error) => {
          streamError ??= describe(error);
        });
        // the stream allows half-open connections; MQTT has none: the hub's end is the connection's
        stream.on('end', () => {
          streamError ??= 'the hub closed the connection';
          stream.destroy();
        });
        return stream;
      },
      {
        protocolVersion: 4,
        clientId: identity.deviceId,
        username: `${hub.hostName}/${identity.deviceId}/?api-version=${API_VERSION}`,
        password: createSharedAccessSignature(
          `${hub.hostName}/devices/${identity.deviceId}`,
          parts.key === 'primary' ? identity.primaryKey : identity.secondaryKey,
          expiry,
        ),
        clean: true,
        keepalive: parts.keepaliveS,
        reconnectPeriod: 0,
        connectTimeout: parts.timeoutMs,
        resubscribe: false,
      },
    );
    const connection = new HubConnection(client, (expiry - parts.nowS) * 1000, parts.onMessage);
    const connected = await Promise.race([
      new Promise<true>((resolve) => client.once('connect', () => resolve(true))),
      connection.#closed.then(() => false as const),
    ]);
    if (!connected) {
      const error = new HubConnectionDown(connection.#reason ?? streamError ?? 'the hub closed the connection');
      error.refusedCredentials = connection.#refusedCredentials;
      throw error;
    }
    return connection;
  }

  /** Resolves with why the connection went down, once it has. */
  get closed(): Promise<string> {
    return this.#closed;
  }

  /** Whether the connection went down. */
  get down(): boolean {
    return this.#down;
  }

  /**
   * Publishes `payload` on `topic`; with QoS 1 resolves at the hub's PUBACK. Rejects with {@link HubConnectionDown}
   * when the connection goes down first.
   */
  publish(topic: string, payload: Uint8Array, qos: 0 | 1): Promise<void> {
    return this.#await((done) =>
      this.#client.publish(
        topic,
        Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength),
        { qos },
        (error) => done(error),
      ),
    );
  }

  /** Subscribes to `filters` (QoS 1 asked); answers the filters the hub refused (SUBACK 0x80). */
  async subscribe(filters: readonly string[]): Promise<string[]> {
    if (filters.length === 0) return [];
    let granted: { topic: string; qos: number }[] = [];
    await this.#await((done) =>
      this.#client.subscribe([...filters], { qos: 1 }, (error, grants) => {
        granted = grants ?? [];
        done(error);
      }),
    );
    return granted.filter((grant) => grant.qos > 2).map((grant) => grant.topic);
  }

  /** Unsubscribes from `filters`. */
  async unsubscribe(filters: readonly string[]): Promise<void> {
    if (filters.length === 0) return;
    await this.#await((done) => this.#client.unsubscribe([...filters], (error) => done(error)));
  }

  /** Ends the connection (`reason` is what `closed` then says, unless it is down already) and waits until it is. */
  async end(reason?: string): Promise<void> {
    this.#reason ??= reason;
    await this.#client.endAsync(true);
  }

  /** Runs `start` with a callback; resolves or rejects with it, or rejects when the connection goes down first. */
  #await(start: (done: (error: Error | null | undefined) => void) => void): Promise<void> {
    if (this.#down) return Promise.reject(new HubConnectionDown(this.#reason ?? 'the connection is down'));
    return new Promise<void>((resolve, reject) => {
      const fail = (error: Error): void => {
        this.#waiting.delete(fail);
        reject(error);
      };
      this.#waiting.add(fail);
      start((error) => {
        if (!this.#waiting.delete(fail)) return;
        if (error === undefined || error === null) resolve();
        else reject(this.#down ? new HubConnectionDown(this.#reason ?? error.message) : error);
      });
    });
  }
}

import {
  API_VERSION,
  createSharedAccessSignature,
  DESIRED_PATCH_FILTER,
  parseDesiredPatchTopic,
  parseTwinResponseTopic,
  TWIN_RESPONSE_FILTER,
} from '@os/iothub';
import type { Net } from '@os/net';
import { NetStream } from '@os/net/stream';
import { MqttClient } from 'mqtt';
import type { TimeoutScheduler } from '@os/timer';
import type { TwinConfig } from './twin-config.js';

/** The hub's answer to a twin request. */
export interface TwinAnswer {
  /** 200, 204, 400, 429, 5xx. */
  readonly status: number;
  /** The reported `$version` a 204 carries. */
  readonly version: number | undefined;
  /** The body, as text. */
  readonly body: string;
}

/** A link that ended, or never came up; the message says why. */
export class TwinLinkDown extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = 'TwinLinkDown';
  }
}

/** What a link needs. */
export interface TwinLinkParts {
  readonly net: Net.Connection;
  readonly config: TwinConfig;
  readonly alarms: TimeoutScheduler;
  /** The CA certificate (PEM) to trust, or undefined for the host's CAs. */
  readonly ca: string | undefined;
  /** Seconds since the epoch, for the token's expiry. */
  readonly nowS: number;
  /** Told each desired notification: its topic's `$version` (undefined when it has none) and payload. */
  readonly onDesired: (version: number | undefined, payload: Uint8Array) => void;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/**
 * One MQTT 3.1.1 connection to the hub as the device (mqtt.js over a `NetStream`: every byte goes through the Net
 * session), subscribed to the twin's answers and desired notifications; twin requests go out with a `$rid` and
 * their answers come back by it.
 */
export class TwinLink {
  readonly #client: MqttClient;
  readonly #parts: TwinLinkParts;
  readonly #pending = new Map<string, { answer: (answer: TwinAnswer) => void; fail: (error: Error) => void }>();
  readonly #closed: Promise<string>;
  #reason: string | undefined;
  #nextRid = 1;
  #down = false;
  /** How long the token this link connected with stays valid from when it was made, in milliseconds. */
  readonly tokenValidMs: number;

  private constructor(client: MqttClient, parts: TwinLinkParts, tokenValidMs: number) {
    this.#client = client;
    this.#parts = parts;
    this.tokenValidMs = tokenValidMs;
    this.#closed = new Promise<string>((resolve) => {
      client.on('close', () => {
        this.#down = true;
        const reason = this.#reason ?? 'the hub closed the connection';
        for (const pending of this.#pending.values()) pending.fail(new TwinLinkDown(reason));
        this.#pending.clear();
        resolve(reason);
      });
    });
    client.on('error', (error) => {
      this.#reason ??= describe(error);
    });
    client.on('message', (topic, payload) => this.#received(topic, payload));
  }

  /**
   * Connects (TCP and TLS through the Net session, then MQTT with the device's SAS token) and subscribes; rejects
   * with {@link TwinLinkDown} saying why not.
   */
  static async open(parts: TwinLinkParts): Promise<TwinLink> {
    const { config, net } = parts;
    const { hostName, deviceId, sharedAccessKey } = config.device;
    const expiry = Math.floor(parts.nowS) + config.tokenLifetimeS;
    const tls = {
      ...(parts.ca === undefined ? {} : { ca: parts.ca }),
      ...(isIpAddress(config.host) ? {} : { servername: config.host }),
    };
    let streamError: string | undefined;
    const client = new MqttClient(
      () => {
        const stream = new NetStream(
          net.connect({ host: config.host, port: config.port, tls, timeoutMs: config.timeoutMs }),
        );
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
        clientId: deviceId,
        username: `${hostName}/${deviceId}/?api-version=${API_VERSION}`,
        password: createSharedAccessSignature(`${hostName}/devices/${deviceId}`, sharedAccessKey, expiry),
        clean: true,
        keepalive: config.keepaliveS,
        reconnectPeriod: 0,
        connectTimeout: config.timeoutMs,
        resubscribe: false,
      },
    );
    const link = new TwinLink(client, parts, (expiry - parts.nowS) * 1000);
    const connected = await Promise.race([
      new Promise<true>((resolve) => client.once('connect', () => resolve(true))),
      link.#closed.then(() => false as const),
    ]);
    if (!connected) throw new TwinLinkDown(streamError ?? link.#reason ?? 'the hub closed the connection');
    try {
      const granted = await client.subscribeAsync({
        [TWIN_RESPONSE_FILTER]: { qos: 0 },
        [DESIRED_PATCH_FILTER]: { qos: 1 },
      });
      const refused = granted.filter((grant) => grant.qos > 2).map((grant) => grant.topic);
      if (refused.length > 0) throw new TwinLinkDown(`the hub refused the subscription to ${refused.join(', ')}`);
    } catch (error) {
      await link.end();
      throw error instanceof TwinLinkDown ? error : new TwinLinkDown(describe(error));
    }
    return link;
  }

  /** Resolves with why the link went down, once it has. */
  get closed(): Promise<string> {
    return this.#closed;
  }

  /** Whether the link went down. */
  get down(): boolean {
    return this.#down;
  }

  /**
   * Publishes a twin request on the topic `topicOf(rid)` and resolves with the hub's answer. Rejects with
   * {@link TwinLinkDown} when the link goes down first, or when no answer came within the config's `timeout_ms`
   * (then it ends the link: a hub that does not answer is treated as gone).
   */
  async request(topicOf: (rid: string) => string, payload: string): Promise<TwinAnswer> {
    if (this.#down) throw new TwinLinkDown(this.#reason ?? 'the link is down');
    const rid = String(this.#nextRid++);
    const answered = new Promise<TwinAnswer>((answer, fail) => this.#pending.set(rid, { answer, fail }));
    // it may fail while the publish is under way; it is awaited below
    answered.catch(() => undefined);
    const cancel = await this.#parts.alarms.schedule(this.#parts.config.timeoutMs, () => {
      const pending = this.#pending.get(rid);
      if (pending === undefined) return;
      this.#reason ??= `no answer to ${topicOf(rid)} within ${this.#parts.config.timeoutMs} ms`;
      void this.end();
    });
    try {
      try {
        await this.#client.publishAsync(topicOf(rid), payload, { qos: 0 });
      } catch (error) {
        throw new TwinLinkDown(this.#reason ?? describe(error));
      }
      return await answered;
    } finally {
      this.#pending.delete(rid);
      cancel();
    }
  }

  /** Ends the connection (`reason` is what `closed` then says, unless the link is already down). */
  async end(reason?: string): Promise<void> {
    this.#reason ??= reason;
    await this.#client.endAsync(true);
  }

  #received(topic: string, payload: Uint8Array): void {
    const response = parseTwinResponseTopic(topic);
    if (response !== undefined) {
      const pending = this.#pending.get(response.rid);
      if (pending === undefined) return;
      this.#pending.delete(response.rid);
      pending.answer({ status: response.status, version: response.version, body: new TextDecoder().decode(payload) });
      return;
    }
    if (topic.startsWith('$iothub/twin/PATCH/properties/desired/')) {
      this.#parts.onDesired(parseDesiredPatchTopic(topic), payload);
    }
  }
}

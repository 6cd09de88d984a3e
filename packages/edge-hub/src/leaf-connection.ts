import { allowedFilters, deviceRequest, MAX_MESSAGE_BYTES } from '@os/iothub';
import type { NetSocket } from '@os/net';
import {
  generate,
  type IConnectPacket,
  type IPublishPacket,
  type ISubscribePacket,
  type Packet,
  parser,
} from 'mqtt-packet';
import type { ScopeIdentity } from './device-scope-client.js';
import type { EdgeHubConfig } from './edge-hub-config.js';
import { type Authentication, CONNACK, type LeafCredentials } from './leaf-authentication.js';
import type { Ticker } from './ticker.js';
import { TokenBucket } from './token-bucket.js';
import type { LeafLink, UpstreamEvents } from './upstream-link.js';

/** The longest MQTT packet read from an authenticated leaf: IoT Hub's 256 KB message, its topic and headers. */
export const MAX_PACKET_BYTES = MAX_MESSAGE_BYTES + 64 * 1024;

/** The longest packet before CONNECT is accepted: a client id, a username and a SAS token (at most 4 KB). */
const MAX_CONNECT_BYTES = 8 * 1024;

/** IoT Hub's longest keep-alive, in seconds; a leaf asking for none or more gets this one. */
export const MAX_KEEPALIVE_S = 1177;

/** How often a throttled leaf is logged as throttled, at most, in milliseconds. */
const THROTTLE_LOG_MS = 60_000;

/** How long a refused leaf has to close after its CONNACK, in milliseconds. */
const LINGER_MS = 2000;

/** What a leaf connection needs of the edge hub around it. */
export interface LeafConnectionHost {
  readonly config: EdgeHubConfig;
  readonly ticker: Ticker;
  /** Checks a CONNECT's credentials. */
  authenticate(credentials: LeafCredentials): Promise<Authentication>;
  /** Takes an authenticated leaf in (closing an older connection of the device); else says why not. */
  admit(connection: LeafConnection): string | undefined;
  /** Opens the leaf's upstream side. */
  link(identity: ScopeIdentity, events: UpstreamEvents): LeafLink;
  /** The connection ended. */
  left(connection: LeafConnection): void;
  /** Writes a LOG line (in order, without waiting). */
  log(line: string): void;
}

type Phase = 'connecting' | 'connected' | 'lingering' | 'closed';

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Whether a leaf subscribed to `filter` gets `topic` (filters here end in `#` or are exact). */
function matches(filter: string, topic: string): boolean {
  return filter.endsWith('#') ? topic.startsWith(filter.slice(0, -1)) : filter === topic;
}

/**
 * One leaf device's MQTT 3.1.1 connection, server side, as IoT Hub speaks it: CONNECT and its CONNACK, PUBLISH at
 * QoS 0 and 1 (telemetry to the leaf's link, PUBACKed in order once the link took it; `$iothub/...` requests passed
 * on), SUBSCRIBE to IoT Hub's filters, UNSUBSCRIBE, PINGREQ, DISCONNECT, keep-alive. Framing is mqtt-packet's.
 * Bounded: a packet over the limit, QoS 2, another device's topic or a message over 256 KB ends the connection;
 * publishes wait for the leaf's token bucket and for room among its messages in flight, and while they wait the
 * leaf's bytes stay unread (backpressure through the Net session's rings down to TCP).
 */
export class LeafConnection {
  readonly #socket: NetSocket;
  readonly #host: LeafConnectionHost;
  readonly #parser = parser({ protocolVersion: 4 });
  readonly #packets: Packet[] = [];
  readonly #filters = new Set<string>();
  #phase: Phase = 'connecting';
  #parseError: Error | undefined;
  #identity: ScopeIdentity | undefined;
  #link: LeafLink | undefined;
  #bucket: TokenBucket | undefined;
  /** Publishes handed to the link whose answer is still out. */
  #inFlight = 0;
  #settled: (() => void) | undefined;
  /** PUBACKs go out in the order of their PUBLISHes: each waits for the one before. */
  #acks: Promise<void> = Promise.resolve();
  /** Bytes written to the leaf and not yet in the socket's ring, and the last write. */
  #pendingBytes = 0;
  #written: Promise<void> = Promise.resolve();
  /** Clock time of the last packet (or of the start), and whether a read is waiting for the leaf. */
  #lastPacketAt: number;
  #waitingForLeaf = false;
  #keepaliveMs = 0;
  #deadline = Number.POSITIVE_INFINITY;
  #expiresAt = Number.POSITIVE_INFINITY;
  #throttledAt = Number.NEGATIVE_INFINITY;

  /** A connection over an accepted `socket`; `run` serves it. */
  constructor(socket: NetSocket, host: LeafConnectionHost) {
    this.#socket = socket;
    this.#host = host;
    this.#lastPacketAt = host.ticker.now();
    this.#deadline = this.#lastPacketAt + host.config.connectTimeoutMs;
    this.#parser.on('packet', (packet: Packet) => this.#packets.push(packet));
    this.#parser.on('error', (error: Error) => {
      this.#parseError ??= error;
    });
  }

  /** The device id once authenticated, else undefined. */
  get deviceId(): string | undefined {
    return this.#identity?.deviceId;
  }

  /** Whether the leaf is authenticated and connected. */
  get connected(): boolean {
    return this.#phase === 'connected';
  }

  /** Serves the connection until it ends; never rejects. */
  async run(): Promise<void> {
    try {
      while (this.#phase !== 'closed') {
        this.#waitingForLeaf = true;
        const chunk = await this.#socket.read();
        this.#waitingForLeaf = false;
        if (chunk === null) {
          this.close(this.#host.config.verbose ? 'the leaf closed its connection' : undefined);
          break;
        }
        if (this.#phase === 'lingering') continue;
        this.#lastPacketAt = this.#host.ticker.now();
        this.#parser.parse(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
        await this.#handleAll();
        this.#checkPacketLength();
      }
    } catch (error) {
      this.close(this.#phase === 'connected' ? `its connection failed: ${describe(error)}` : undefined);
    }
  }

  /** Checks the keep-alive, the connect timeout and the token's expiry at a tick of the edge hub's clock. */
  tick(now: number): void {
    if (this.#phase === 'closed') return;
    if (now >= this.#deadline) {
      if (this.#phase === 'connecting') this.close(undefined, 'sent no CONNECT in time');
      else this.close();
      return;
    }
    if (now >= this.#expiresAt) {
      this.close('its SAS token expired (IoT Hub closes the connection then)');
      return;
    }
    // a leaf whose reads are paused here (throttled) is not the one keeping quiet
    if (this.#keepaliveMs > 0 && this.#waitingForLeaf && now - this.#lastPacketAt > this.#keepaliveMs * 1.5) {
      this.close(`sent nothing for 1.5 times its keep-alive of ${this.#keepaliveMs / 1000} s`);
    }
  }

  /**
   * Ends the connection (at once; what was not sent is dropped) and the leaf's link. `reason`, when given, is logged
   * as the device's; `anonymous` is logged for a connection not authenticated yet.
   */
  close(reason?: string, anonymous?: string): void {
    if (this.#phase === 'closed') return;
    const wasConnected = this.#phase === 'connected';
    this.#phase = 'closed';
    this.#settled?.();
    if (reason !== undefined && this.#identity !== undefined)
      this.#host.log(`device ${this.#identity.deviceId}: ${reason}`);
    else if (anonymous !== undefined) this.#host.log(`a connection ${anonymous}; closed`);
    const link = this.#link;
    this.#link = undefined;
    if (link !== undefined) {
      void link
        .close()
        .catch((error: unknown) => this.#host.log(`device ${this.deviceId}: closing its link: ${describe(error)}`));
    }
    if (wasConnected) this.#host.left(this);
    void this.#socket.close().catch(() => undefined);
  }

  /** Handles the packets parsed so far, one at a time; a parse error ends the connection. */
  async #handleAll(): Promise<void> {
    for (let packet = this.#packets.shift(); packet !== undefined; packet = this.#packets.shift()) {
      if (this.#phase === 'closed' || this.#phase === 'lingering') {
        this.#packets.length = 0;
        return;
      }
      await this.#handle(packet);
    }
    if (this.#parseError !== undefined && this.#phase !== 'closed') {
      this.#refuseProtocol(`sent a malformed MQTT packet (${this.#parseError.message})`);
    }
  }

  /** Ends a connection that broke the protocol, logging why. */
  #refuseProtocol(what: string): void {
    if (this.#identity !== undefined) this.close(what);
    else this.close(undefined, what);
  }

  /** Checks the packet being read: its announced length may not pass the bound of this phase. */
  #checkPacketLength(): void {
    if (this.#phase === 'closed' || this.#phase === 'lingering') return;
    const length = (this.#parser as { packet?: { length?: number } }).packet?.length ?? -1;
    const limit = this.#phase === 'connected' ? MAX_PACKET_BYTES : MAX_CONNECT_BYTES;
    if (length > limit) {
      this.#refuseProtocol(
        this.#phase === 'connected'
          ? `sent a packet of ${length} bytes, over IoT Hub's 256 KB message limit (IoT Hub closes the connection)`
          : `announced a CONNECT of ${length} bytes, over ${limit}`,
      );
    }
  }

  async #handle(packet: Packet): Promise<void> {
    if (this.#phase === 'connecting') {
      if (packet.cmd !== 'connect') this.#refuseProtocol(`sent ${packet.cmd} before CONNECT`);
      else await this.#connect(packet);
      return;
    }
    this.#lastPacketAt = this.#host.ticker.now();
    switch (packet.cmd) {
      case 'publish':
        return this.#publish(packet);
      case 'subscribe':
        return this.#subscribe(packet);
      case 'unsubscribe':
        for (const filter of packet.unsubscriptions) this.#filters.delete(filter);
        this.#send({ cmd: 'unsuback', messageId: packet.messageId ?? 0, granted: [] });
        return;
      case 'pingreq':
        this.#send({ cmd: 'pingresp' });
        return;
      case 'disconnect':
        this.close(this.#host.config.verbose ? 'disconnected' : undefined);
        return;
      case 'puback':
        return;
      default:
        this.close(`sent ${packet.cmd}, which IoT Hub does not take from a device`);
    }
  }

  async #connect(packet: IConnectPacket): Promise<void> {
    if (packet.protocolId !== 'MQTT' || packet.protocolVersion !== 4) {
      this.#send({ cmd: 'connack', returnCode: CONNACK.unacceptableProtocol, sessionPresent: false });
      const asked = `MQTT ${packet.protocolId ?? ''} version ${packet.protocolVersion ?? '?'}`;
      const device = `device ${packet.clientId.slice(0, 128)}`;
      await this.#linger(
        `refused ${device}: it speaks ${asked}, not MQTT 3.1.1 (CONNACK ${CONNACK.unacceptableProtocol})`,
      );
      return;
    }
    const credentials: LeafCredentials = {
      clientId: packet.clientId,
      username: packet.username,
      password: packet.password?.toString('utf8'),
    };
    const authentication = await this.#host.authenticate(credentials);
    if (this.#phase !== 'connecting') return;
    const device = `device ${credentials.clientId.slice(0, 128)}`;
    if (!authentication.accepted) {
      this.#send({ cmd: 'connack', returnCode: authentication.code, sessionPresent: false });
      await this.#linger(`refused ${device}: ${authentication.reason} (CONNACK ${authentication.code})`);
      return;
    }
    this.#identity = authentication.identity;
    const refusal = this.#host.admit(this);
    if (refusal !== undefined) {
      this.#identity = undefined;
      this.#send({ cmd: 'connack', returnCode: CONNACK.serverUnavailable, sessionPresent: false });
      await this.#linger(`refused ${device}: ${refusal} (CONNACK ${CONNACK.serverUnavailable})`);
      return;
    }
    const now = this.#host.ticker.now();
    this.#phase = 'connected';
    this.#deadline = Number.POSITIVE_INFINITY;
    this.#expiresAt = now + authentication.validForMs;
    const keepalive = packet.keepalive ?? 0;
    this.#keepaliveMs = (keepalive === 0 || keepalive > MAX_KEEPALIVE_S ? MAX_KEEPALIVE_S : keepalive) * 1000;
    this.#bucket = new TokenBucket(this.#host.config.leafRate, this.#host.config.leafBurst, now);
    this.#link = this.#host.link(authentication.identity, {
      message: (topic, payload) => this.#deliver(topic, payload),
    });
    this.#send({ cmd: 'connack', returnCode: CONNACK.accepted, sessionPresent: false });
    if (this.#host.config.verbose) this.#host.log(`${device} connected`);
  }

  /** Logs a refusal, ends the sending side after the CONNACK and gives the leaf a moment to close. */
  async #linger(line: string): Promise<void> {
    this.#host.log(line);
    this.#phase = 'lingering';
    this.#deadline = this.#host.ticker.now() + LINGER_MS;
    // NetSocket's end refuses the writes still waiting in its queue: the CONNACK goes into the ring first
    await this.#written;
    await this.#socket.end().catch(() => this.close());
  }

  async #publish(packet: IPublishPacket): Promise<void> {
    const deviceId = this.deviceId ?? '';
    // IoT Hub closes the connection of a device that publishes with QoS 2, elsewhere than its topics, or too much
    if (packet.qos === 2) return this.close('published with QoS 2, which IoT Hub does not support');
    const request = deviceRequest(deviceId, packet.topic);
    if (request === undefined) return this.close(`may not publish to ${packet.topic.slice(0, 300)}`);
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
    if (payload.length > MAX_MESSAGE_BYTES) {
      return this.close(`sent a message of ${payload.length} bytes, over IoT Hub's 256 KB limit`);
    }
    await this.#takeToken();
    await this.#roomInFlight();
    const link = this.#link;
    if (this.#phase !== 'connected' || link === undefined) return;
    this.#inFlight++;
    let taken: Promise<void>;
    if (request.kind === 'telemetry') {
      // IoT Hub keeps no retained message: it passes the message on with the mqtt-retain property
      const retained = request.bag.length > 0 ? `${request.bag}&mqtt-retain=true` : 'mqtt-retain=true';
      taken = link.send({ properties: packet.retain ? retained : request.bag, body: new Uint8Array(payload) });
    } else {
      taken = link.publish(packet.topic, new Uint8Array(payload)).catch((error: unknown) => {
        this.#host.log(`device ${deviceId}: ${packet.topic.slice(0, 120)} not passed upstream: ${describe(error)}`);
      });
    }
    const done = taken.finally(() => {
      this.#inFlight--;
      this.#settled?.();
    });
    const messageId = packet.messageId ?? 0;
    const previous = this.#acks;
    this.#acks = previous
      .then(() => done)
      .then(
        () => {
          if (packet.qos === 1) this.#send({ cmd: 'puback', messageId });
        },
        (error: unknown) =>
          this.close(`a message was not taken upstream, so it is not acknowledged: ${describe(error)}`),
      );
  }

  /** Waits for a token of the leaf's bucket, tick by tick. */
  async #takeToken(): Promise<void> {
    const bucket = this.#bucket;
    if (bucket === undefined) return;
    while (this.#phase === 'connected' && !bucket.take(this.#host.ticker.now())) {
      const now = this.#host.ticker.now();
      if (now - this.#throttledAt >= THROTTLE_LOG_MS) {
        this.#throttledAt = now;
        const { leafRate, leafBurst } = this.#host.config;
        this.#host.log(
          `device ${this.deviceId}: publishes faster than leaf_rate="${leafRate}" (leaf_burst="${leafBurst}"); ` +
            'its reads wait',
        );
      }
      await this.#host.ticker.next();
    }
  }

  /** Waits until fewer than `max_in_flight` publishes of the leaf await the link's answer. */
  async #roomInFlight(): Promise<void> {
    while (this.#phase === 'connected' && this.#inFlight >= this.#host.config.maxInFlight) {
      await new Promise<void>((resolve) => (this.#settled = resolve));
      this.#settled = undefined;
    }
  }

  async #subscribe(packet: ISubscribePacket): Promise<void> {
    const deviceId = this.deviceId ?? '';
    const allowed = allowedFilters(deviceId);
    const granted: number[] = [];
    for (const { topic, qos } of packet.subscriptions) {
      const link = this.#link;
      if (!allowed.includes(topic) || link === undefined) {
        // an undocumented filter gets SUBACK's failure code (0x80), as the hub gives it
        if (link !== undefined) this.#host.log(`device ${deviceId}: may not subscribe to ${topic.slice(0, 300)}`);
        granted.push(0x80);
        continue;
      }
      try {
        await link.subscribe(topic);
        this.#filters.add(topic);
        // IoT Hub grants QoS 1 to a QoS 2 subscription
        granted.push(Math.min(qos, 1));
      } catch (error) {
        this.#host.log(`device ${deviceId}: subscription to ${topic} failed upstream: ${describe(error)}`);
        granted.push(0x80);
      }
    }
    this.#send({ cmd: 'suback', messageId: packet.messageId ?? 0, granted });
  }

  /** A message from upstream for the leaf: sent at QoS 0 if the leaf subscribed to it. */
  #deliver(topic: string, payload: Uint8Array): void {
    if (this.#phase !== 'connected') return;
    if (![...this.#filters].some((filter) => matches(filter, topic))) return;
    const body = Buffer.from(payload.buffer, payload.byteOffset, payload.length);
    this.#send({ cmd: 'publish', topic, payload: body, qos: 0, retain: false, dup: false });
  }

  /** Writes `packet` to the leaf; a leaf that leaves more than `max_pending_bytes` unread is disconnected. */
  #send(packet: Packet): void {
    if (this.#phase === 'closed') return;
    const bytes = generate(packet);
    if (this.#pendingBytes + bytes.length > this.#host.config.maxPendingBytes) {
      this.close(`left more than ${this.#host.config.maxPendingBytes} bytes unread; disconnected`);
      return;
    }
    this.#pendingBytes += bytes.length;
    this.#written = this.#socket.write(bytes).then(
      () => {
        this.#pendingBytes -= bytes.length;
      },
      () => this.close(),
    );
  }
}

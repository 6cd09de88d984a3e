import { MAX_MESSAGE_BYTES } from '@os/iothub';
import type { Net } from '@os/net';
import type { TelemetryQueue } from '../queue/telemetry-queue.js';
import type { LeafIdentity, LeafLink, LeafTelemetry, UpstreamEvents } from '../upstream-link.js';
import { type Alarms, sleep } from './alarms.js';
import { backoffDelayMs } from '@os/timer';
import { HubConnection, type HubEndpoint } from './hub-connection.js';
import { UPSTREAM_DEFAULTS, type UpstreamSettings } from './upstream-settings.js';
import {
  HubConnectionDown,
  UpstreamLinkClosed,
  UpstreamMessageTooLarge,
  UpstreamNotConnected,
  UpstreamSubscriptionRefused,
} from './upstream-errors.js';
import { Wakeup } from './wakeup.js';

/** What the upstream side of one leaf works with: shared by all leaves. */
export interface LeafUpstreamParts {
  readonly queue: TelemetryQueue;
  readonly net: Net.Connection;
  readonly hub: HubEndpoint;
  readonly ca: string | undefined;
  readonly alarms: Alarms;
  /** Wall-clock milliseconds since the epoch (the Rtc session), for the SAS token's expiry. */
  readonly now: () => Promise<number>;
  /** A number in [0, 1) for the backoff's jitter. */
  readonly random: () => number;
  /** The leaf's identity as the downstream side knows it now (keys may change), or undefined when it knows none. */
  readonly lookup: (deviceId: string) => Promise<LeafIdentity | undefined>;
  readonly log: (line: string) => Promise<void>;
  readonly settings: UpstreamSettings;
  /** Whether the upstream side as a whole was stopped. */
  readonly stopped: () => boolean;
}

const RENEWAL = 'the SAS token is due for renewal';
const DRAINED = 'the leaf left and its queue is drained';
const STOPPED = 'the upstream side stopped';

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The upstream side of one leaf device: while the leaf is linked, or while its queue holds messages, it keeps one MQTT
 * connection to the hub as that device (reconnecting with backoff and jitter, reconnecting before its SAS token
 * expires), drains the queue in order with QoS 1 and at most `maxInFlight` unacknowledged, removes a message only at
 * its PUBACK and sends again from the oldest unacknowledged after a reconnect; it forwards the leaf's publishes and
 * subscriptions (subscribed again after each reconnect) and hands what the hub sends down to the leaf's events.
 */
export class LeafUpstream {
  readonly deviceId: string;
  readonly #parts: LeafUpstreamParts;
  readonly #filters = new Set<string>();
  readonly #wakeup = new Wakeup();
  #identity: LeafIdentity | undefined;
  #events: UpstreamEvents | undefined;
  /** The current link's number; a link with another is stale. */
  #generation = 0;
  #linked = false;
  #connection: HubConnection | undefined;
  /** Settles when the connect under way (if any) succeeded or failed. */
  #connecting: Promise<void> | undefined;
  #running = false;
  /** The key the tokens are signed with: the other one after the hub refused one. */
  #key: 'primary' | 'secondary' = 'primary';

  constructor(deviceId: string, parts: LeafUpstreamParts) {
    this.deviceId = deviceId;
    this.#parts = parts;
  }

  /** Whether the connection to the hub is up. */
  get connected(): boolean {
    return this.#connection !== undefined && !this.#connection.down;
  }

  /** Whether the leaf is linked (connected downstream). */
  get linked(): boolean {
    return this.#linked;
  }

  /** Opens a new link of the leaf (a former one goes stale). */
  link(identity: LeafIdentity, events: UpstreamEvents): LeafLink {
    this.#identity = identity;
    this.#events = events;
    this.#linked = true;
    const generation = ++this.#generation;
    this.#wakeup.notify();
    this.ensureRunning();
    const current = (): boolean => generation === this.#generation && this.#linked;
    const closed = (what: string): UpstreamLinkClosed =>
      new UpstreamLinkClosed(`${what} of leaf "${this.deviceId}": its link was closed or replaced by a newer one`);
    return {
      send: async (message: LeafTelemetry): Promise<void> => {
        if (!current()) throw closed('send');
        if (message.body.length > MAX_MESSAGE_BYTES) {
          throw new UpstreamMessageTooLarge(
            `a message of leaf "${this.deviceId}" has ${message.body.length} bytes, over IoT Hub's ` +
              `${MAX_MESSAGE_BYTES}; it is not stored`,
          );
        }
        await this.#parts.queue.append(this.deviceId, message);
      },
      publish: async (topic: string, payload: Uint8Array): Promise<void> => {
        if (!current()) throw closed(`publish on ${topic}`);
        await this.#publish(topic, payload);
      },
      subscribe: async (filter: string): Promise<void> => {
        if (!current()) throw closed(`subscribe to ${filter}`);
        await this.#subscribe(filter);
      },
      close: async (): Promise<void> => {
        if (!current()) return;
        await this.#unlink();
      },
    };
  }

  /** Messages of the leaf were stored: the drain looks again. */
  appended(): void {
    this.#wakeup.notify();
  }

  /** Starts the connection loop unless it runs (it runs while the leaf is linked or its queue holds messages). */
  ensureRunning(): void {
    if (this.#running || !this.#wanted()) return;
    this.#running = true;
    void this.#run().then(
      () => {
        this.#running = false;
        // a link or messages that came as the loop ended
        this.ensureRunning();
      },
      async (error: unknown) => {
        this.#running = false;
        await this.#log(`Error: upstream of leaf "${this.deviceId}" stopped: ${describe(error)}`);
      },
    );
  }

  /** Ends the connection (the upstream side stops). */
  async stop(): Promise<void> {
    this.#wakeup.notify();
    await this.#connection?.end(STOPPED);
  }

  #wanted(): boolean {
    return !this.#parts.stopped() && (this.#linked || this.#parts.queue.counts(this.deviceId).queued > 0);
  }

  async #log(line: string): Promise<void> {
    await this.#parts.log(line).catch(() => undefined);
  }

  async #publish(topic: string, payload: Uint8Array): Promise<void> {
    const connection = this.#connection;
    if (connection === undefined || connection.down) {
      throw new UpstreamNotConnected(`leaf "${this.deviceId}" published on ${topic} while its upstream is down`);
    }
    try {
      await connection.publish(topic, payload, 1);
    } catch (error) {
      if (error instanceof HubConnectionDown) {
        throw new UpstreamNotConnected(`leaf "${this.deviceId}" published on ${topic}: ${error.message}`);
      }
      throw error;
    }
  }

  async #subscribe(filter: string): Promise<void> {
    this.#filters.add(filter);
    // a connect under way subscribes what it finds; waiting for it lets the leaf's SUBACK mean "subscribed at the hub"
    await this.#connecting;
    const connection = this.#connection;
    if (connection === undefined || connection.down) return;
    let refused: string[];
    try {
      refused = await connection.subscribe([filter]);
    } catch (error) {
      if (error instanceof HubConnectionDown) return; // subscribed again after the reconnect
      throw error;
    }
    if (refused.length > 0) {
      this.#filters.delete(filter);
      throw new UpstreamSubscriptionRefused(`the hub refused the subscription of leaf "${this.deviceId}" to ${filter}`);
    }
  }

  async #unlink(): Promise<void> {
    this.#linked = false;
    this.#events = undefined;
    const filters = [...this.#filters];
    this.#filters.clear();
    this.#wakeup.notify();
    const connection = this.#connection;
    if (connection !== undefined && !connection.down) {
      await connection.unsubscribe(filters).catch(() => undefined);
    }
  }

  async #identityNow(): Promise<LeafIdentity | undefined> {
    try {
      return (await this.#parts.lookup(this.deviceId)) ?? this.#identity;
    } catch (error) {
      await this.#log(`Warning: looking up leaf "${this.deviceId}" failed: ${describe(error)}`);
      return this.#identity;
    }
  }

  async #run(): Promise<void> {
    const { settings, alarms, random } = this.#parts;
    const where = `${this.#parts.hub.host}:${this.#parts.hub.port}`;
    let failures = 0;
    while (this.#wanted()) {
      const identity = await this.#identityNow();
      if (identity === undefined) {
        failures++;
        const delay = backoffDelayMs(settings.backoff, failures, random);
        await this.#log(
          `Warning: leaf "${this.deviceId}" has queued messages but no identity (not a child of this gateway?); ` +
            `looking again in ${delay} ms`,
        );
        await sleep(alarms, delay);
        continue;
      }
      let connection: HubConnection;
      let connected: () => void = () => undefined;
      this.#connecting = new Promise<void>((resolve) => (connected = resolve));
      try {
        connection = await HubConnection.open({
          net: this.#parts.net,
          hub: this.#parts.hub,
          ca: this.#parts.ca,
          identity,
          key: this.#key,
          nowS: (await this.#parts.now()) / 1000,
          tokenLifetimeS: settings.tokenLifetimeS,
          keepaliveS: settings.keepaliveS,
          timeoutMs: settings.timeoutMs,
          onMessage: (topic, payload) => this.#events?.message(topic, payload),
        });
      } catch (error) {
        connected();
        if (!(error instanceof HubConnectionDown)) throw error;
        if (error.refusedCredentials) this.#key = this.#key === 'primary' ? 'secondary' : 'primary';
        failures++;
        const delay = backoffDelayMs(settings.backoff, failures, random);
        await this.#log(
          `Warning: upstream of leaf "${this.deviceId}" cannot connect to ${where}: ${error.message}; ` +
            `retry ${failures} in ${delay} ms`,
        );
        await sleep(alarms, delay);
        continue;
      }
      this.#connection = connection;
      connected();
      this.#connecting = undefined;
      await this.#log(`upstream of leaf "${this.deviceId}" connected to ${where}`);
      // renewed after four fifths of the token's time, as Microsoft's SDKs do
      const renew = await alarms.schedule(connection.tokenValidMs * 0.8, () => void connection.end(RENEWAL));
      const pumped = this.#subscribeAll(connection)
        .then(() => this.#pump(connection))
        .catch(async (error: unknown) => {
          await this.#log(`Error: upstream of leaf "${this.deviceId}": ${describe(error)}`);
          await connection.end(describe(error));
        });
      const reason = await connection.closed;
      renew();
      await pumped;
      this.#connection = undefined;
      this.#wakeup.notify();
      if (reason === RENEWAL) {
        failures = 0;
        continue;
      }
      if (reason === DRAINED || reason === STOPPED) {
        await this.#log(`upstream of leaf "${this.deviceId}" closed: ${reason}`);
        failures = 0;
        continue;
      }
      failures = 1;
      const delay = backoffDelayMs(settings.backoff, failures, random);
      await this.#log(
        `Warning: upstream of leaf "${this.deviceId}" disconnected from ${where}: ${reason}; reconnect in ${delay} ms`,
      );
      await sleep(alarms, delay);
    }
  }

  async #subscribeAll(connection: HubConnection): Promise<void> {
    const filters = [...this.#filters];
    if (filters.length === 0) return;
    const refused = await connection.subscribe(filters).catch((error: unknown) => {
      if (error instanceof HubConnectionDown) return [];
      throw error;
    });
    for (const filter of refused) {
      this.#filters.delete(filter);
      await this.#log(`Warning: the hub refused the subscription of leaf "${this.deviceId}" to ${filter}`);
    }
  }

  /**
   * Sends the queue's messages in order on `connection`, at most `maxInFlight` unacknowledged, each removed from the
   * queue once it and all before it were acknowledged; ends the connection once the leaf left and nothing is queued.
   */
  async #pump(connection: HubConnection): Promise<void> {
    const { queue, settings } = this.#parts;
    const maxBytes = settings.maxInFlightBytes ?? UPSTREAM_DEFAULTS.maxInFlightBytes ?? Number.POSITIVE_INFINITY;
    const inFlight: { sequence: number; bytes: number; acked: boolean }[] = [];
    let inFlightBytes = 0;
    let after: number | undefined;
    // the queue takes acknowledgements as they come (each removes what it can at once): they need not wait in line
    const acknowledging = new Set<Promise<void>>();
    const topic = `devices/${this.deviceId}/messages/events/`;
    const acked = (entry: { sequence: number; bytes: number; acked: boolean }): void => {
      entry.acked = true;
      inFlightBytes -= entry.bytes;
      let through: number | undefined;
      while (inFlight[0]?.acked === true) through = (inFlight.shift() as { sequence: number }).sequence;
      if (through === undefined) return;
      const done: Promise<void> = queue
        .acknowledge(this.deviceId, through)
        .catch((error: unknown) => this.#log(`Error: removing acknowledged messages: ${describe(error)}`))
        .finally(() => {
          acknowledging.delete(done);
          this.#wakeup.notify();
        });
      acknowledging.add(done);
    };
    while (!connection.down) {
      const woken = this.#wakeup.wait();
      const room = settings.maxInFlight - inFlight.length;
      if (room > 0 && (inFlightBytes < maxBytes || inFlight.length === 0)) {
        const messages = await queue.read(this.deviceId, after, room);
        if (connection.down) break;
        for (const { sequence, message } of messages) {
          // over the bytes in flight: the rest is read again once the hub answered
          if (inFlightBytes >= maxBytes && inFlight.length > 0) break;
          after = sequence;
          const entry = { sequence, bytes: message.body.length, acked: false };
          inFlight.push(entry);
          inFlightBytes += entry.bytes;
          connection.publish(topic + message.properties, message.body, 1).then(
            () => acked(entry),
            () => undefined, // the connection went down: sent again after the reconnect
          );
        }
        if (messages.length > 0) continue;
      }
      if (!this.#linked && inFlight.length === 0 && queue.counts(this.deviceId).queued === 0) {
        await Promise.all(acknowledging);
        if (queue.counts(this.deviceId).queued === 0 && !this.#linked) {
          await connection.end(DRAINED);
          break;
        }
        continue;
      }
      if (this.#parts.stopped()) break;
      await Promise.race([woken, connection.closed]);
    }
    await Promise.all(acknowledging);
  }
}

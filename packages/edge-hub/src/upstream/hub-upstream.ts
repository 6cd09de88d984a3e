import type { Net } from '@os/net';
import type { TelemetryQueue } from '../queue/telemetry-queue.js';
import type { LeafIdentity, LeafLink, LeafTelemetryState, Upstream, UpstreamEvents } from '../upstream-link.js';
import type { Alarms } from './alarms.js';
import type { HubEndpoint } from './hub-connection.js';
import { LeafUpstream, type LeafUpstreamParts } from './leaf-upstream.js';
import { UPSTREAM_DEFAULTS, type UpstreamSettings } from './upstream-settings.js';

/** What the upstream side is made of. */
export interface HubUpstreamOptions {
  /** The store-and-forward queue (opened, recovered). */
  readonly queue: TelemetryQueue;
  /** The Net session the connections go through: it must pay for one socket per leaf connected upstream at once. */
  readonly net: Net.Connection;
  /** The hub's MQTT endpoint and the host name devices use. */
  readonly hub: HubEndpoint;
  /** The CA certificate (PEM) the hub's certificate must chain to, or undefined for the host's CAs. */
  readonly ca: string | undefined;
  /** Backoff waits, token renewals and expiry sweeps. */
  readonly alarms: Alarms;
  /** Wall-clock milliseconds since the epoch (the Rtc session), for SAS tokens. */
  readonly now: () => Promise<number>;
  /** A number in [0, 1) for the backoff's jitter. */
  readonly random: () => number;
  /**
   * The identity of a leaf as the downstream side knows it now, or undefined: used for every connect (keys may have
   * changed), and for leaves with queued messages that are not linked (after a restart).
   */
  readonly lookup: (deviceId: string) => LeafIdentity | undefined | Promise<LeafIdentity | undefined>;
  /** The component's LOG. */
  readonly log: (line: string) => Promise<void>;
  /** Defaults: {@link UPSTREAM_DEFAULTS}. */
  readonly settings?: Partial<UpstreamSettings>;
}

/**
 * The upstream side of the edge hub: one connection per leaf device, each with its own MQTT connection to
 * IoT Hub as that device while the leaf is linked or its queue holds messages; telemetry goes through the
 * {@link TelemetryQueue}, so it is kept while the hub is unreachable and across restarts.
 */
export class HubUpstream implements Upstream {
  readonly #queue: TelemetryQueue;
  readonly #alarms: Alarms;
  readonly #parts: LeafUpstreamParts;
  readonly #leaves = new Map<string, LeafUpstream>();
  #stopped = false;
  #started = false;
  #stopAppended: () => void = () => undefined;
  #cancelExpiry: () => void = () => undefined;

  constructor(options: HubUpstreamOptions) {
    this.#queue = options.queue;
    this.#alarms = options.alarms;
    const settings = { ...UPSTREAM_DEFAULTS, ...options.settings };
    if (!Number.isSafeInteger(settings.maxInFlight) || settings.maxInFlight < 1) {
      throw new RangeError(`HubUpstream: maxInFlight is ${settings.maxInFlight}; give a whole number above 0`);
    }
    const lookup = options.lookup;
    this.#parts = {
      queue: options.queue,
      net: options.net,
      hub: options.hub,
      ca: options.ca,
      alarms: options.alarms,
      now: options.now,
      random: options.random,
      lookup: async (deviceId) => await lookup(deviceId),
      log: options.log,
      settings,
      stopped: () => this.#stopped,
    };
  }

  /**
   * Starts draining: every device with queued messages (from before a restart) gets its connection, linked or not;
   * messages over the queue's age are dropped every `expireEveryMs`.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#stopAppended = this.#queue.onAppended((deviceId) => this.#leaves.get(deviceId)?.appended());
    for (const deviceId of this.#queue.devicesWithMessages()) this.#leaf(deviceId).ensureRunning();
    await this.#scheduleExpiry();
  }

  /** {@inheritDoc Upstream.link} */
  link(identity: LeafIdentity, events: UpstreamEvents): LeafLink {
    return this.#leaf(identity.deviceId).link(identity, events);
  }

  /** {@inheritDoc Upstream.state} */
  state(): ReadonlyMap<string, LeafTelemetryState> {
    const state = new Map<string, LeafTelemetryState>();
    const ids = new Set([...this.#queue.devices(), ...this.#leaves.keys()]);
    for (const deviceId of [...ids].sort()) {
      const { forwarded, queued, dropped } = this.#queue.counts(deviceId);
      const upstreamConnected = this.#leaves.get(deviceId)?.connected ?? false;
      state.set(deviceId, { forwarded, queued, dropped, upstreamConnected });
    }
    return state;
  }

  /** Ends every connection and stops reconnecting (what is queued stays queued); the queue stays open. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stopAppended();
    this.#cancelExpiry();
    await Promise.all([...this.#leaves.values()].map((leaf) => leaf.stop()));
  }

  #leaf(deviceId: string): LeafUpstream {
    let leaf = this.#leaves.get(deviceId);
    if (leaf === undefined) {
      leaf = new LeafUpstream(deviceId, this.#parts);
      this.#leaves.set(deviceId, leaf);
    }
    return leaf;
  }

  async #scheduleExpiry(): Promise<void> {
    if (this.#stopped) return;
    this.#cancelExpiry = await this.#alarms.schedule(this.#parts.settings.expireEveryMs, () => {
      this.#queue
        .expire()
        .catch((error: unknown) => this.#parts.log(`Warning: expiring queued messages failed: ${String(error)}`))
        .then(() => this.#scheduleExpiry())
        .catch(() => undefined);
    });
  }
}

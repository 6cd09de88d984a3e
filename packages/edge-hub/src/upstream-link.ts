// The seam between the edge hub's two halves: the downstream side (leaf devices connecting to the gateway over MQTT)
// and the upstream side (one MQTT connection per active leaf to IoT Hub, with telemetry stored and forwarded).

/** A leaf device the gateway's hub vouches for: it is a child of this gateway in the hub's device scope. */
export interface LeafIdentity {
  /** The device id, as IoT Hub knows it. */
  readonly deviceId: string;
  /** The device's primary symmetric key (base64), from the hub's device-scope API; signs its upstream SAS tokens. */
  readonly primaryKey: string;
  /** The device's secondary symmetric key (base64); a leaf may sign with either. */
  readonly secondaryKey: string;
}

/** One telemetry message of a leaf, as it arrived on `devices/{id}/messages/events/{properties}`. */
export interface LeafTelemetry {
  /** The topic's property bag after `messages/events/`, exactly as the leaf sent it (may be empty). */
  readonly properties: string;
  /** The message body, as sent. */
  readonly body: Uint8Array;
}

/** What the upstream side hands down to a leaf: a publish on one of the leaf's own `$iothub/...` topics. */
export interface UpstreamEvents {
  /** A message from IoT Hub for this leaf (a direct method request, a twin response or a desired patch). */
  message(topic: string, payload: Uint8Array): void;
}

/** The upstream side of one leaf device, opened when the leaf connects to the gateway. */
export interface LeafLink {
  /**
   * Takes one telemetry message: resolves once it is stored durably in the leaf's queue (the downstream side sends the
   * leaf its PUBACK only then), rejects with a typed error when the queue refuses it. Delivery upstream is
   * at-least-once, in order per device, whether or not the hub is reachable right now.
   */
  send(message: LeafTelemetry): Promise<void>;
  /**
   * Forwards a non-telemetry publish of the leaf (`$iothub/methods/res/...`, `$iothub/twin/...`) upstream as it is;
   * rejects when upstream is not connected (these are not stored: IoT Hub does not keep them either).
   */
  publish(topic: string, payload: Uint8Array): Promise<void>;
  /** Subscribes upstream to one of the leaf's `$iothub/...` filters; what arrives comes down through `events`. */
  subscribe(filter: string): Promise<void>;
  /** The leaf left: drops its subscriptions and closes its upstream connection once its queue is drained. */
  close(): Promise<void>;
}

/** Per-leaf counts for the reported `dynamic.telemetry`. */
export interface LeafTelemetryState {
  /** Messages delivered upstream (acknowledged by IoT Hub). */
  readonly forwarded: number;
  /** Messages stored and not yet acknowledged upstream. */
  readonly queued: number;
  /** Messages dropped because the queue went over its size or age bound (oldest first). */
  readonly dropped: number;
  /** Whether this leaf's upstream connection is up now. */
  readonly upstreamConnected: boolean;
}

/** The upstream side as a whole. */
export interface Upstream {
  /** Opens (or re-opens) the upstream side of a leaf that has just authenticated downstream. */
  link(identity: LeafIdentity, events: UpstreamEvents): LeafLink;
  /** The counts per leaf device that has a queue or a connection, for the reported state. */
  state(): ReadonlyMap<string, LeafTelemetryState>;
}

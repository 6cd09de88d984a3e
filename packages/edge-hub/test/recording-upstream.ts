// An upstream side for the tests of the downstream half: it implements the Upstream interface and records what each
// leaf's link gets; the test decides when a telemetry message counts as stored (`hold`/`release`) and sends messages
// down to a leaf through its events.

import type {
  LeafIdentity,
  LeafLink,
  LeafTelemetry,
  LeafTelemetryState,
  Upstream,
  UpstreamEvents,
} from '../src/upstream-link.js';

/** One link the edge hub opened, with what it got. */
export class RecordingLink implements LeafLink {
  readonly identity: LeafIdentity;
  readonly events: UpstreamEvents;
  readonly sent: LeafTelemetry[] = [];
  readonly published: { topic: string; payload: string }[] = [];
  readonly subscribed: string[] = [];
  closed = false;
  readonly #upstream: RecordingUpstream;

  constructor(upstream: RecordingUpstream, identity: LeafIdentity, events: UpstreamEvents) {
    this.#upstream = upstream;
    this.identity = identity;
    this.events = events;
  }

  send(message: LeafTelemetry): Promise<void> {
    this.sent.push({ properties: message.properties, body: message.body.slice() });
    return this.#upstream.stored();
  }

  async publish(topic: string, payload: Uint8Array): Promise<void> {
    this.published.push({ topic, payload: new TextDecoder().decode(payload) });
  }

  async subscribe(filter: string): Promise<void> {
    this.subscribed.push(filter);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The bodies sent so far, as text. */
  bodies(): string[] {
    return this.sent.map((message) => new TextDecoder().decode(message.body));
  }
}

/** The upstream side: every link it opened, by device id, in order. */
export class RecordingUpstream implements Upstream {
  readonly links: RecordingLink[] = [];
  #held: (() => void)[] | undefined;

  link(identity: LeafIdentity, events: UpstreamEvents): LeafLink {
    const link = new RecordingLink(this, identity, events);
    this.links.push(link);
    return link;
  }

  state(): ReadonlyMap<string, LeafTelemetryState> {
    return new Map();
  }

  /** The links of `deviceId`, oldest first. */
  linksOf(deviceId: string): RecordingLink[] {
    return this.links.filter((link) => link.identity.deviceId === deviceId);
  }

  /** The newest link of `deviceId`. */
  latest(deviceId: string): RecordingLink | undefined {
    return this.linksOf(deviceId).at(-1);
  }

  /** From now on, `send` resolves only at `release`. */
  hold(): void {
    this.#held ??= [];
  }

  /** Resolves every held `send` and stops holding. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const resolve of held) resolve();
  }

  /** What `send` answers: at once, or once released. */
  stored(): Promise<void> {
    const held = this.#held;
    if (held === undefined) return Promise.resolve();
    return new Promise((resolve) => held.push(resolve));
  }
}

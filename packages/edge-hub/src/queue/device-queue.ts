import type { LeafTelemetry } from '../upstream-link.js';

/** One segment file of a device, as the queue knows it. */
export interface Segment {
  /** Its number (the file name's). */
  readonly number: number;
  /** Bytes of its header. */
  readonly headerBytes: number;
  /** Bytes of whole records and header: where the next record goes, and the end of what is read. */
  size: number;
  /** The first record's sequence number (when it holds none: the one it would hold first). */
  first: number;
  /** The last record's sequence number (`first - 1` when it holds none). */
  last: number;
  /** Whether records may be appended: false once damage was found in it (its file may hold bytes past `size`). */
  appendable: boolean;
}

/** A place in a device's segments. */
export interface Position {
  readonly segment: Segment;
  readonly offset: number;
}

/** A stored record's place and what the queue needs to know of it without its bytes. */
export interface Descriptor extends Position {
  readonly sequence: number;
  readonly enqueuedMs: number;
  readonly size: number;
  /** The message itself while the queue holds it in memory (appended in this run, within `maxHeldBytes`). */
  message?: LeafTelemetry | undefined;
}

/** A message given its sequence number whose write has not started yet. */
export interface UnwrittenMessage {
  readonly sequence: number;
  readonly message: LeafTelemetry;
}

/** At most this many descriptors are held per device (the window reaches as far as the upstream has read ahead). */
export const MAX_WINDOW = 4096;

/**
 * The queue's state of one device, in memory: its segments (a few numbers each, not their records), where its oldest
 * stored message starts, the descriptors of the messages from there on that were read already (at most
 * {@link MAX_WINDOW}), and its counts. The newest descriptors may hold their message (the queue's memory tail:
 * what the upstream reads without the disk), within the queue's bound.
 */
export class DeviceQueue {
  readonly deviceId: string;
  /** The device's directory, a session path. */
  readonly directory: string;
  readonly segments: Segment[] = [];
  /** Where the oldest stored message starts (or where the next one will: then `queued` is 0). */
  head: Position | undefined;
  /** Descriptors from the head on, contiguous. */
  readonly window: Descriptor[] = [];
  removedThrough = 0;
  nextSequence = 1;
  forwarded = 0;
  dropped = 0;
  refused = 0;
  /** Messages stored and not removed. */
  queued = 0;
  /** Their bytes in the segments. */
  queuedBytes = 0;
  /** Whether the mark file is behind the counts. */
  markDirty = false;
  /** Whether the device's directory is known to exist. */
  directoryMade = false;
  /** Messages appended and given their sequence numbers, in order, whose write has not started yet. */
  unwritten: UnwrittenMessage[] = [];
  /** Every message up to this sequence number was written and synced, or refused (an append's outcome is known). */
  settledThrough = 0;
  /** The hub acknowledged every message up to this sequence number (removed once settled too). */
  ackedThrough = 0;
  /** The next write starts a new segment: sequence numbers of a failed write were handed out (a gap in the order). */
  gap = false;

  constructor(deviceId: string, directory: string) {
    this.deviceId = deviceId;
    this.directory = directory;
  }

  /** The newest segment, which appends go to. */
  get tail(): Segment | undefined {
    return this.segments[this.segments.length - 1];
  }

  /** `position` moved past the ends of segments that have a successor. */
  normalize(position: Position): Position {
    let { segment, offset } = position;
    for (let index = this.segments.indexOf(segment); index >= 0 && offset >= segment.size; ) {
      const next = this.segments[++index];
      if (next === undefined) break;
      segment = next;
      offset = next.headerBytes;
    }
    return segment === position.segment && offset === position.offset ? position : { segment, offset };
  }

  /** The head, normalized (and set to the first segment's start when there was none). */
  normalizedHead(): Position | undefined {
    if (this.head === undefined) {
      const first = this.segments[0];
      if (first === undefined) return undefined;
      this.head = { segment: first, offset: first.headerBytes };
    }
    this.head = this.normalize(this.head);
    return this.head;
  }

  /** Segments before the head's, which hold only removed messages. */
  passedSegments(): Segment[] {
    const head = this.normalizedHead();
    if (head === undefined) return [];
    return this.segments.slice(0, Math.max(0, this.segments.indexOf(head.segment)));
  }

  /** Forgets `segment` (its file is gone). */
  dropSegment(segment: Segment): void {
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
    if (this.head?.segment === segment) this.head = undefined;
  }
}

import { type FileSystem, NoSpace } from '@os/fs';
import type { LeafTelemetry } from '../upstream-link.js';
import { type Descriptor, DeviceQueue, MAX_WINDOW, type Position, type Segment } from './device-queue.js';
import { FileHandles, isFileSystemError } from './file-handles.js';
import {
  MARK_BYTES,
  decodeMark,
  decodeRecord,
  decodeRecordHead,
  decodeSegmentHeader,
  deviceDirectoryName,
  deviceIdOfDirectory,
  encodeMark,
  encodeRecord,
  encodeSegmentHeader,
  type StoredRecord,
  recordBytes,
  segmentName,
  segmentNumber,
} from './queue-format.js';
import {
  QueueBusy,
  QueueClosed,
  QueueMessageTooLarge,
  QueueRefused,
  QueueStorageFailed,
  QueueStorageFull,
} from './queue-errors.js';

/** How a {@link TelemetryQueue} stores and what bounds it keeps. */
export interface TelemetryQueueOptions {
  /** The File_system session the queue's files live in (the queue owns its directory there, not the session). */
  readonly fs: FileSystem.Connection;
  /** The queue's directory, a session path; `/telemetry` by default. */
  readonly directory?: string;
  /** The most bytes of stored records, all devices together; beyond it the oldest messages are dropped. */
  readonly maxBytes: number;
  /** The oldest a stored message may grow, in milliseconds; older ones are dropped. */
  readonly maxAgeMs: number;
  /** Wall-clock milliseconds since the epoch (the Rtc session): a message's age survives restarts. */
  readonly now: () => Promise<number>;
  /** Bytes after which a device's next append starts a new segment file; 1 MiB by default. */
  readonly segmentBytes?: number;
  /**
   * File handles kept open on the session (each costs its donation); 12 by default: of the 16 a session's base cost
   * pays for, room for a directory handle while a file opens and for the session's other users.
   */
  readonly maxOpenFiles?: number;
  /** Bytes of messages waiting to be written that the queue holds in memory; 4 MiB (at most `maxBytes`) by default. */
  readonly maxPendingBytes?: number;
  /**
   * Bytes of the messages appended in this run that the queue keeps in memory, all devices together, so that the
   * upstream reads fresh messages without the disk (the oldest are let go first: they are read from disk again);
   * 1 MiB by default, 0 for none.
   */
  readonly maxHeldBytes?: number;
  /** Bytes read at once when messages are read back; 64 KiB by default. */
  readonly readAheadBytes?: number;
  /** Where the queue says what it found or dropped (the component's LOG). */
  readonly log?: (line: string) => Promise<void>;
}

/** A stored message, as the queue hands it out for delivery. */
export interface QueuedMessage {
  /** The device's sequence number: delivery is in this order; {@link TelemetryQueue.acknowledge} takes it. */
  readonly sequence: number;
  /** When the queue took it, ms since the epoch. */
  readonly enqueuedMs: number;
  /** The message, as the leaf sent it. */
  readonly message: LeafTelemetry;
}

/** A device's counts. */
export interface QueueCounts {
  /** Messages acknowledged by the hub (kept across restarts). */
  readonly forwarded: number;
  /** Messages stored and not yet acknowledged. */
  readonly queued: number;
  /** Messages dropped over the size or age bound, or lost to damage (kept across restarts). */
  readonly dropped: number;
  /** Messages refused since the queue opened (storage full, writer behind). */
  readonly refused: number;
}

interface PendingAppend {
  readonly device: DeviceQueue;
  /** Given as it was appended: the upstream may forward it before its write. */
  readonly sequence: number;
  readonly message: LeafTelemetry;
  /** Bytes of its record. */
  readonly size: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** A device's batch, given its sequence numbers and place and handed out, while it is written and synced. */
interface StagedBatch {
  readonly device: DeviceQueue;
  readonly appends: PendingAppend[];
  readonly segment: Segment;
  /** Whether the segment was made for it. */
  readonly created: boolean;
  /** Where in the segment it goes. */
  readonly start: number;
  readonly buffer: Uint8Array;
  /** The sequence numbers it was given. */
  readonly first: number;
  readonly last: number;
  /** The segment's `first` and `last` before it. */
  readonly before: { readonly first: number; readonly last: number };
}

const ROOT_DEFAULT = '/telemetry';

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * A durable telemetry queue per device on a File_system session (the format: `queue-format.ts`). `append` resolves
 * once the message is written and synced (appends that arrive together share one write and one sync per device);
 * messages leave only by `acknowledge` (IoT Hub's PUBACK) or over the bounds (`maxBytes` of all devices together,
 * `maxAgeMs`), the oldest first, counted per device. `open` finds every device's messages again after a restart, and
 * drops a torn record at the end of a segment. In memory it holds per device a few numbers per segment and the
 * descriptors of what was read ahead, the messages waiting to be written (at most `maxPendingBytes`), and the newest
 * messages of this run (at most `maxHeldBytes`).
 *
 * A message is handed to `read` as soon as it is appended, before it is written: the upstream forwards it while
 * the disk writes and syncs. It leaves the queue only once the hub acknowledged it and its write and sync are done;
 * an append whose write fails is refused (its leaf sends it again: a duplicate at worst) and its sequence number is
 * not given again (the device's next write starts a new segment). Reads of held and unwritten messages and
 * acknowledgements do not wait for the file operations, which run one at a time.
 */
export class TelemetryQueue {
  readonly #fs: FileSystem.Connection;
  readonly #root: string;
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  readonly #now: () => Promise<number>;
  readonly #segmentBytes: number;
  readonly #maxPendingBytes: number;
  readonly #readAhead: number;
  readonly #maxHeldBytes: number;
  /** Records a drained queue's newest segment may keep before it is truncated to its header. */
  readonly #drainedTailBytes: number;
  readonly #log: (line: string) => Promise<void>;
  readonly #files: FileHandles;
  readonly #devices = new Map<string, DeviceQueue>();
  readonly #listeners = new Set<(deviceId: string) => void>();
  #storedBytes = 0;
  #pending: PendingAppend[] = [];
  #pendingBytes = 0;
  #flushScheduled = false;
  /** The clock's last reading: the enqueued time a message is read with before its write. */
  #lastNow = 0;
  /** Descriptors that hold their message, the oldest first (from `#heldStart`; let go ones are skipped). */
  #held: Descriptor[] = [];
  #heldStart = 0;
  #heldBytes = 0;
  /** Devices whose files want tidying, and the tidy that will do it. */
  readonly #untidy = new Set<DeviceQueue>();
  #tidying: Promise<void> | undefined;
  #serial: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(options: TelemetryQueueOptions) {
    const positive = (name: string, value: number): number => {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new RangeError(`TelemetryQueue: ${name} is ${value}; give a whole number above 0`);
      }
      return value;
    };
    this.#fs = options.fs;
    this.#root = (options.directory ?? ROOT_DEFAULT).replace(/\/+$/, '') || ROOT_DEFAULT;
    this.#maxBytes = positive('maxBytes', options.maxBytes);
    this.#maxAgeMs = positive('maxAgeMs', options.maxAgeMs);
    this.#now = options.now;
    this.#segmentBytes = positive('segmentBytes', options.segmentBytes ?? 1024 * 1024);
    this.#maxPendingBytes = Math.min(
      positive('maxPendingBytes', options.maxPendingBytes ?? 4 * 1024 * 1024),
      this.#maxBytes,
    );
    this.#readAhead = positive('readAheadBytes', options.readAheadBytes ?? 64 * 1024);
    const held = options.maxHeldBytes ?? 1024 * 1024;
    if (!Number.isSafeInteger(held) || held < 0) {
      throw new RangeError(`TelemetryQueue: maxHeldBytes is ${held}; give a whole number, 0 or more`);
    }
    this.#maxHeldBytes = held;
    this.#drainedTailBytes = Math.min(64 * 1024, Math.ceil(this.#segmentBytes / 4));
    this.#log = options.log ?? (async () => undefined);
    this.#files = new FileHandles(options.fs, positive('maxOpenFiles', options.maxOpenFiles ?? 12));
  }

  /** Opens the queue in its directory (made when missing) and finds every device's stored messages. */
  static async open(options: TelemetryQueueOptions): Promise<TelemetryQueue> {
    const queue = new TelemetryQueue(options);
    await queue.#run(() => queue.#recover());
    return queue;
  }

  /** The devices the queue knows (stored messages now, or counts from before). */
  devices(): string[] {
    return [...this.#devices.keys()];
  }

  /** The devices with stored messages. */
  devicesWithMessages(): string[] {
    return [...this.#devices.values()].filter((device) => device.queued > 0).map((device) => device.deviceId);
  }

  /** The device's counts (zeros for a device the queue does not know). */
  counts(deviceId: string): QueueCounts {
    const device = this.#devices.get(deviceId);
    if (device === undefined) return { forwarded: 0, queued: 0, dropped: 0, refused: 0 };
    const { forwarded, queued, dropped, refused } = device;
    return { forwarded, queued, dropped, refused };
  }

  /** Bytes of stored records, all devices. */
  get storedBytes(): number {
    return this.#storedBytes;
  }

  /**
   * Calls `listener` with the device when messages of it can be read (as they are appended) and when its writes are
   * done (acknowledged messages may leave then); returns what stops it.
   */
  onAppended(listener: (deviceId: string) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Stores `message` at the end of the device's queue; resolves once it is durable (written and synced). Rejects
   * with a {@link QueueRefused}: {@link QueueStorageFull} when the storage is full, {@link QueueBusy} when too many
   * bytes wait to be written, {@link QueueMessageTooLarge} for a message over `maxBytes`.
   */
  append(deviceId: string, message: LeafTelemetry): Promise<void> {
    const device = this.#device(deviceId);
    if (this.#closed) return Promise.reject(new QueueClosed(`the telemetry queue of ${this.#root} is closed`));
    // the sequence number and the enqueued time are given when the batch is written (one Rtc call per batch)
    const size = recordBytes(message);
    if (size > this.#maxBytes) {
      device.refused++;
      return Promise.reject(
        new QueueMessageTooLarge(
          `a message of device "${deviceId}" takes ${size} bytes, more than the queue's maxBytes ` +
            `(${this.#maxBytes}); send smaller messages or give the queue more room`,
        ),
      );
    }
    if (this.#pendingBytes + size > this.#maxPendingBytes) {
      device.refused++;
      return Promise.reject(
        new QueueBusy(
          `the telemetry queue has ${this.#pendingBytes} bytes waiting to be written (at most ` +
            `${this.#maxPendingBytes}); device "${deviceId}" should send its message again`,
        ),
      );
    }
    const stored = new Promise<void>((resolve, reject) => {
      const append = { device, sequence: device.nextSequence++, message, size, resolve, reject };
      this.#pending.push(append);
      device.unwritten.push(append);
      this.#pendingBytes += size;
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        this.#run(() => this.#flush()).catch((error: unknown) => this.#warn(`flush: ${describe(error)}`));
      }
    });
    this.#tell(device);
    return stored;
  }

  /**
   * Up to `max` stored messages of the device in order, from the first after sequence number `after` (from the
   * oldest when `after` is undefined or older than it). Messages not yet written or synced are included (those not
   * written yet with the clock's last reading as their enqueued time); held and unwritten messages are answered at
   * once, others are read from disk after the file operations before.
   */
  read(deviceId: string, after: number | undefined, max: number): Promise<QueuedMessage[]> {
    const held = this.#readHeld(deviceId, after, max);
    if (held !== undefined) return Promise.resolve(held);
    return this.#run(() => this.#read(deviceId, after, max));
  }

  /**
   * Removes the device's messages up to sequence number `through` (the hub acknowledged them) and counts them;
   * messages whose write is not done yet leave when it is. Resolves once the files were tidied.
   */
  acknowledge(deviceId: string, through: number): Promise<void> {
    const device = this.#devices.get(deviceId);
    if (device === undefined) return Promise.resolve();
    if (through > device.ackedThrough) device.ackedThrough = through;
    if (this.#removeAcknowledged(device)) return this.#tidyLater(device);
    return this.#run(async () => {
      await this.#removeAcknowledgedHeads(device);
      await this.#tidy([device]);
    });
  }

  /** Drops every message older than `maxAgeMs` (call it now and then: appends do it too). */
  expire(): Promise<void> {
    return this.#run(async () => {
      await this.#tidy(await this.#dropExpired(await this.#now()));
    });
  }

  /** Writes what waits, then closes the queue's files; appends after it are refused with {@link QueueClosed}. */
  close(): Promise<void> {
    this.#closed = true;
    return this.#run(async () => {
      await this.#flush();
      await this.#tidy([...this.#devices.values()]);
      await this.#files.closeAll();
    });
  }

  /** Tidies the device's files after the file operations before; answers when done. */
  #tidyLater(device: DeviceQueue): Promise<void> {
    this.#untidy.add(device);
    this.#tidying ??= this.#run(async () => {
      this.#tidying = undefined;
      const devices = [...this.#untidy];
      this.#untidy.clear();
      await this.#tidy(devices);
    });
    return this.#tidying;
  }

  #run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.#serial.then(task);
    this.#serial = next.catch(() => undefined);
    return next;
  }

  async #warn(text: string): Promise<void> {
    await this.#log(`Warning: telemetry queue: ${text}`).catch(() => undefined);
  }

  #device(deviceId: string): DeviceQueue {
    let device = this.#devices.get(deviceId);
    if (device === undefined) {
      device = new DeviceQueue(deviceId, `${this.#root}/${deviceDirectoryName(deviceId)}`);
      this.#devices.set(deviceId, device);
    }
    return device;
  }

  // --- writing -------------------------------------------------------------------------------------------------

  async #flush(): Promise<void> {
    this.#flushScheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    const batchBytes = this.#pendingBytes;
    this.#pendingBytes = 0;
    const byDevice = new Map<DeviceQueue, PendingAppend[]>();
    for (const append of batch) {
      const list = byDevice.get(append.device) ?? [];
      list.push(append);
      byDevice.set(append.device, list);
    }
    const refuse = (device: DeviceQueue, appends: PendingAppend[], error: unknown): void => {
      this.#forget(device, appends);
      device.refused += appends.length;
      const refusal = this.#refusal(device, error);
      for (const append of appends) append.reject(refusal);
    };
    let now: number;
    const touched = new Set<DeviceQueue>();
    try {
      now = await this.#now();
      this.#lastNow = now;
      for (const device of await this.#dropExpired(now)) touched.add(device);
      for (const device of await this.#dropOldest(batchBytes)) touched.add(device);
    } catch (error) {
      for (const [device, appends] of byDevice) refuse(device, appends, error);
      return;
    }
    const staged: StagedBatch[] = [];
    for (const [device, appends] of byDevice) {
      try {
        staged.push(await this.#stage(device, appends, now));
      } catch (error) {
        refuse(device, appends, error);
      }
    }
    // readable from now on: the upstream forwards while the disk writes and syncs
    for (const batch of staged) this.#tell(batch.device);
    // each device's write and sync one after the other (its file's handle stays at hand), its appends resolved at once
    for (const batch of staged) {
      const { device, appends, segment } = batch;
      touched.add(device);
      try {
        await this.#write(batch);
      } catch (error) {
        this.#unstage(batch);
        refuse(device, appends, error);
        continue;
      }
      try {
        await this.#fs.sync(await this.#files.file(device.directory, segmentName(segment.number)));
        for (const append of appends) append.resolve();
      } catch (error) {
        // written, perhaps not durable: the leaf sends it again (a duplicate at worst)
        refuse(device, appends, error);
      }
      device.settledThrough = batch.last;
      await this.#removeAcknowledgedHeads(device);
      this.#tell(device);
    }
    await this.#tidy(touched);
  }

  #refusal(device: DeviceQueue, error: unknown): QueueRefused {
    if (error instanceof QueueRefused) return error;
    if (isFileSystemError(error, NoSpace)) {
      return new QueueStorageFull(
        `the storage refused a message of device "${device.deviceId}" (${describe(error)}); ` +
          'give the File_system policy a larger quota or the queue a smaller maxBytes',
      );
    }
    return new QueueStorageFailed(`storing a message of device "${device.deviceId}" failed: ${describe(error)}`);
  }

  /**
   * Refused appends: their sequence numbers stay given (the upstream may have forwarded them), so the device's next
   * write starts a new segment; their outcome is known.
   */
  #forget(device: DeviceQueue, appends: readonly PendingAppend[]): void {
    const refused = new Set<unknown>(appends);
    device.unwritten = device.unwritten.filter((unwritten) => !refused.has(unwritten));
    device.gap = true;
    for (const append of appends) device.settledThrough = Math.max(device.settledThrough, append.sequence);
  }

  #tell(device: DeviceQueue): void {
    for (const listener of this.#listeners) listener(device.deviceId);
  }

  /**
   * Gives `appends` their sequence numbers and place at the end of the device's newest segment (a new one when it is
   * full or after a gap), counts them as stored and holds them for reading, before their write.
   */
  async #stage(device: DeviceQueue, appends: PendingAppend[], now: number): Promise<StagedBatch> {
    if (!device.directoryMade) {
      await this.#fs.mkdirp(device.directory);
      device.directoryMade = true;
    }
    let bytes = 0;
    for (const append of appends) bytes += append.size;
    let segment = device.tail;
    let created = false;
    if (
      segment === undefined ||
      !segment.appendable ||
      (device.gap && segment.size > segment.headerBytes) ||
      segment.size + bytes > this.#segmentBytes
    ) {
      if (segment === undefined || segment.size > segment.headerBytes || !segment.appendable) {
        segment = await this.#newSegment(device);
        created = true;
      }
    }
    // within a segment sequence numbers follow on without a gap (recovery takes a gap for damage)
    device.gap = false;
    const start = segment.size;
    const buffer = new Uint8Array(bytes);
    const first = (appends[0] as PendingAppend).sequence;
    device.unwritten.splice(0, appends.length);
    const complete = device.window.length === device.queued;
    let at = 0;
    appends.forEach((append, index) => {
      const record = encodeRecord(append.sequence, now, append.message);
      buffer.set(record, at);
      const entry: Descriptor = {
        segment,
        offset: start + at,
        sequence: first + index,
        enqueuedMs: now,
        size: record.length,
      };
      at += record.length;
      if (!complete || device.window.length >= MAX_WINDOW) return;
      device.window.push(entry);
      if (this.#maxHeldBytes === 0) return;
      const body = buffer.subarray(at - append.message.body.length, at);
      this.#hold(entry, { properties: append.message.properties, body });
    });
    const before = { first: segment.first, last: segment.last };
    segment.size = start + at;
    if (segment.last < segment.first) segment.first = first;
    segment.last = first + appends.length - 1;
    device.queued += appends.length;
    device.queuedBytes += at;
    this.#storedBytes += at;
    return { device, appends, segment, created, start, buffer, first, last: segment.last, before };
  }

  /** Writes a staged batch in one write; undone on failure (the caller unstages it). */
  async #write(batch: StagedBatch): Promise<void> {
    const { device, segment, start } = batch;
    const handle = await this.#files.file(device.directory, segmentName(segment.number));
    try {
      await this.#fs.write(handle, start, batch.buffer);
    } catch (error) {
      await this.#fs.truncate(handle, start).catch(() => undefined);
      if (batch.created) {
        device.dropSegment(segment);
        await this.#files.unlink(device.directory, segmentName(segment.number)).catch(() => undefined);
      }
      throw error;
    }
  }

  /** Takes back a batch whose write failed: it is not stored; its sequence numbers stay given (a gap). */
  #unstage(batch: StagedBatch): void {
    const { device, segment } = batch;
    const bytes = batch.buffer.length;
    segment.size = batch.start;
    segment.first = batch.before.first;
    segment.last = batch.before.last;
    device.queued -= batch.appends.length;
    device.queuedBytes -= bytes;
    this.#storedBytes -= bytes;
    while ((device.window[device.window.length - 1]?.sequence ?? 0) >= batch.first) {
      this.#letGo(device.window.pop() as Descriptor);
    }
  }

  /** Keeps `message` with its descriptor; lets the oldest held go while over `maxHeldBytes`. */
  #hold(entry: Descriptor, message: LeafTelemetry): void {
    entry.message = message;
    this.#held.push(entry);
    this.#heldBytes += entry.size;
    while (this.#heldBytes > this.#maxHeldBytes && this.#heldStart < this.#held.length) {
      this.#letGo(this.#held[this.#heldStart++] as Descriptor);
    }
    if (this.#heldStart > 1024 && this.#heldStart * 2 > this.#held.length) {
      this.#held = this.#held.slice(this.#heldStart);
      this.#heldStart = 0;
    }
  }

  /** Forgets the message a descriptor holds (read from disk from then on). */
  #letGo(entry: Descriptor): void {
    if (entry.message === undefined) return;
    entry.message = undefined;
    this.#heldBytes -= entry.size;
  }

  async #newSegment(device: DeviceQueue): Promise<Segment> {
    const number = (device.tail?.number ?? 0) + 1;
    const header = encodeSegmentHeader(device.deviceId);
    const handle = await this.#files.file(device.directory, segmentName(number), true);
    try {
      await this.#fs.truncate(handle, 0);
      await this.#fs.write(handle, 0, header);
    } catch (error) {
      await this.#files.unlink(device.directory, segmentName(number)).catch(() => undefined);
      throw error;
    }
    const segment: Segment = {
      number,
      headerBytes: header.length,
      size: header.length,
      first: device.nextSequence,
      last: device.nextSequence - 1,
      appendable: true,
    };
    device.segments.push(segment);
    return segment;
  }

  // --- reading -------------------------------------------------------------------------------------------------

  /** What {@link TelemetryQueue.read} answers from the held messages alone, or undefined when it needs the disk. */
  #readHeld(deviceId: string, after: number | undefined, max: number): QueuedMessage[] | undefined {
    const device = this.#devices.get(deviceId);
    if (device === undefined || max <= 0) return [];
    const window = device.window;
    // the window holds the descriptors from the head on: the first after `after` is found from its end
    let index = window.length;
    const from = after ?? 0;
    while (index > 0 && (window[index - 1] as Descriptor).sequence > from) index--;
    const messages: QueuedMessage[] = [];
    for (; index < window.length && messages.length < max; index++) {
      const { sequence, enqueuedMs, message } = window[index] as Descriptor;
      if (message === undefined) return undefined;
      messages.push({ sequence, enqueuedMs, message });
    }
    if (messages.length >= max) return messages;
    // fewer than asked: only when the window holds every stored message do the unwritten ones follow
    if (window.length < device.queued) return undefined;
    return this.#unwrittenAfter(device, from, max, messages);
  }

  /** `messages` and then the device's unwritten messages after sequence number `after`, up to `max` in all. */
  #unwrittenAfter(device: DeviceQueue, after: number, max: number, messages: QueuedMessage[]): QueuedMessage[] {
    for (const { sequence, message } of device.unwritten) {
      if (messages.length >= max) break;
      if (sequence > after) messages.push({ sequence, enqueuedMs: this.#lastNow, message });
    }
    return messages;
  }

  async #read(deviceId: string, after: number | undefined, max: number): Promise<QueuedMessage[]> {
    const device = this.#devices.get(deviceId);
    if (device === undefined || max <= 0) return [];
    const head = await this.#head(device);
    if (head === undefined) return this.#unwrittenAfter(device, after ?? 0, max, []);
    let position: Position;
    let skipThrough = 0;
    const known = after === undefined ? -1 : device.window.findIndex((entry) => entry.sequence === after);
    if (known >= 0) {
      const entry = device.window[known] as Descriptor;
      position = { segment: entry.segment, offset: entry.offset + entry.size };
    } else if (after === undefined || after < head.sequence) {
      position = head;
    } else {
      const last = device.window[device.window.length - 1] as Descriptor;
      position = { segment: last.segment, offset: last.offset + last.size };
      skipThrough = after;
    }
    const messages: QueuedMessage[] = [];
    while (messages.length < max) {
      position = device.normalize(position);
      const { segment, offset } = position;
      if (offset >= segment.size) break;
      const handle = await this.#files.file(device.directory, segmentName(segment.number));
      let chunk = await this.#fs.read(handle, offset, Math.min(this.#readAhead, segment.size - offset));
      let at = 0;
      while (messages.length < max && offset + at < segment.size) {
        let found = decodeRecord(chunk, at);
        if (found.kind === 'short' && at === 0) {
          // one record larger than the read-ahead
          if (offset + found.needed > segment.size) {
            found = { kind: 'damaged', why: `a record of ${found.needed} bytes runs past the segment's end` };
          } else {
            chunk = await this.#fs.read(handle, offset, found.needed);
            found = decodeRecord(chunk, 0);
          }
        }
        if (found.kind === 'short') break;
        if (found.kind === 'damaged') {
          await this.#damaged(device, { segment, offset: offset + at }, found.why);
          return messages;
        }
        this.#took(device, { segment, offset: offset + at }, found.record, skipThrough, messages);
        at += found.record.size;
      }
      position = { segment, offset: offset + at };
    }
    return this.#unwrittenAfter(device, messages.at(-1)?.sequence ?? after ?? 0, max, messages);
  }

  #took(
    device: DeviceQueue,
    position: Position,
    record: StoredRecord,
    skipThrough: number,
    messages: QueuedMessage[],
  ): void {
    const last = device.window[device.window.length - 1];
    if (
      device.window.length < MAX_WINDOW &&
      (last === undefined ? record.sequence > device.removedThrough : record.sequence === last.sequence + 1)
    ) {
      device.window.push({ ...position, sequence: record.sequence, enqueuedMs: record.enqueuedMs, size: record.size });
    }
    if (record.sequence > skipThrough && record.sequence > device.removedThrough) {
      messages.push({ sequence: record.sequence, enqueuedMs: record.enqueuedMs, message: record.message });
    }
  }

  /** The device's oldest stored message (its descriptor, read from its file when not held), or undefined. */
  async #head(device: DeviceQueue): Promise<Descriptor | undefined> {
    while (device.queued > 0) {
      const held = device.window[0];
      if (held !== undefined) return held;
      const head = device.normalizedHead();
      if (head === undefined || head.offset >= head.segment.size) {
        await this.#warn(`device "${device.deviceId}" counts ${device.queued} messages its segments do not hold`);
        this.#lose(device, device.queued, device.queuedBytes);
        return undefined;
      }
      const bytes = await this.#fs.read(
        await this.#files.file(device.directory, segmentName(head.segment.number)),
        head.offset,
        24,
      );
      const found = decodeRecordHead(bytes);
      if (found === undefined || head.offset + found.size > head.segment.size) {
        await this.#damaged(device, head, 'a record head is damaged');
        continue;
      }
      device.window.push({ ...head, ...found });
    }
    return undefined;
  }

  /** Damage at `position`: what the segment holds from there on is lost (dropped and counted). */
  async #damaged(device: DeviceQueue, position: Position, why: string): Promise<void> {
    const { segment, offset } = position;
    const last = device.window[device.window.length - 1];
    const expected = last !== undefined && last.segment === segment ? last.sequence + 1 : segment.first;
    const lost = Math.max(0, segment.last - Math.max(expected, device.removedThrough + 1) + 1);
    const bytes = Math.max(0, segment.size - offset);
    await this.#warn(
      `${segmentName(segment.number)} of device "${device.deviceId}" is damaged at byte ${offset} (${why}): ` +
        `${lost} messages after it are lost`,
    );
    segment.size = offset;
    segment.last = Math.max(segment.first - 1, expected - 1);
    segment.appendable = false;
    this.#lose(device, lost, bytes);
  }

  #lose(device: DeviceQueue, count: number, bytes: number): void {
    device.queued -= count;
    device.queuedBytes -= bytes;
    this.#storedBytes -= bytes;
    device.dropped += count;
    device.markDirty = true;
  }

  // --- removing ------------------------------------------------------------------------------------------------

  /**
   * Removes the head (which {@link TelemetryQueue.#head} loaded: `expected`) and counts it; nothing when the head is
   * another by now (removed while the disk was read).
   */
  #removeHead(device: DeviceQueue, as: 'forwarded' | 'dropped', expected: Descriptor): void {
    if (device.window[0] !== expected) return;
    const head = device.window.shift() as Descriptor;
    this.#letGo(head);
    device.removedThrough = head.sequence;
    device.queued--;
    device.queuedBytes -= head.size;
    this.#storedBytes -= head.size;
    device[as]++;
    device.markDirty = true;
    device.head = device.normalize({ segment: head.segment, offset: head.offset + head.size });
  }

  /**
   * Removes the heads the hub acknowledged whose writes are done, as far as the window holds them: answers whether
   * that was all (false: the head must be read from disk first).
   */
  #removeAcknowledged(device: DeviceQueue): boolean {
    const through = Math.min(device.ackedThrough, device.settledThrough);
    for (;;) {
      const head = device.window[0];
      if (head === undefined) return device.queued === 0 || device.removedThrough >= through;
      if (head.sequence > through) return true;
      this.#removeHead(device, 'forwarded', head);
    }
  }

  /** Removes the heads the hub acknowledged whose writes are done, reading them from disk where needed. */
  async #removeAcknowledgedHeads(device: DeviceQueue): Promise<void> {
    while (!this.#removeAcknowledged(device)) {
      const head = await this.#head(device);
      if (head === undefined || head.sequence > Math.min(device.ackedThrough, device.settledThrough)) return;
      this.#removeHead(device, 'forwarded', head);
    }
  }

  /** Drops messages older than `maxAgeMs` at `now`; answers the devices it dropped of. */
  async #dropExpired(now: number): Promise<DeviceQueue[]> {
    const touched: DeviceQueue[] = [];
    const oldest = now - this.#maxAgeMs;
    for (const device of this.#devices.values()) {
      let dropped = 0;
      for (;;) {
        const head = await this.#head(device);
        if (head === undefined || head.enqueuedMs >= oldest) break;
        this.#removeHead(device, 'dropped', head);
        dropped++;
      }
      if (dropped === 0) continue;
      touched.push(device);
      await this.#warn(`dropped ${dropped} messages of device "${device.deviceId}" older than ${this.#maxAgeMs} ms`);
    }
    return touched;
  }

  /** Drops the oldest messages of all devices until `bytes` more fit within `maxBytes`; answers whose it dropped. */
  async #dropOldest(bytes: number): Promise<DeviceQueue[]> {
    const dropped = new Map<DeviceQueue, number>();
    while (this.#storedBytes + bytes > this.#maxBytes) {
      let oldest: { device: DeviceQueue; head: Descriptor } | undefined;
      for (const device of this.#devices.values()) {
        const head = await this.#head(device);
        if (head !== undefined && (oldest === undefined || head.enqueuedMs < oldest.head.enqueuedMs)) {
          oldest = { device, head };
        }
      }
      if (oldest === undefined) break;
      this.#removeHead(oldest.device, 'dropped', oldest.head);
      dropped.set(oldest.device, (dropped.get(oldest.device) ?? 0) + 1);
    }
    for (const [device, count] of dropped) {
      await this.#warn(
        `dropped the ${count} oldest messages of device "${device.deviceId}": over ${this.#maxBytes} bytes`,
      );
    }
    return [...dropped.keys()];
  }

  /** Removes the segment files of `devices` that hold only removed messages, and writes their marks. */
  async #tidy(devices: Iterable<DeviceQueue>): Promise<void> {
    for (const device of devices) {
      for (const segment of device.passedSegments()) {
        await this.#files.unlink(device.directory, segmentName(segment.number));
        device.dropSegment(segment);
      }
      const tail = device.tail;
      if (device.queued === 0 && tail !== undefined && !tail.appendable) {
        await this.#files.unlink(device.directory, segmentName(tail.number));
        device.dropSegment(tail);
        device.head = undefined;
        this.#clearWindow(device);
      } else if (
        device.queued === 0 &&
        tail !== undefined &&
        tail.size > tail.headerBytes &&
        (tail.size - tail.headerBytes >= this.#drainedTailBytes || device.gap)
      ) {
        // drained: the newest segment starts over, so that a drained queue holds little more than its headers (not
        // at every drain: a queue that keeps up drains at every message; at once after a refused write)
        await this.#fs.truncate(await this.#files.file(device.directory, segmentName(tail.number)), tail.headerBytes);
        tail.size = tail.headerBytes;
        tail.first = device.nextSequence;
        tail.last = device.nextSequence - 1;
        device.head = { segment: tail, offset: tail.headerBytes };
        this.#clearWindow(device);
      }
      if (device.markDirty) {
        device.markDirty = false;
        const mark = encodeMark(device);
        await this.#fs.write(await this.#files.file(device.directory, 'mark', true, true), 0, mark);
      }
    }
  }

  #clearWindow(device: DeviceQueue): void {
    for (const entry of device.window) this.#letGo(entry);
    device.window.length = 0;
  }

  // --- recovering ----------------------------------------------------------------------------------------------

  async #recover(): Promise<void> {
    await this.#fs.mkdirp(this.#root);
    for (const entry of await this.#fs.list(this.#root)) {
      if (entry.kind !== 'directory') continue;
      const deviceId = deviceIdOfDirectory(entry.name);
      if (deviceId === undefined) {
        await this.#warn(`${this.#root}/${entry.name} names no device; it is left alone`);
        continue;
      }
      const device = this.#device(deviceId);
      device.directoryMade = true;
      await this.#recoverDevice(device);
      await this.#tidy([device]);
      if (device.queued > 0 || device.forwarded > 0 || device.dropped > 0) continue;
      this.#devices.delete(deviceId);
    }
  }

  async #recoverDevice(device: DeviceQueue): Promise<void> {
    const names: { name: string; number: number }[] = [];
    for (const entry of await this.#fs.list(device.directory)) {
      const number = segmentNumber(entry.name);
      if (entry.kind === 'file' && number !== undefined) names.push({ name: entry.name, number });
    }
    names.sort((a, b) => a.number - b.number);
    const markHandle = await this.#files.file(device.directory, 'mark', true, true);
    const mark = decodeMark(await this.#fs.read(markHandle, 0, MARK_BYTES));
    if (mark !== undefined) {
      device.removedThrough = mark.removedThrough;
      device.forwarded = mark.forwarded;
      device.dropped = mark.dropped;
    }
    let lastSequence = 0;
    for (const [index, { name, number }] of names.entries()) {
      const newest = index === names.length - 1;
      const segment = await this.#recoverSegment(device, name, number, newest, lastSequence);
      if (segment === undefined) continue;
      device.segments.push(segment);
      if (segment.last >= segment.first) lastSequence = segment.last;
    }
    device.nextSequence = Math.max(lastSequence, device.removedThrough) + 1;
    device.settledThrough = device.nextSequence - 1;
    const tail = device.tail;
    // nothing stored: the next message starts where the newest segment ends
    if (device.head === undefined && tail !== undefined) device.head = { segment: tail, offset: tail.size };
  }

  /** Reads one segment through; a torn record at the end of the newest is truncated away, damage elsewhere ends it. */
  async #recoverSegment(
    device: DeviceQueue,
    name: string,
    number: number,
    newest: boolean,
    lastSequence: number,
  ): Promise<Segment | undefined> {
    const handle = await this.#files.file(device.directory, name);
    const fileSize = (await this.#fs.status(handle)).size;
    const header = decodeSegmentHeader(await this.#fs.read(handle, 0, Math.min(fileSize, 160)));
    if (header === undefined || header.deviceId !== device.deviceId) {
      await this.#warn(`${device.directory}/${name} has no header of device "${device.deviceId}"; it is removed`);
      await this.#files.unlink(device.directory, name);
      return undefined;
    }
    const segment: Segment = {
      number,
      headerBytes: header.length,
      size: header.length,
      first: lastSequence + 1,
      last: lastSequence,
      appendable: newest,
    };
    let offset = header.length;
    let damage: string | undefined;
    while (offset < fileSize && damage === undefined) {
      const chunk = await this.#fs.read(handle, offset, Math.min(Math.max(this.#readAhead, 4096), fileSize - offset));
      let at = 0;
      for (;;) {
        let found = decodeRecord(chunk, at);
        if (found.kind === 'short' && at === 0) {
          found =
            offset + found.needed <= fileSize
              ? decodeRecord(await this.#fs.read(handle, offset, found.needed), 0)
              : { kind: 'damaged', why: `a record of ${found.needed} bytes runs past the end of the file` };
        }
        if (found.kind === 'short') break;
        if (found.kind === 'damaged') {
          damage = found.why;
          break;
        }
        const { record } = found;
        const expected = segment.last + 1;
        if (segment.last >= segment.first ? record.sequence !== expected : record.sequence < expected) {
          damage = `sequence number ${record.sequence} where ${expected} was next`;
          break;
        }
        if (segment.last < segment.first) segment.first = record.sequence;
        segment.last = record.sequence;
        if (record.sequence > device.removedThrough) {
          device.queued++;
          device.queuedBytes += record.size;
          this.#storedBytes += record.size;
          if (device.head === undefined) device.head = { segment, offset: offset + at };
        }
        at += record.size;
        if (at >= chunk.length) break;
      }
      offset += at;
    }
    segment.size = offset;
    if (damage !== undefined) {
      if (newest) {
        await this.#warn(
          `dropped a torn record at byte ${offset} of ${device.directory}/${name} (${damage}): ` +
            'a write the crash cut short',
        );
        await this.#fs.truncate(handle, offset);
      } else {
        await this.#warn(`${device.directory}/${name} is damaged at byte ${offset} (${damage}); the rest is lost`);
        segment.appendable = false;
      }
    }
    return segment;
  }
}

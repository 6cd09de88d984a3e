// The telemetry queue's files. Everything is little-endian.
//
//   {directory}/{device directory}/          one per device: the id as is when it holds only [A-Za-z0-9_-],
//                                            else "%" + two hex digits per other character; an escaped name over
//                                            200 bytes is "~" + the id in base64url instead (ids are ASCII, <= 128)
//   {directory}/{device directory}/mark      36 bytes, rewritten in place, not synced (a lost or torn mark only
//                                            sends acknowledged messages again: at-least-once):
//                                              "OSTM", u8 version 1, 3 zero bytes, f64 removedThrough (every message
//                                              with a sequence number up to it is acknowledged or dropped),
//                                              f64 forwarded, f64 dropped (the device's counts), u32 CRC-32 of the 32
//                                              bytes before it
//   {directory}/{device directory}/{n}.seg   segments, n twelve decimal digits from 000000000001, append-only:
//                                              header: "OSTQ", u8 version 1, u8 id length, the device id (ASCII),
//                                                      u32 CRC-32 of the header's bytes before it
//                                              records, each: u32 payload length, u32 CRC-32 of the payload, payload:
//                                                      f64 sequence number (per device, from 1, one more per message),
//                                                      f64 enqueued time (ms since the epoch, the Rtc's), u32 length of
//                                                      the property bag, the property bag (UTF-8), the body
//
// A record whose length runs past the end of its file, or whose CRC does not match, ends what is read of that file:
// after a crash that is the torn write at the end of the newest segment, which the queue truncates away; messages
// of it were never acknowledged to the leaf (the queue resolves a send only after the write's sync).

import type { LeafTelemetry } from '../upstream-link.js';
import { crc32 } from './crc32.js';

/** The segment header's magic. */
const SEGMENT_MAGIC = 0x5154534f; // "OSTQ"
/** The mark file's magic. */
const MARK_MAGIC = 0x4d54534f; // "OSTM"
const VERSION = 1;

/** Bytes before a record's payload: its length and CRC. */
export const RECORD_HEAD_BYTES = 8;
/** Bytes of a payload before the property bag: sequence number, enqueued time, bag length. */
export const PAYLOAD_FIXED_BYTES = 20;
/** Bytes of the mark file. */
export const MARK_BYTES = 36;
/** The largest payload a record may claim; a longer claim is damage. IoT Hub's messages are at most 256 KB. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One stored message of a device, as read back. */
export interface StoredRecord {
  /** Its place in the device's order, from 1. */
  readonly sequence: number;
  /** When the queue took it, ms since the epoch. */
  readonly enqueuedMs: number;
  /** The message. */
  readonly message: LeafTelemetry;
  /** Bytes of the whole record in its file. */
  readonly size: number;
}

/** What a device's mark file holds. */
export interface QueueMark {
  /** Every message with a sequence number up to this one is gone (acknowledged or dropped). */
  readonly removedThrough: number;
  /** Messages acknowledged by the hub. */
  readonly forwarded: number;
  /** Messages dropped over the bounds. */
  readonly dropped: number;
}

/** The name of segment `n`. */
export function segmentName(n: number): string {
  return `${String(n).padStart(12, '0')}.seg`;
}

/** The number of the segment named `name`, or undefined when it names none. */
export function segmentNumber(name: string): number | undefined {
  const match = /^(\d{12})\.seg$/.exec(name);
  return match === null ? undefined : Number(match[1]);
}

/** The directory name of `deviceId` (an IoT Hub device id: ASCII, at most 128 characters). */
export function deviceDirectoryName(deviceId: string): string {
  const escaped = deviceId.replace(
    /[^A-Za-z0-9_-]/g,
    (character) => `%${character.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
  if (escaped.length <= 200) return escaped;
  return `~${btoa(deviceId).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')}`;
}

/** The device id a directory name stands for, or undefined when the name is none of {@link deviceDirectoryName}'s. */
export function deviceIdOfDirectory(name: string): string | undefined {
  let id: string;
  try {
    id = name.startsWith('~')
      ? atob(name.slice(1).replace(/-/g, '+').replace(/_/g, '/'))
      : name.replace(/%([0-9a-f]{2})/g, (_match, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  } catch {
    return undefined;
  }
  return deviceDirectoryName(id) === name ? id : undefined;
}

/** A segment's header for `deviceId`. */
export function encodeSegmentHeader(deviceId: string): Uint8Array {
  const id = encoder.encode(deviceId);
  const header = new Uint8Array(10 + id.length);
  const view = new DataView(header.buffer);
  view.setUint32(0, SEGMENT_MAGIC, true);
  header[4] = VERSION;
  header[5] = id.length;
  header.set(id, 6);
  view.setUint32(6 + id.length, crc32(header.subarray(0, 6 + id.length)), true);
  return header;
}

/** The device id and the header's length, or undefined when `bytes` (a segment's first bytes) hold no whole header. */
export function decodeSegmentHeader(bytes: Uint8Array): { deviceId: string; length: number } | undefined {
  if (bytes.length < 10) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const idLength = bytes[5] as number;
  if (view.getUint32(0, true) !== SEGMENT_MAGIC || bytes[4] !== VERSION || bytes.length < 10 + idLength) {
    return undefined;
  }
  if (view.getUint32(6 + idLength, true) !== crc32(bytes.subarray(0, 6 + idLength))) return undefined;
  return { deviceId: decoder.decode(bytes.subarray(6, 6 + idLength)), length: 10 + idLength };
}

/** Bytes of the record of `message`. */
export function recordBytes(message: LeafTelemetry): number {
  return RECORD_HEAD_BYTES + PAYLOAD_FIXED_BYTES + encoder.encode(message.properties).length + message.body.length;
}

/** The bytes of one record. */
export function encodeRecord(sequence: number, enqueuedMs: number, message: LeafTelemetry): Uint8Array {
  const bag = encoder.encode(message.properties);
  const payloadLength = PAYLOAD_FIXED_BYTES + bag.length + message.body.length;
  const record = new Uint8Array(RECORD_HEAD_BYTES + payloadLength);
  const view = new DataView(record.buffer);
  view.setUint32(0, payloadLength, true);
  view.setFloat64(8, sequence, true);
  view.setFloat64(16, enqueuedMs, true);
  view.setUint32(24, bag.length, true);
  record.set(bag, 28);
  record.set(message.body, 28 + bag.length);
  view.setUint32(4, crc32(record.subarray(RECORD_HEAD_BYTES)), true);
  return record;
}

/** What is at the start of `bytes`: a whole, undamaged record; `short` when more bytes are needed; or `damaged`. */
export type RecordAt =
  | { readonly kind: 'record'; readonly record: StoredRecord }
  | { readonly kind: 'short'; readonly needed: number }
  | { readonly kind: 'damaged'; readonly why: string };

/** Reads the record at `offset` of `bytes` (its body a copy, not a view of `bytes`). */
export function decodeRecord(bytes: Uint8Array, offset: number): RecordAt {
  const left = bytes.length - offset;
  if (left < RECORD_HEAD_BYTES) return { kind: 'short', needed: RECORD_HEAD_BYTES };
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, left);
  const payloadLength = view.getUint32(0, true);
  if (payloadLength < PAYLOAD_FIXED_BYTES || payloadLength > MAX_PAYLOAD_BYTES) {
    return { kind: 'damaged', why: `a record claims ${payloadLength} bytes` };
  }
  const size = RECORD_HEAD_BYTES + payloadLength;
  if (left < size) return { kind: 'short', needed: size };
  const payload = bytes.subarray(offset + RECORD_HEAD_BYTES, offset + size);
  if (crc32(payload) !== view.getUint32(4, true)) return { kind: 'damaged', why: 'a record fails its CRC' };
  const bagLength = view.getUint32(24, true);
  if (PAYLOAD_FIXED_BYTES + bagLength > payloadLength) return { kind: 'damaged', why: 'a property bag overruns' };
  const sequence = view.getFloat64(8, true);
  const enqueuedMs = view.getFloat64(16, true);
  if (!Number.isSafeInteger(sequence) || sequence < 1) return { kind: 'damaged', why: `sequence number ${sequence}` };
  return {
    kind: 'record',
    record: {
      sequence,
      enqueuedMs,
      size,
      message: {
        properties: decoder.decode(payload.subarray(PAYLOAD_FIXED_BYTES, PAYLOAD_FIXED_BYTES + bagLength)),
        body: payload.slice(PAYLOAD_FIXED_BYTES + bagLength),
      },
    },
  };
}

/** The sequence number, enqueued time and size of the record whose first 24 bytes are `bytes`, if they look whole. */
export function decodeRecordHead(
  bytes: Uint8Array,
): { sequence: number; enqueuedMs: number; size: number } | undefined {
  if (bytes.length < RECORD_HEAD_BYTES + 16) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payloadLength = view.getUint32(0, true);
  if (payloadLength < PAYLOAD_FIXED_BYTES || payloadLength > MAX_PAYLOAD_BYTES) return undefined;
  const sequence = view.getFloat64(8, true);
  if (!Number.isSafeInteger(sequence) || sequence < 1) return undefined;
  return { sequence, enqueuedMs: view.getFloat64(16, true), size: RECORD_HEAD_BYTES + payloadLength };
}

/** The bytes of a mark file. */
export function encodeMark(mark: QueueMark): Uint8Array {
  const bytes = new Uint8Array(MARK_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, MARK_MAGIC, true);
  bytes[4] = VERSION;
  view.setFloat64(8, mark.removedThrough, true);
  view.setFloat64(16, mark.forwarded, true);
  view.setFloat64(24, mark.dropped, true);
  view.setUint32(32, crc32(bytes.subarray(0, 32)), true);
  return bytes;
}

/** The mark `bytes` hold, or undefined when they are no whole mark (missing, torn, damaged). */
export function decodeMark(bytes: Uint8Array): QueueMark | undefined {
  if (bytes.length < MARK_BYTES) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, MARK_BYTES);
  if (view.getUint32(0, true) !== MARK_MAGIC || bytes[4] !== VERSION) return undefined;
  if (view.getUint32(32, true) !== crc32(bytes.subarray(0, 32))) return undefined;
  const mark = {
    removedThrough: view.getFloat64(8, true),
    forwarded: view.getFloat64(16, true),
    dropped: view.getFloat64(24, true),
  };
  const whole = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
  return whole(mark.removedThrough) && whole(mark.forwarded) && whole(mark.dropped) ? mark : undefined;
}

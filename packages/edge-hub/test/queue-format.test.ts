import { DEVICE_ID } from '@os/iothub';
import { describe, expect, it } from 'vitest';
import {
  MAX_PAYLOAD_BYTES,
  decodeMark,
  decodeRecord,
  decodeRecordHead,
  decodeSegmentHeader,
  deviceDirectoryName,
  deviceIdOfDirectory,
  encodeMark,
  encodeRecord,
  encodeSegmentHeader,
  recordBytes,
} from '../src/queue/queue-format.js';

const message = { properties: 'a=1&%24.mid=x', body: new TextEncoder().encode('{"counter":1}') };

describe('the queue format', () => {
  it('names device directories safely and reads the id back, for any id IoT Hub allows', () => {
    const ids = ['robot-1', 'Robot_2', 'a.b', '..', '.', "x:y+z%#*?!(),=@;$'", 'q'.repeat(128), '%'.repeat(128)];
    for (const id of ids) {
      expect(DEVICE_ID.test(id)).toBe(true);
      const name = deviceDirectoryName(id);
      expect(name).toMatch(/^[A-Za-z0-9_%~-]+$/);
      expect(name.length).toBeLessThanOrEqual(255);
      expect(deviceIdOfDirectory(name)).toBe(id);
    }
    expect(deviceDirectoryName('robot-1')).toBe('robot-1');
    expect(deviceDirectoryName('..')).toBe('%2e%2e');
    // names the queue never makes stand for no device
    for (const name of ['%2E%2E', '%zz', '~!!', 'a.b', '~cm9ib3QtMQ'])
      expect(deviceIdOfDirectory(name)).toBeUndefined();
  });

  it('reads back a record exactly, and tells a torn or damaged one from a whole one', () => {
    const record = encodeRecord(42, 1_700_000_000_123, message);
    expect(record.length).toBe(recordBytes(message));
    const found = decodeRecord(record, 0);
    expect(found).toEqual({
      kind: 'record',
      record: { sequence: 42, enqueuedMs: 1_700_000_000_123, size: record.length, message },
    });
    expect(decodeRecordHead(record.subarray(0, 24))).toEqual({
      sequence: 42,
      enqueuedMs: 1_700_000_000_123,
      size: record.length,
    });
    for (let cut = 0; cut < record.length; cut++) expect(decodeRecord(record.subarray(0, cut), 0).kind).toBe('short');
    for (let at = 4; at < record.length; at++) {
      const damaged = record.slice();
      damaged[at] = (damaged[at] as number) ^ 0x40;
      expect(decodeRecord(damaged, 0).kind).toBe('damaged');
    }
    // a length no record has, a property bag longer than its payload, sequence number 0
    const huge = record.slice();
    new DataView(huge.buffer).setUint32(0, MAX_PAYLOAD_BYTES + 1, true);
    expect(decodeRecord(huge, 0)).toMatchObject({ kind: 'damaged' });
    expect(decodeRecordHead(huge.subarray(0, 24))).toBeUndefined();
    const overrun = encodeRecord(1, 0, message);
    new DataView(overrun.buffer).setUint32(24, 1000, true);
    expect(decodeRecord(overrun, 0).kind).toBe('damaged');
    expect(decodeRecord(encodeRecord(0, 0, message), 0).kind).toBe('damaged');
  });

  it('checks segment headers and marks', () => {
    const header = encodeSegmentHeader('robot-1');
    expect(decodeSegmentHeader(header)).toEqual({ deviceId: 'robot-1', length: header.length });
    expect(decodeSegmentHeader(header.subarray(0, header.length - 1))).toBeUndefined();
    const bent = header.slice();
    bent[7] = 0x21;
    expect(decodeSegmentHeader(bent)).toBeUndefined();
    const mark = { removedThrough: 17, forwarded: 15, dropped: 2 };
    expect(decodeMark(encodeMark(mark))).toEqual(mark);
    expect(decodeMark(encodeMark(mark).subarray(0, 30))).toBeUndefined();
    expect(decodeMark(new Uint8Array(36))).toBeUndefined();
    expect(decodeMark(encodeMark({ removedThrough: -1, forwarded: 0, dropped: 0 }))).toBeUndefined();
  });
});

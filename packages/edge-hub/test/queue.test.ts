import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { QueueMessageTooLarge, QueueStorageFull } from '../src/queue/queue-errors.js';
import { deviceDirectoryName } from '../src/queue/queue-format.js';
import { type QueuedMessage, TelemetryQueue, type TelemetryQueueOptions } from '../src/queue/telemetry-queue.js';
import type { LeafTelemetry } from '../src/upstream-link.js';
import { type GatewaySystem, kernel, startGatewaySystem, storageDirectory } from './upstream-system.js';

const systems: GatewaySystem[] = [];
afterEach(async () => {
  for (const system of systems.splice(0)) await system.stop();
});

async function system(directory: string, quota?: string): Promise<GatewaySystem> {
  const started = await startGatewaySystem({ directory, ...(quota === undefined ? {} : { quota }) });
  systems.push(started);
  return started;
}

function message(n: number, properties = `n=${n}&%24.mid=m-${n}`): LeafTelemetry {
  return { properties, body: new TextEncoder().encode(JSON.stringify({ counter: n, pad: 'x'.repeat(n % 7) })) };
}

function texts(messages: readonly QueuedMessage[]): string[] {
  return messages.map((queued) => new TextDecoder().decode(queued.message.body));
}

async function openQueue(
  gateway: GatewaySystem,
  options: Partial<TelemetryQueueOptions> = {},
): Promise<TelemetryQueue> {
  const fs = await gateway.parts.openFs();
  return TelemetryQueue.open({
    fs,
    maxBytes: 1024 * 1024,
    maxAgeMs: 3_600_000,
    now: () => gateway.parts.now(),
    log: (line) => gateway.parts.log(line),
    ...options,
  });
}

/** The host path of a device's segment files, oldest first. */
function segments(directory: string, deviceId: string): string[] {
  const folder = join(directory, 'state', 'gateway', 'telemetry', deviceDirectoryName(deviceId));
  return readdirSync(folder)
    .filter((name) => name.endsWith('.seg'))
    .sort()
    .map((name) => join(folder, name));
}

describe(`the telemetry queue on lx_fs, on ${kernel.name}`, () => {
  it('keeps each device in order, hands out exactly what was sent, and removes only what is acknowledged', async () => {
    const directory = storageDirectory();
    const gateway = await system(directory);
    const queue = await openQueue(gateway, { segmentBytes: 600 });
    // a burst: the appends arrive together and share writes and syncs
    await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => queue.append('robot-1', message(i + 1))),
      ...Array.from({ length: 10 }, (_, i) => queue.append('robot/2', message(100 + i, ''))),
    ]);
    const first = await queue.read('robot-1', undefined, 100);
    expect(first.map((queued) => queued.sequence)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(texts(first)).toEqual(Array.from({ length: 30 }, (_, i) => new TextDecoder().decode(message(i + 1).body)));
    expect(first[4]?.message.properties).toBe('n=5&%24.mid=m-5');
    const other = await queue.read('robot/2', undefined, 100);
    expect(other.map((queued) => queued.message.properties)).toEqual(Array(10).fill(''));
    expect(texts(other)[9]).toBe(new TextDecoder().decode(message(109).body));

    // reading on from a sequence number, as the upstream does while messages are in flight
    expect((await queue.read('robot-1', 10, 3)).map((queued) => queued.sequence)).toEqual([11, 12, 13]);
    await queue.acknowledge('robot-1', 12);
    expect(queue.counts('robot-1')).toEqual({ forwarded: 12, queued: 18, dropped: 0, refused: 0 });
    expect((await queue.read('robot-1', undefined, 2)).map((queued) => queued.sequence)).toEqual([13, 14]);
    // acknowledging again, or older messages, changes nothing
    await queue.acknowledge('robot-1', 5);
    expect(queue.counts('robot-1').queued).toBe(18);
    // one by one the appends fill segments of 600 bytes; those that hold only acknowledged messages are removed
    for (let i = 31; i <= 50; i++) await queue.append('robot-1', message(i));
    const before = segments(directory, 'robot-1');
    expect(before.length).toBeGreaterThan(2);
    await queue.acknowledge('robot-1', 40);
    const after = segments(directory, 'robot-1');
    expect(after.length).toBeLessThan(before.length);
    expect(after.at(-1)).toBe(before.at(-1));
    expect((await queue.read('robot-1', undefined, 100)).map((queued) => queued.sequence)).toEqual(
      Array.from({ length: 10 }, (_, i) => i + 41),
    );
    // a drained queue holds no more than its segment's header
    await queue.acknowledge('robot-1', 50);
    expect(queue.counts('robot-1')).toEqual({ forwarded: 50, queued: 0, dropped: 0, refused: 0 });
    expect(segments(directory, 'robot-1').map((path) => statSync(path).size)).toEqual([17]);
    expect(await queue.read('robot-1', undefined, 10)).toEqual([]);
    await queue.append('robot-1', message(51));
    expect((await queue.read('robot-1', undefined, 10)).map((queued) => queued.sequence)).toEqual([51]);
  });

  it('finds the pending messages again in a new session over the same directory', async () => {
    const directory = storageDirectory();
    const gateway = await system(directory);
    const queue = await openQueue(gateway, { segmentBytes: 400 });
    for (let i = 1; i <= 12; i++) await queue.append('robot-1', message(i));
    await queue.append('robot-2', message(50));
    await queue.acknowledge('robot-1', 7);
    await queue.close();

    const again = await openQueue(gateway, { segmentBytes: 400 });
    expect(again.devicesWithMessages().sort()).toEqual(['robot-1', 'robot-2']);
    expect(again.counts('robot-1')).toEqual({ forwarded: 7, queued: 5, dropped: 0, refused: 0 });
    const pending = await again.read('robot-1', undefined, 100);
    expect(pending.map((queued) => queued.sequence)).toEqual([8, 9, 10, 11, 12]);
    expect(texts(pending)).toEqual([8, 9, 10, 11, 12].map((n) => new TextDecoder().decode(message(n).body)));
    await again.append('robot-1', message(13));
    expect((await again.read('robot-1', 12, 10)).map((queued) => queued.sequence)).toEqual([13]);

    // and after the whole gateway restarted
    await again.close();
    await gateway.stop();
    const restarted = await system(directory);
    const third = await openQueue(restarted, { segmentBytes: 400 });
    expect((await third.read('robot-1', undefined, 100)).map((queued) => queued.sequence)).toEqual([
      8, 9, 10, 11, 12, 13,
    ]);
    expect(texts(await third.read('robot-2', undefined, 10))).toEqual([new TextDecoder().decode(message(50).body)]);
  });

  it('drops the oldest messages over its size bound, across devices, and counts them per device', async () => {
    const gateway = await system(storageDirectory());
    const record = 28 + message(1).properties.length + message(1).body.length;
    // a clock that moves on at each write: which message is older never ties
    let clock = 1_700_000_000_000;
    const now = async (): Promise<number> => clock++;
    const queue = await openQueue(gateway, { maxBytes: record * 10 + 5, segmentBytes: 300, now });
    for (let i = 1; i <= 4; i++) await queue.append('robot-1', message(1));
    for (let i = 1; i <= 4; i++) await queue.append('robot-2', message(1));
    for (let i = 5; i <= 8; i++) await queue.append('robot-1', message(1));
    // 12 records of the same size where 10 fit: robot-1's two oldest go
    expect(queue.counts('robot-1')).toEqual({ forwarded: 0, queued: 6, dropped: 2, refused: 0 });
    expect(queue.counts('robot-2')).toEqual({ forwarded: 0, queued: 4, dropped: 0, refused: 0 });
    expect(queue.storedBytes).toBeLessThanOrEqual(record * 10 + 5);
    expect((await queue.read('robot-1', undefined, 100)).map((queued) => queued.sequence)).toEqual([3, 4, 5, 6, 7, 8]);
    for (let i = 1; i <= 4; i++) await queue.append('robot-2', message(1));
    // then robot-1's 3 and 4, then robot-2's 1 and 2 (older than robot-1's 5)
    expect(queue.counts('robot-1')).toEqual({ forwarded: 0, queued: 4, dropped: 4, refused: 0 });
    expect((await queue.read('robot-1', undefined, 100)).map((queued) => queued.sequence)).toEqual([5, 6, 7, 8]);
    expect(queue.counts('robot-2')).toEqual({ forwarded: 0, queued: 6, dropped: 2, refused: 0 });
    expect((await queue.read('robot-2', undefined, 100)).map((queued) => queued.sequence)).toEqual([3, 4, 5, 6, 7, 8]);
    // the counts survive a restart
    await queue.close();
    const again = await openQueue(gateway, { maxBytes: record * 10 + 5, segmentBytes: 300, now });
    expect(again.counts('robot-1')).toEqual({ forwarded: 0, queued: 4, dropped: 4, refused: 0 });
    await expect(again.append('robot-1', message(1, 'x'.repeat(record * 11)))).rejects.toThrow(QueueMessageTooLarge);
    expect(again.counts('robot-1').refused).toBe(1);
  });

  it('drops messages older than its age bound, counted', async () => {
    const gateway = await system(storageDirectory());
    let clock = 1_700_000_000_000;
    const queue = await openQueue(gateway, { maxAgeMs: 60_000, now: async () => clock });
    for (let i = 1; i <= 3; i++) await queue.append('robot-1', message(i));
    clock += 30_000;
    for (let i = 4; i <= 5; i++) await queue.append('robot-1', message(i));
    clock += 40_000;
    // the first three are 70 s old now: the next append drops them
    await queue.append('robot-1', message(6));
    expect(queue.counts('robot-1')).toEqual({ forwarded: 0, queued: 3, dropped: 3, refused: 0 });
    expect((await queue.read('robot-1', undefined, 10)).map((queued) => queued.sequence)).toEqual([4, 5, 6]);
    clock += 25_000;
    // expire() drops what has grown too old without an append
    await queue.expire();
    expect(queue.counts('robot-1')).toEqual({ forwarded: 0, queued: 1, dropped: 5, refused: 0 });
    expect((await queue.read('robot-1', undefined, 10)).map((queued) => queued.sequence)).toEqual([6]);
  });

  it('drops a torn last record after a crash and keeps the rest', async () => {
    const directory = storageDirectory();
    const gateway = await system(directory);
    const queue = await openQueue(gateway);
    for (let i = 1; i <= 5; i++) await queue.append('robot-1', message(i));
    await queue.close();
    const [segment] = segments(directory, 'robot-1');
    if (segment === undefined) throw new Error('no segment');
    // the write of message 5 cut short by the crash
    truncateSync(segment, statSync(segment).size - 7);

    const again = await openQueue(gateway);
    expect(again.counts('robot-1').queued).toBe(4);
    expect((await again.read('robot-1', undefined, 10)).map((queued) => queued.sequence)).toEqual([1, 2, 3, 4]);
    expect(gateway.lines.some((line) => line.includes('dropped a torn record'))).toBe(true);
    // the file ends at the last whole record again, and appends go on after it
    await again.append('robot-1', message(6));
    const all = await again.read('robot-1', undefined, 10);
    expect(all.map((queued) => queued.sequence)).toEqual([1, 2, 3, 4, 5]);
    expect(texts(all)[4]).toBe(new TextDecoder().decode(message(6).body));
    await again.close();

    // a record whose bytes were damaged (its CRC fails) and garbage after the last record
    const bytes = readFileSync(segment);
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0xff;
    writeFileSync(segment, bytes);
    appendFileSync(segment, new Uint8Array([9, 9, 9]));
    const third = await openQueue(gateway);
    expect((await third.read('robot-1', undefined, 10)).map((queued) => queued.sequence)).toEqual([1, 2, 3, 4]);
  });

  it('hands a message out as it is appended; it leaves once the hub acknowledged it and it is durable', async () => {
    const directory = storageDirectory();
    const gateway = await system(directory);
    const queue = await openQueue(gateway);
    await queue.append('robot-1', message(1));
    // what the upstream sees at the moment of each append, before any write: the message and what came before
    const seen: { sequences: number[]; queued: number }[] = [];
    let acknowledged: Promise<void> | undefined;
    const stop = queue.onAppended((deviceId) => {
      if (deviceId !== 'robot-1' || seen.length > 0) return;
      void queue.read('robot-1', undefined, 10).then((messages) => {
        seen.push({ sequences: messages.map((queued) => queued.sequence), queued: queue.counts('robot-1').queued });
      });
      // the hub acknowledges both before the new one is durable: only the durable one leaves now
      acknowledged = queue.acknowledge('robot-1', 2);
      expect(queue.counts('robot-1')).toEqual({ forwarded: 1, queued: 0, dropped: 0, refused: 0 });
    });
    const stored = queue.append('robot-1', message(2));
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual([{ sequences: [1, 2], queued: 0 }]);
    expect(texts(await queue.read('robot-1', 1, 10))).toEqual([new TextDecoder().decode(message(2).body)]);
    await stored;
    await acknowledged;
    stop();
    // durable and acknowledged: it left, counted
    expect(queue.counts('robot-1')).toEqual({ forwarded: 2, queued: 0, dropped: 0, refused: 0 });
    expect(await queue.read('robot-1', undefined, 10)).toEqual([]);
    await queue.append('robot-1', message(3));
    await queue.close();
    const again = await openQueue(gateway);
    expect(again.counts('robot-1')).toEqual({ forwarded: 2, queued: 1, dropped: 0, refused: 0 });
    expect((await again.read('robot-1', undefined, 10)).map((queued) => queued.sequence)).toEqual([3]);
  });

  it('reads from disk what it no longer holds in memory, the same messages in the same order', async () => {
    const gateway = await system(storageDirectory());
    const record = 28 + message(1).properties.length + message(1).body.length;
    // room for about three held messages: reads cross from disk into memory and unwritten messages
    const queue = await openQueue(gateway, { maxHeldBytes: record * 3, segmentBytes: 500, readAheadBytes: 64 });
    const bare = await openQueue(gateway, { directory: '/bare', maxHeldBytes: 0, segmentBytes: 500 });
    for (let i = 1; i <= 40; i++) {
      await Promise.all([queue.append('robot-1', message(i)), bare.append('robot-1', message(i))]);
    }
    const pending = Array.from({ length: 5 }, (_, i) => queue.append('robot-1', message(41 + i)));
    const expected = Array.from({ length: 45 }, (_, i) => new TextDecoder().decode(message(i + 1).body));
    // step by step as the upstream reads: from disk, then held, then not yet written
    const read: QueuedMessage[] = [];
    for (let after: number | undefined; read.length < 45; ) {
      const next = await queue.read('robot-1', after, 7);
      expect(next.length).toBeGreaterThan(0);
      read.push(...next);
      after = next.at(-1)?.sequence;
    }
    expect(read.map((queued) => queued.sequence)).toEqual(Array.from({ length: 45 }, (_, i) => i + 1));
    expect(texts(read)).toEqual(expected);
    await Promise.all(pending);
    expect(texts(await bare.read('robot-1', undefined, 100))).toEqual(expected.slice(0, 40));
    await queue.acknowledge('robot-1', 43);
    expect((await queue.read('robot-1', undefined, 100)).map((queued) => queued.sequence)).toEqual([44, 45]);
    expect((await queue.read('robot-1', 44, 100)).map((queued) => queued.sequence)).toEqual([45]);
    await expect(openQueue(gateway, { maxHeldBytes: -1 })).rejects.toThrow(/maxHeldBytes is -1/);
  });

  it('never takes an acknowledgement of a refused message for the next one', async () => {
    const gateway = await system(storageDirectory(), '4K');
    const queue = await openQueue(gateway);
    const big: LeafTelemetry = { properties: '', body: new Uint8Array(900).fill(7) };
    // a hub that acknowledges each message as soon as the upstream has it, before it is durable
    let hubUp = true;
    const stop = queue.onAppended((deviceId) => {
      if (!hubUp) return;
      void queue.read(deviceId, undefined, 100).then((messages) => {
        const last = messages.at(-1);
        if (last !== undefined) void queue.acknowledge(deviceId, last.sequence);
      });
    });
    let stored = 0;
    let refused: unknown;
    for (let i = 0; i < 12 && refused === undefined; i++) {
      await queue.append('robot-1', big).then(
        () => stored++,
        (error: unknown) => (refused = error),
      );
    }
    expect(refused).toBeInstanceOf(QueueStorageFull);
    hubUp = false;
    stop();
    expect(queue.counts('robot-1')).toEqual({ forwarded: stored, queued: 0, dropped: 0, refused: 1 });
    // the refused message was acknowledged by the hub: the next one has another number and stays until its own
    await queue.append('robot-1', message(1));
    expect(queue.counts('robot-1')).toEqual({ forwarded: stored, queued: 1, dropped: 0, refused: 1 });
    const [next] = await queue.read('robot-1', undefined, 10);
    expect(next?.sequence).toBe(stored + 2);
    expect(texts(next === undefined ? [] : [next])).toEqual([new TextDecoder().decode(message(1).body)]);
  });

  it('refuses a message with QueueStorageFull when the storage is full, and counts it', async () => {
    const gateway = await system(storageDirectory(), '4K');
    const queue = await openQueue(gateway);
    const big: LeafTelemetry = { properties: '', body: new Uint8Array(900).fill(7) };
    const results: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      results.push(
        await queue.append('robot-1', big).then(
          () => 'stored',
          (error: unknown) => error,
        ),
      );
    }
    const refused = results.filter((result) => result instanceof QueueStorageFull);
    expect(refused.length).toBeGreaterThan(0);
    expect((refused[0] as Error).message).toMatch(/storage refused a message of device "robot-1"/);
    const stored = results.filter((result) => result === 'stored').length;
    expect(stored).toBeGreaterThan(0);
    expect(queue.counts('robot-1')).toEqual({ forwarded: 0, queued: stored, dropped: 0, refused: refused.length });
    // what was stored is intact, and room comes back when the hub acknowledges
    const held = await queue.read('robot-1', undefined, 100);
    expect(held.length).toBe(stored);
    expect(held.every((queued) => queued.message.body.every((byte) => byte === 7))).toBe(true);
    // a refused message's sequence number is not given again (the upstream may have sent it): the next starts after
    const sequences = held.map((queued) => queued.sequence);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    const last = sequences.at(-1) ?? 0;
    await queue.acknowledge('robot-1', last);
    await expect(queue.append('robot-1', { properties: 'a=1', body: new Uint8Array(10) })).resolves.toBeUndefined();
    const [after] = await queue.read('robot-1', undefined, 10);
    expect(after?.sequence).toBeGreaterThan(8);
    // and a restart finds it whole, no damage where the numbers skip
    await queue.close();
    const again = await openQueue(gateway);
    expect(again.counts('robot-1')).toEqual({ forwarded: stored, queued: 1, dropped: 0, refused: 0 });
    expect((await again.read('robot-1', undefined, 10)).map((queued) => queued.sequence)).toEqual([after?.sequence]);
    await again.append('robot-1', { properties: 'b=2', body: new Uint8Array(10) });
    expect((await again.read('robot-1', undefined, 10)).map((queued) => queued.message.properties)).toEqual([
      'a=1',
      'b=2',
    ]);
    expect(gateway.lines.filter((line) => /damaged|torn/.test(line))).toEqual([]);
  });
});

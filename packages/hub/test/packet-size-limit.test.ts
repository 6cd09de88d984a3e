import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { PacketSizeLimit } from '../src/packet-size-limit.js';

/** Pushes `chunks` through a limit of `limit` bytes; returns what came out, or the error. */
async function through(chunks: readonly Buffer[], limit: number): Promise<Buffer | Error> {
  const out: Buffer[] = [];
  try {
    for await (const chunk of Readable.from(chunks).pipe(new PacketSizeLimit(limit))) out.push(chunk as Buffer);
    return Buffer.concat(out);
  } catch (error) {
    return error as Error;
  }
}

function packet(type: number, bodyLength: number): Buffer {
  const length: number[] = [];
  let rest = bodyLength;
  do {
    let byte = rest % 128;
    rest = Math.floor(rest / 128);
    if (rest > 0) byte |= 0x80;
    length.push(byte);
  } while (rest > 0);
  return Buffer.concat([Buffer.from([type, ...length]), Buffer.alloc(bodyLength, 0x5a)]);
}

describe('PacketSizeLimit', () => {
  it('passes packets within the limit unchanged, however the stream is cut', async () => {
    const stream = Buffer.concat([packet(0x10, 20), packet(0x30, 300), packet(0xc0, 0), packet(0x32, 1000)]);
    const cuts = [1, 2, 3, 7, 22, 23, 24, 400, stream.length];
    const chunks = cuts.map((end, i) => stream.subarray(cuts[i - 1] ?? 0, end));
    expect(await through(chunks, 1000)).toEqual(stream);
  });

  it('fails on the first packet announcing more than the limit, even with its header split', async () => {
    const big = packet(0x30, 1001).subarray(0, 3);
    const result = await through([packet(0x30, 10), big.subarray(0, 2), big.subarray(2)], 1000);
    expect(result).toBeInstanceOf(RangeError);
  });

  it('fails on a remaining length longer than MQTT allows (five bytes)', async () => {
    expect(await through([Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80, 0x01])], 2 ** 30)).toBeInstanceOf(RangeError);
  });
});

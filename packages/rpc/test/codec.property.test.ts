import { Capability } from '@os/capability';
import { Message } from '@os/kernel';
import { type Codec, MessageReader, MessageWriter, RpcDecodeError, type RpcValue, codec } from '@os/rpc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

function roundTrip<T>(valueCodec: Codec<T>, value: T): T {
  const message = new Message(1 << 16);
  const writer = new MessageWriter();
  writer.reset(message, 'value');
  valueCodec.encode(writer, value);
  writer.finish();
  const reader = new MessageReader();
  reader.reset(message, 0, 'value');
  const decoded = valueCodec.decode(reader);
  expect(reader.remaining).toBe(0);
  return decoded;
}

const rpcValue: fc.Arbitrary<RpcValue> = fc.letrec<{ value: RpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(undefined, null, true, false),
    fc.integer(),
    fc.double(),
    fc.bigInt(),
    fc.string({ unit: 'binary' }),
    fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

function lossless(value: RpcValue): RpcValue {
  // encodeInto replaces lone surrogates with U+FFFD, as any UTF-8 transport must
  if (typeof value === 'string') return Buffer.from(value, 'utf8').toString('utf8');
  if (Array.isArray(value)) return value.map(lossless);
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Capability)) {
    const result: Record<string, RpcValue> = {};
    for (const [key, entry] of Object.entries(value))
      Object.defineProperty(result, Buffer.from(key, 'utf8').toString('utf8'), {
        value: lossless(entry as RpcValue),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    return result;
  }
  return value;
}

describe('codecs', () => {
  it('the value codec returns what it was given', () => {
    fc.assert(
      fc.property(rpcValue, (value) => {
        expect(roundTrip(codec.value, value)).toEqual(lossless(value));
      }),
      { numRuns: 300 },
    );
  });

  it('typed codecs return what they were given', () => {
    const item = codec.record({
      id: codec.u32,
      name: codec.string,
      score: codec.optional(codec.f64),
      tags: codec.array(codec.i32),
      big: codec.i64,
    });
    const arbitrary = fc.record({
      id: fc.integer({ min: 0, max: 0xffff_ffff }),
      name: fc.string(),
      score: fc.option(fc.double(), { nil: undefined }),
      tags: fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 })),
      big: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
    });
    fc.assert(
      fc.property(arbitrary, (value) => {
        expect(roundTrip(item, value)).toEqual(value);
      }),
    );
  });

  it('decoding random bytes either succeeds or throws RpcDecodeError, never anything else', () => {
    const codecs: Codec<unknown>[] = [
      codec.value,
      codec.string,
      codec.bigint,
      codec.record({
        a: codec.array(codec.string),
        b: codec.optional(codec.bool),
        c: codec.oneOf('x', 'y'),
      }) as Codec<unknown>,
    ];
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.integer({ min: 0, max: codecs.length - 1 }), (bytes, index) => {
        const message = new Message(512);
        message.setPayload(bytes);
        const reader = new MessageReader();
        reader.reset(message, 0, 'fuzz');
        try {
          (codecs[index] as Codec<unknown>).decode(reader);
        } catch (error) {
          expect(error).toBeInstanceOf(RpcDecodeError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('a claimed element count larger than the message is refused without allocating it', () => {
    const message = new Message(64);
    message.setPayload(Uint8Array.from([9, 0xff, 0xff, 0xff, 0x7f]));
    const reader = new MessageReader();
    reader.reset(message, 0, 'value');
    expect(() => codec.value.decode(reader)).toThrow(/claims 2147483647 entries/);
  });
});

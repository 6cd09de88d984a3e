// Fuzzing the RPC decoders, which read every byte a client or server sends: no message makes a codec's
// decode, the client's reply decoding or the entrypoint's dispatch throw anything but RpcDecodeError
// (code ERR_OS_RPC_DECODE) or the typed reply of a malformed request; values round-trip; decoded
// records never reach a prototype. Deterministic: a fixed seed (OS_FUZZ_SEED overrides it,
// OS_FUZZ_SCALE multiplies the runs). Growth with message size: bench/parser-growth.mjs.
import { Capability } from '@os/capability';
import { MAX_CAPS_PER_MESSAGE, Message } from '@os/kernel';
import {
  type Codec,
  MAX_VALUE_DEPTH,
  MessageReader,
  MessageWriter,
  ReplyStatus,
  RpcException,
  RpcObject,
  type RpcValue,
  type ServerOf,
  codec,
  connect,
  defineInterface,
  method,
} from '@os/rpc';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rpcSystem } from './fixture.js';

const SEED = Number(process.env['OS_FUZZ_SEED'] ?? 20_251_124);
const SCALE = Number(process.env['OS_FUZZ_SCALE'] ?? 1);
const runs = (numRuns: number) => ({ seed: SEED, numRuns: Math.max(1, Math.round(numRuns * SCALE)) });

const DECODE = 'ERR_OS_RPC_DECODE';
const ENCODE = 'ERR_OS_RPC_ENCODE';

/** The code of what `run` threw, or `undefined` when it returned; an error without an `ERR_OS_` code is rethrown. */
function codeOf(run: () => unknown): string | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (!(error instanceof Error) || typeof code !== 'string' || !code.startsWith('ERR_OS_')) throw error;
    return code;
  }
}

/** A message holding `bytes` and `caps` capability selectors. */
function messageOf(bytes: Uint8Array, caps: readonly number[] = []): Message {
  const message = new Message(Math.max(bytes.length, 1));
  message.setPayload(bytes);
  message.setCaps(caps);
  return message;
}

/**
 * Decodes the whole message with `valueCodec`, as the entrypoint does an argument list: trailing bytes are an error.
 */
function decodeAll<T>(valueCodec: Codec<T>, message: Message): T {
  const reader = new MessageReader();
  reader.reset(message, 0, 'fuzz');
  const value = valueCodec.decode(reader);
  expect(reader.offset).toBeLessThanOrEqual(message.length);
  if (reader.remaining !== 0) reader.fail(`${reader.remaining} bytes after the value`);
  return value;
}

/**
 * `value` encoded by `valueCodec` into a fresh message (large: the round trips are not about the IPC buffer's size).
 */
function encode<T>(valueCodec: Codec<T>, value: T, size = 1 << 16): Message {
  const message = new Message(size);
  const writer = new MessageWriter();
  writer.reset(message, 'fuzz');
  valueCodec.encode(writer, value);
  writer.finish();
  return message;
}

/** The own data properties and prototypes of everything decoded, checked all the way down. */
function checkDecoded(value: unknown): void {
  if (typeof value !== 'object' || value === null || value instanceof Uint8Array || value instanceof Capability) return;
  if (Array.isArray(value)) {
    expect(Object.getPrototypeOf(value)).toBe(Array.prototype);
    value.forEach(checkDecoded);
    return;
  }
  expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
  for (const name of Reflect.ownKeys(value)) {
    expect(typeof name).toBe('string');
    const descriptor = Object.getOwnPropertyDescriptor(value, name) as PropertyDescriptor;
    expect(descriptor).toMatchObject({ enumerable: true, writable: true, configurable: true });
    expect(descriptor.get).toBeUndefined();
    checkDecoded(descriptor.value);
  }
}

/**
 * Object.prototype and Array.prototype as they were: a decoder that assigned `__proto__` or `constructor` plainly would
 * show here.
 */
const pristine = { object: Reflect.ownKeys(Object.prototype), array: Reflect.ownKeys(Array.prototype) };
function checkPrototypes(): void {
  expect(Reflect.ownKeys(Object.prototype)).toEqual(pristine.object);
  expect(Reflect.ownKeys(Array.prototype)).toEqual(pristine.array);
  expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
}

// ------------------------------------------------------------------ the codecs

/** Keys that would reach a prototype if a decoder assigned them plainly. */
const PROTO_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  'polluted',
];

const protoRecord = codec.record({
  ['__proto__']: codec.value,
  constructor: codec.string,
  toString: codec.optional(codec.u8),
  polluted: codec.bool,
});

/** Every codec, alone and composed: what a hostile peer's bytes are decoded with. */
const CATALOGUE: readonly (readonly [string, Codec<unknown>])[] = [
  ['void', codec.void],
  ['bool', codec.bool],
  ['u8', codec.u8],
  ['u16', codec.u16],
  ['u32', codec.u32],
  ['i32', codec.i32],
  ['f64', codec.f64],
  ['i64', codec.i64],
  ['u64', codec.u64],
  ['bigint', codec.bigint],
  ['string', codec.string],
  ['bytes', codec.bytes],
  ['capability', codec.capability()],
  ['value', codec.value],
  ['array<u8>', codec.array(codec.u8)],
  ['array<string>', codec.array(codec.string)],
  ['array<value>', codec.array(codec.value)],
  ['array<capability>', codec.array(codec.capability())],
  ['array<array<bigint>>', codec.array(codec.array(codec.bigint))],
  ['optional<string>', codec.optional(codec.string)],
  ['optional<value>', codec.optional(codec.value)],
  ['tuple', codec.tuple(codec.u32, codec.string, codec.bool, codec.optional(codec.bytes))],
  ['oneOf', codec.oneOf('a', 'b', 'c')],
  [
    'record',
    codec.record({ id: codec.u32, name: codec.string, tags: codec.array(codec.oneOf('x', 'y')), big: codec.bigint }),
  ],
  ['proto record', protoRecord],
  ['array<proto record>', codec.array(protoRecord)],
];

const codecEntry = fc.constantFrom(...CATALOGUE);
/** Selectors a message carries: 0 to 4, as the kernel allows. */
const caps = fc.array(fc.integer({ min: -1, max: 1000 }), { maxLength: MAX_CAPS_PER_MESSAGE });

/**
 * Bytes shaped like messages: besides any byte, small little-endian counts and lengths (random words
 * are nearly always too large, and would only ever test the truncation checks), value tags and
 * UTF-8 lead bytes without their continuation.
 */
const wireBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .array(
      fc.oneof(
        fc.integer({ min: 0, max: 255 }).map((byte) => [byte]),
        fc.integer({ min: 0, max: 24 }).map((count) => [count, 0, 0, 0]),
        fc.integer({ min: 0, max: 11 }).map((tag) => [tag]),
        fc.constantFrom([0xc3], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98], [0xff], [0x61]),
      ),
      { maxLength: 60 },
    )
    .map((chunks) => Uint8Array.from(chunks.flat())),
);

/** Values of the dynamic codec, with the keys that matter and strings that are valid UTF-16 (so they round-trip). */
const rpcValue: fc.Arbitrary<RpcValue> = fc.letrec<{ value: RpcValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(undefined, null, true, false, 0, -0, Number.NaN, Number.POSITIVE_INFINITY),
    fc.integer(),
    fc.double(),
    fc.bigInt(),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.uint8Array({ maxLength: 12 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ maxLength: 6 })), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** A codec and an arbitrary of the values it carries, built together: structure-aware round trips. */
interface Pair {
  readonly codec: Codec<unknown>;
  readonly value: fc.Arbitrary<unknown>;
}
const leaves: readonly Pair[] = [
  { codec: codec.bool, value: fc.boolean() },
  { codec: codec.u8, value: fc.integer({ min: 0, max: 0xff }) },
  { codec: codec.u16, value: fc.integer({ min: 0, max: 0xffff }) },
  { codec: codec.u32, value: fc.integer({ min: 0, max: 0xffff_ffff }) },
  { codec: codec.i32, value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
  { codec: codec.f64, value: fc.double() },
  { codec: codec.i64, value: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
  { codec: codec.u64, value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }) },
  { codec: codec.bigint, value: fc.oneof(fc.bigInt(), fc.bigInt({ min: -(2n ** 2000n), max: 2n ** 2000n })) },
  { codec: codec.string, value: fc.string({ unit: 'grapheme', maxLength: 16 }) },
  { codec: codec.bytes, value: fc.uint8Array({ maxLength: 40 }) },
  { codec: codec.oneOf('x', 'y', 'z'), value: fc.constantFrom('x', 'y', 'z') },
  { codec: codec.value, value: rpcValue },
];
const pair: fc.Arbitrary<Pair> = fc.letrec<{ pair: Pair }>((tie) => ({
  pair: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'codec' },
    fc.constantFrom(...leaves),
    tie('pair').map(
      (inner): Pair => ({ codec: codec.array(inner.codec), value: fc.array(inner.value, { maxLength: 4 }) }),
    ),
    tie('pair').map(
      (inner): Pair => ({ codec: codec.optional(inner.codec), value: fc.option(inner.value, { nil: undefined }) }),
    ),
    fc.array(tie('pair'), { minLength: 1, maxLength: 3 }).map(
      (items): Pair => ({
        codec: codec.tuple(...items.map((item) => item.codec)),
        value: fc.tuple(...items.map((item) => item.value)),
      }),
    ),
    fc
      .uniqueArray(fc.tuple(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.stringMatching(/^[a-z]{1,6}$/)), tie('pair')), {
        minLength: 1,
        maxLength: 4,
        selector: ([name]) => name,
      })
      .map(
        (fields): Pair => ({
          codec: codec.record(Object.fromEntries(fields.map(([name, item]) => [name, item.codec]))),
          // fields defined, not assigned: a value's own "__proto__" is a field like any other
          value: fc.tuple(...fields.map(([, item]) => item.value)).map((values) => {
            const record: Record<string, unknown> = {};
            fields.forEach(([name], index) => {
              Object.defineProperty(record, name, {
                value: values[index],
                enumerable: true,
                writable: true,
                configurable: true,
              });
            });
            return record;
          }),
        }),
      ),
  ),
})).pair;
const encoded = pair.chain((item) => item.value.map((value) => ({ codec: item.codec, value })));

/** One change to a message's bytes. */
type Mutation =
  | { kind: 'flip' | 'set' | 'insert'; at: number; byte: number }
  | { kind: 'word'; at: number; word: number }
  | { kind: 'delete' | 'cut'; at: number };
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('flip' as const, 'set' as const, 'insert' as const),
    at: fc.nat(),
    byte: fc.integer({ min: 0, max: 255 }),
  }),
  // a length or count field set to something else: small, large, or the largest
  fc.record({
    kind: fc.constant('word' as const),
    at: fc.nat(),
    word: fc.oneof(fc.nat({ max: 64 }), fc.constantFrom(0x7fff_ffff, 0xffff_ffff, 0x1_0000 - 1)),
  }),
  fc.record({ kind: fc.constantFrom('delete' as const, 'cut' as const), at: fc.nat() }),
);
function mutate(bytes: Uint8Array, change: Mutation): Uint8Array {
  const at = change.at % (bytes.length + 1);
  const out = [...bytes];
  switch (change.kind) {
    case 'flip':
      if (at < out.length) out[at] = (out[at] as number) ^ (change.byte | 1);
      break;
    case 'set':
      if (at < out.length) out[at] = change.byte;
      break;
    case 'insert':
      out.splice(at, 0, change.byte);
      break;
    case 'word':
      for (let i = 0; i < 4 && at + i < out.length; i++) out[at + i] = (change.word >>> (8 * i)) & 0xff;
      break;
    case 'delete':
      out.splice(at, 1);
      break;
    case 'cut':
      out.length = at;
      break;
  }
  return Uint8Array.from(out);
}

// ------------------------------------------------------------------ decoding

describe('codec decoding, fuzzed', () => {
  it('decodes random bytes with every codec, or throws RpcDecodeError', () => {
    fc.assert(
      fc.property(codecEntry, wireBytes, caps, ([, valueCodec], bytes, selectors) => {
        const code = codeOf(() => checkDecoded(decodeAll(valueCodec, messageOf(bytes, selectors))));
        if (code !== undefined) expect(code).toBe(DECODE);
        checkPrototypes();
      }),
      runs(2500),
    );
  });

  it('encodes and decodes any value of a random codec unchanged', () => {
    fc.assert(
      fc.property(encoded, ({ codec: valueCodec, value }) => {
        const decoded = decodeAll(valueCodec, encode(valueCodec, value));
        expect(decoded).toEqual(value);
        checkDecoded(decoded);
        checkPrototypes();
      }),
      runs(500),
    );
  });

  it('decodes a mutated encoding to a value it can send again, or throws RpcDecodeError', () => {
    fc.assert(
      fc.property(
        encoded,
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        caps,
        ({ codec: valueCodec, value }, changes, selectors) => {
          const bytes = changes.reduce(mutate, encode(valueCodec, value).payload());
          let decoded: unknown;
          const code = codeOf(() => {
            decoded = decodeAll(valueCodec, messageOf(bytes, selectors));
          });
          checkPrototypes();
          if (code !== undefined) {
            expect(code).toBe(DECODE);
            return;
          }
          checkDecoded(decoded);
          // what a server accepted, it can send on: decoding is closed under encoding
          expect(decodeAll(valueCodec, encode(valueCodec, decoded))).toEqual(decoded);
        },
      ),
      runs(1000),
    );
  });

  it('keeps every record key an own data property: __proto__ and constructor are just keys', () => {
    const key = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 4 }) },
    );
    fc.assert(
      fc.property(
        fc.array(fc.tuple(key, fc.integer({ min: 0, max: 1 })), { maxLength: 8 }),
        fc.boolean(),
        (entries, nested) => {
          // written by hand: the encoder would refuse a duplicate key, a hostile peer does not
          const message = encodeRecord(entries, nested);
          const names = entries.map(([name]) => name);
          const code = codeOf(() => {
            const decoded = decodeAll(codec.value, message);
            const record = (nested ? (decoded as RpcValue[])[0] : decoded) as Record<string, unknown>;
            expect(Object.getPrototypeOf(record)).toBe(Object.prototype);
            expect(Object.keys(record).sort()).toEqual([...names].sort());
            entries.forEach(([name, tag]) => {
              expect(Object.hasOwn(record, name)).toBe(true);
              expect(Object.getOwnPropertyDescriptor(record, name)?.value).toBe(tag === 1 ? 'x' : null);
            });
            checkDecoded(decoded);
          });
          checkPrototypes();
          if (new Set(names).size === names.length) expect(code).toBeUndefined();
          else expect(code).toBe(DECODE);
        },
      ),
      runs(500),
    );
  });

  it('reads nesting up to MAX_VALUE_DEPTH and refuses deeper nesting at either end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: MAX_VALUE_DEPTH + 20 }),
        fc.array(fc.boolean(), { minLength: MAX_VALUE_DEPTH + 20, maxLength: MAX_VALUE_DEPTH + 20 }),
        (depth, records) => {
          // depth containers, each an array or a record of one entry, around the number 7
          let value: RpcValue = 7;
          for (let level = depth - 1; level >= 0; level--) value = records[level] === true ? { k: value } : [value];
          const encodeCode = codeOf(() => encode(codec.value, value));
          const message = new Message(16 * (depth + 2));
          const writer = new MessageWriter();
          writer.reset(message, 'nested');
          for (let level = 0; level < depth; level++) {
            writer.u8(records[level] === true ? 10 : 9);
            writer.u32(1);
            if (records[level] === true) writer.string('k');
          }
          writer.u8(4);
          writer.i32(7);
          writer.finish();
          const decodeCode = codeOf(() => expect(decodeAll(codec.value, message)).toEqual(value));
          if (depth <= MAX_VALUE_DEPTH) {
            expect([encodeCode, decodeCode]).toEqual([undefined, undefined]);
          } else {
            expect([encodeCode, decodeCode]).toEqual([ENCODE, DECODE]);
            expect(() => decodeAll(codec.value, message)).toThrow(`nesting deeper than ${MAX_VALUE_DEPTH} levels`);
          }
        },
      ),
      runs(120),
    );
  });

  it('refuses a count or length larger than the message without allocating it', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Codec<unknown>>(
          codec.value,
          codec.string,
          codec.bytes,
          codec.bigint,
          codec.array(codec.u8),
          codec.array(codec.value),
        ),
        fc.integer({ min: 1, max: 0xffff_ffff }),
        fc.uint8Array({ maxLength: 32 }),
        (valueCodec, claimed, rest) => {
          const head = valueCodec === codec.value ? [9] : valueCodec === codec.bigint ? [0] : [];
          const length = new Uint8Array(4);
          new DataView(length.buffer).setUint32(0, claimed, true);
          const message = messageOf(Uint8Array.from([...head, ...length, ...rest]));
          if (claimed > rest.length) expect(codeOf(() => decodeAll(valueCodec, message))).toBe(DECODE);
        },
      ),
      runs(300),
    );
  });
});

/**
 * The value codec's bytes of a record of `entries` (tag 1: the string "x", else null), inside an array when `nested`.
 */
function encodeRecord(entries: readonly (readonly [string, number])[], nested: boolean): Message {
  const message = new Message(4096);
  const writer = new MessageWriter();
  writer.reset(message, 'record');
  if (nested) {
    writer.u8(9);
    writer.u32(1);
  }
  writer.u8(10);
  writer.u32(entries.length);
  for (const [name, tag] of entries) {
    writer.string(name);
    if (tag === 1) {
      writer.u8(7);
      writer.string('x');
    } else {
      writer.u8(1);
    }
  }
  writer.finish();
  return message;
}

// ------------------------------------------------------------------ through a kernel: dispatch and replies

class Refused extends RpcException {}

const Probe = defineInterface('Probe', {
  value: method([codec.value], codec.u32),
  text: method([codec.string, codec.u32], codec.value),
  big: method([codec.bigint, codec.i64, codec.u64], codec.bigint, { throws: [Refused] }),
  record: method([protoRecord], codec.optional(codec.string)),
  list: method([codec.array(codec.tuple(codec.u8, codec.oneOf('a', 'b'), codec.f64))], codec.array(codec.value)),
  caps: method([codec.array(codec.capability())], codec.u32),
  none: method([], codec.void, { throws: [Refused] }),
});

class ProbeServer extends RpcObject<typeof Probe> implements ServerOf<typeof Probe> {
  readonly received: unknown[] = [];
  constructor() {
    super(Probe);
  }
  value(value: RpcValue) {
    this.received.push(value);
    return 1;
  }
  text(text: string, n: number) {
    this.received.push([text, n]);
    return { text, n };
  }
  big(a: bigint, b: bigint, c: bigint) {
    this.received.push([a, b, c]);
    if (a < 0n) throw new Refused('negative');
    return a + b + c;
  }
  record(value: Record<string, unknown>) {
    this.received.push(value);
    return typeof value['constructor'] === 'string' ? value['constructor'] : undefined;
  }
  list(items: unknown[]) {
    this.received.push(items);
    return items as RpcValue[];
  }
  caps(list: Capability[]) {
    this.received.push(list);
    return list.length;
  }
  none() {
    throw new Refused('never');
  }
}

describe('RPC through a kernel, fuzzed', () => {
  let system: ReturnType<typeof rpcSystem>;
  let server: ProbeServer;
  let selector: number;
  /** What the lying server answers with next. */
  let lie = new Uint8Array(0);
  let liar: ReturnType<typeof connect<typeof Probe>>;
  let probe: ReturnType<typeof connect<typeof Probe>>;

  beforeAll(() => {
    system = rpcSystem();
    server = new ProbeServer();
    const capability = system.delegate(system.entrypoint.manage(server));
    selector = capability.selector;
    probe = connect(Probe, system.client.thread, capability);
    const thread = system.kernel.createThread(system.server.pd, 'liar.ep');
    thread.serve({
      onCall(_object, request) {
        request.setPayload(lie);
        request.capCount = 0;
      },
      onSignal() {},
    });
    liar = connect(
      Probe,
      system.client.thread,
      new Capability<typeof Probe>(
        system.kernel.delegate(system.server.pd, thread.createRpcObject(), system.client.pd),
      ),
    );
  });
  afterAll(() => checkPrototypes());

  /** A request of `bytes` after the header of `opcode`, as a hostile client sends it; the reply's status. */
  async function raw(opcode: number, interfaceId: number, bytes: Uint8Array): Promise<number> {
    const utcb = system.client.thread.utcb;
    const request = new Uint8Array(8 + bytes.length);
    const view = new DataView(request.buffer);
    view.setUint32(0, opcode, true);
    view.setUint32(4, interfaceId, true);
    request.set(bytes, 8);
    utcb.setPayload(request.subarray(0, Math.min(request.length, utcb.capacity)));
    utcb.capCount = 0;
    const reply = await system.client.thread.call(selector);
    return reply.view.getUint32(0, true);
  }

  it('answers any request with a typed reply, runs methods only on what decodes, and keeps serving', async () => {
    const opcode = fc.oneof(
      { weight: 8, arbitrary: fc.integer({ min: 0, max: Probe.entries.length - 1 }) },
      { weight: 1, arbitrary: fc.nat() },
    );
    const interfaceId = fc.oneof(
      { weight: 8, arbitrary: fc.constant(Probe.id) },
      { weight: 1, arbitrary: fc.nat({ max: 0xffff_ffff }) },
    );
    await fc.assert(
      fc.asyncProperty(opcode, interfaceId, wireBytes, async (op, id, bytes) => {
        const before = server.received.length;
        const status = await raw(op, id, bytes);
        if (id !== Probe.id) expect(status).toBe(ReplyStatus.WrongInterface);
        else if (op >= Probe.entries.length) expect(status).toBe(ReplyStatus.UnknownMethod);
        else expect([ReplyStatus.Ok, ReplyStatus.BadRequest, ReplyStatus.Exception]).toContain(status);
        // a method ran exactly when the request decoded
        const ran = server.received.length - before;
        expect(ran).toBe(status === ReplyStatus.Ok || (status === ReplyStatus.Exception && op === 2) ? 1 : 0);
        server.received.forEach(checkDecoded);
        expect(system.reports).toEqual([]);
        checkPrototypes();
      }),
      runs(400),
    );
    expect(await probe.text('still', 7)).toEqual({ text: 'still', n: 7 });
  });

  it('answers mutated valid requests with a typed reply', async () => {
    const calls: (readonly [number, Codec<unknown>, fc.Arbitrary<unknown>])[] = [
      [0, codec.value, rpcValue],
      [1, codec.tuple(codec.string, codec.u32), fc.tuple(fc.string(), fc.nat())],
      [
        2,
        codec.tuple(codec.bigint, codec.i64, codec.u64),
        fc.tuple(
          fc.bigInt(),
          fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
          fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        ),
      ],
      [
        4,
        codec.array(codec.tuple(codec.u8, codec.oneOf('a', 'b'), codec.f64)),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.constantFrom('a', 'b'), fc.double()), { maxLength: 5 }),
      ],
    ];
    const request = fc
      .constantFrom(...calls)
      .chain(([op, args, value]) => value.map((item) => ({ op, bytes: encode(args, item).payload() })));
    await fc.assert(
      fc.asyncProperty(request, fc.array(mutation, { maxLength: 3 }), async ({ op, bytes }, changes) => {
        const status = await raw(op, Probe.id, changes.reduce(mutate, bytes));
        expect([ReplyStatus.Ok, ReplyStatus.BadRequest, ReplyStatus.Exception]).toContain(status);
        expect(system.reports).toEqual([]);
      }),
      runs(300),
    );
    checkPrototypes();
  });

  it("decodes any reply at the client, or rejects with a typed error or the method's declared exception", async () => {
    const statusWord = fc.oneof(fc.constantFrom(...Object.values(ReplyStatus)), fc.nat({ max: 0xffff_ffff }));
    const reply = fc.tuple(statusWord, wireBytes, fc.boolean()).map(([status, rest, exceptionIndex]) => {
      const head = new Uint8Array(4);
      new DataView(head.buffer).setUint32(0, status, true);
      // an exception's index: declared (0) or not, then its message
      const body = status === ReplyStatus.Exception && exceptionIndex ? [0, 0, ...rest] : [...rest];
      return Uint8Array.from([...head, ...body]);
    });
    const expected = new Set([
      DECODE,
      'ERR_OS_RPC_SERVER',
      'ERR_OS_RPC_BAD_REQUEST',
      'ERR_OS_RPC_INTERFACE',
      Refused.code,
    ]);
    const callers: ((client: typeof liar) => Promise<unknown>)[] = [
      (client) => client.value({ a: 1 }),
      (client) => client.text('x', 1),
      (client) => client.big(1n, 2n, 3n),
      (client) => client.record({ ['__proto__']: 1, constructor: 'c', toString: 1, polluted: true }),
      (client) => client.list([[1, 'a', 1.5]]),
      (client) => client.caps([]),
      (client) => client.none(),
    ];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...callers.keys()), reply, async (which, bytes) => {
        lie = bytes;
        const outcome = await (callers[which] as (client: typeof liar) => Promise<unknown>)(liar).then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        if ('error' in outcome) {
          const code = (outcome.error as { code?: unknown }).code;
          if (!(outcome.error instanceof Error) || typeof code !== 'string' || !expected.has(code)) throw outcome.error;
          if (code === Refused.code) expect(outcome.error).toBeInstanceOf(Refused);
        } else {
          checkDecoded(outcome.result);
        }
        checkPrototypes();
      }),
      runs(400),
    );
  });
});

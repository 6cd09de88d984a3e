import { RpcEncodeError } from '../errors.js';
import type { MessageReader, MessageWriter } from '../wire.js';
import { type Codec, describeValue } from './codec.js';

function refuse(writer: MessageWriter, expected: string, value: unknown): never {
  throw new RpcEncodeError(writer.path, `expected ${expected}, got ${describeValue(value)}`);
}

function integer(
  name: string,
  min: number,
  max: number,
  write: (writer: MessageWriter, value: number) => void,
  read: (reader: MessageReader) => number,
  size: number,
): Codec<number> {
  return {
    name,
    minSize: size,
    encode(writer, value) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max)
        refuse(writer, `${name} (an integer from ${min} to ${max})`, value);
      write(writer, value);
    },
    decode: read,
  };
}

/** Nothing: for methods without a result. */
export const voidCodec: Codec<void> = {
  name: 'void',
  minSize: 0,
  encode(writer, value) {
    if (value !== undefined) refuse(writer, 'nothing (void)', value);
  },
  decode() {
    return undefined;
  },
};

/** A boolean, one byte. */
export const bool: Codec<boolean> = {
  name: 'bool',
  minSize: 1,
  encode(writer, value) {
    if (typeof value !== 'boolean') refuse(writer, 'a boolean', value);
    writer.u8(value ? 1 : 0);
  },
  decode(reader) {
    const byte = reader.u8();
    if (byte > 1) reader.fail(`a boolean is 0 or 1, got ${byte}`);
    return byte === 1;
  },
};

/** An unsigned 8-bit integer. */
export const u8 = integer(
  'u8',
  0,
  0xff,
  (w, v) => w.u8(v),
  (r) => r.u8(),
  1,
);
/** An unsigned 16-bit integer. */
export const u16 = integer(
  'u16',
  0,
  0xffff,
  (w, v) => w.u16(v),
  (r) => r.u16(),
  2,
);
/** An unsigned 32-bit integer. */
export const u32 = integer(
  'u32',
  0,
  0xffff_ffff,
  (w, v) => w.u32(v),
  (r) => r.u32(),
  4,
);
/** A signed 32-bit integer. */
export const i32 = integer(
  'i32',
  -0x8000_0000,
  0x7fff_ffff,
  (w, v) => w.i32(v),
  (r) => r.i32(),
  4,
);

/** Any JavaScript number (IEEE 754 double), including NaN and the infinities. */
export const f64: Codec<number> = {
  name: 'f64',
  minSize: 8,
  encode(writer, value) {
    if (typeof value !== 'number') refuse(writer, 'a number', value);
    writer.f64(value);
  },
  decode(reader) {
    return reader.f64();
  },
};

function bigint64(name: string, min: bigint, max: bigint, signed: boolean): Codec<bigint> {
  return {
    name,
    minSize: 8,
    encode(writer, value) {
      if (typeof value !== 'bigint' || value < min || value > max)
        refuse(writer, `${name} (a bigint from ${min} to ${max})`, value);
      if (signed) writer.i64(value);
      else writer.u64(value);
    },
    decode(reader) {
      return signed ? reader.i64() : reader.u64();
    },
  };
}

/** A signed 64-bit integer as a bigint. */
export const i64 = bigint64('i64', -(2n ** 63n), 2n ** 63n - 1n, true);
/** An unsigned 64-bit integer as a bigint. */
export const u64 = bigint64('u64', 0n, 2n ** 64n - 1n, false);

/** Character codes of the hex digits. */
const HEX_CODES = Uint8Array.from('0123456789abcdef', (digit) => digit.charCodeAt(0));
const asciiDecoder = new TextDecoder();

/** The value of a hex digit's character code (`0-9`, `a-f`). */
function hexValue(code: number): number {
  return code <= 0x39 ? code - 0x30 : code - 0x57;
}

/**
 * A bigint of any size: sign, then magnitude bytes little-endian. Both directions go through hex
 * text, which V8 converts to and from a bigint in linear time: shifting the value a byte at a time
 * copies it once per byte, quadratic in its size (a 40 KB bigint took 0.2 s to decode, 400 KB 130 s).
 */
export const bigint: Codec<bigint> = {
  name: 'bigint',
  minSize: 5,
  encode(writer, value) {
    if (typeof value !== 'bigint') refuse(writer, 'a bigint', value);
    const hex = (value < 0n ? -value : value).toString(16);
    const length = value === 0n ? 0 : (hex.length + 1) >>> 1;
    const digits = new Uint8Array(length);
    // digits[0] is the least significant byte: the last two hex digits
    for (let i = 0, end = hex.length; i < length; i++, end -= 2) {
      const low = hexValue(hex.charCodeAt(end - 1));
      digits[i] = end >= 2 ? (hexValue(hex.charCodeAt(end - 2)) << 4) | low : low;
    }
    writer.u8(value < 0n ? 1 : 0);
    writer.bytes(digits);
  },
  decode(reader) {
    const sign = reader.u8();
    if (sign > 1) reader.fail(`bigint sign byte must be 0 or 1, got ${sign}`);
    const digits = reader.bytes();
    const length = digits.length;
    if (length === 0) return 0n;
    // "0x" and two hex digits a byte, most significant first, written as character codes
    const text = new Uint8Array(2 + 2 * length);
    text[0] = 0x30;
    text[1] = 0x78;
    for (let i = 0, at = 2; i < length; i++, at += 2) {
      const byte = digits[length - 1 - i] as number;
      text[at] = HEX_CODES[byte >>> 4] as number;
      text[at + 1] = HEX_CODES[byte & 15] as number;
    }
    const value = BigInt(asciiDecoder.decode(text));
    return sign === 1 ? -value : value;
  },
};

/** A string, as length-prefixed UTF-8. */
export const string: Codec<string> = {
  name: 'string',
  minSize: 4,
  encode(writer, value) {
    if (typeof value !== 'string') refuse(writer, 'a string', value);
    writer.string(value);
  },
  decode(reader) {
    return reader.string();
  },
};

/** A byte array, length-prefixed; decoded into a fresh copy. */
export const bytes: Codec<Uint8Array> = {
  name: 'bytes',
  minSize: 4,
  encode(writer, value) {
    if (!(value instanceof Uint8Array)) refuse(writer, 'a Uint8Array', value);
    writer.bytes(value);
  },
  decode(reader) {
    return reader.bytes();
  },
};

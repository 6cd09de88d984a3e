import { Capability } from '@os/capability';
import { RpcEncodeError } from '../errors.js';
import type { MessageReader, MessageWriter } from '../wire.js';
import { type Codec, describeValue } from './codec.js';
import { defineField, isPlainRecord } from './structured.js';

/** What the dynamic `codec.value` codec carries: JSON-like data plus bigints, bytes and capabilities. */
export type RpcValue =
  | undefined
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | Capability<unknown>
  | readonly RpcValue[]
  | { readonly [key: string]: RpcValue };

// biome-ignore lint/suspicious/noConstEnum: file-local, so tsc inlines the tags the decoder switches on
const enum Tag {
  Undefined = 0,
  Null = 1,
  False = 2,
  True = 3,
  Int32 = 4,
  Float64 = 5,
  BigInt = 6,
  String = 7,
  Bytes = 8,
  Array = 9,
  Record = 10,
  Capability = 11,
}

/** How deeply arrays and records may nest: bounds the work a hostile message can cause. */
export const MAX_VALUE_DEPTH = 32;

function encodeValue(writer: MessageWriter, value: unknown, ancestors: unknown[]): void {
  switch (typeof value) {
    case 'undefined':
      writer.u8(Tag.Undefined);
      return;
    case 'boolean':
      writer.u8(value ? Tag.True : Tag.False);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= -0x8000_0000 && value <= 0x7fff_ffff && !Object.is(value, -0)) {
        writer.u8(Tag.Int32);
        writer.i32(value);
      } else {
        writer.u8(Tag.Float64);
        writer.f64(value);
      }
      return;
    case 'bigint': {
      writer.u8(Tag.BigInt);
      writer.string(value.toString(16));
      return;
    }
    case 'string':
      writer.u8(Tag.String);
      writer.string(value);
      return;
    case 'object':
      break;
    default:
      throw new RpcEncodeError(
        writer.path,
        `${describeValue(value)} cannot travel in a message; send data, not behaviour`,
      );
  }
  if (value === null) {
    writer.u8(Tag.Null);
    return;
  }
  if (value instanceof Uint8Array && Object.getPrototypeOf(value) === Uint8Array.prototype) {
    writer.u8(Tag.Bytes);
    writer.bytes(value);
    return;
  }
  if (value instanceof Capability) {
    writer.u8(Tag.Capability);
    writer.cap(value.rawSelector);
    return;
  }
  if (ancestors.includes(value)) throw new RpcEncodeError(writer.path, 'the value contains a cycle');
  if (ancestors.length >= MAX_VALUE_DEPTH)
    throw new RpcEncodeError(writer.path, `nesting deeper than ${MAX_VALUE_DEPTH} levels`);
  const path = writer.path;
  ancestors.push(value);
  if (Array.isArray(value)) {
    writer.u8(Tag.Array);
    writer.u32(value.length);
    for (let i = 0; i < value.length; i++) {
      writer.path = `${path}[${i}]`;
      encodeValue(writer, value[i], ancestors);
    }
  } else if (isPlainRecord(value)) {
    const keys = Object.keys(value);
    if (Object.getOwnPropertySymbols(value).length > 0)
      throw new RpcEncodeError(path, 'a record with symbol keys cannot travel in a message');
    writer.u8(Tag.Record);
    writer.u32(keys.length);
    for (const key of keys) {
      writer.path = `${path}.${key}`;
      const descriptor = Object.getOwnPropertyDescriptor(value, key);
      if (descriptor?.get !== undefined || descriptor?.set !== undefined)
        throw new RpcEncodeError(writer.path, 'accessor properties cannot travel in a message');
      writer.string(key);
      encodeValue(writer, descriptor?.value, ancestors);
    }
  } else {
    throw new RpcEncodeError(
      path,
      `${describeValue(value)} cannot travel in a message; send plain records, arrays, bytes or capabilities`,
    );
  }
  ancestors.pop();
  writer.path = path;
}

function decodeValue(reader: MessageReader, depth: number): RpcValue {
  const tag = reader.u8();
  switch (tag) {
    case Tag.Undefined:
      return undefined;
    case Tag.Null:
      return null;
    case Tag.False:
      return false;
    case Tag.True:
      return true;
    case Tag.Int32:
      return reader.i32();
    case Tag.Float64:
      return reader.f64();
    case Tag.BigInt: {
      const digits = reader.string();
      if (!/^-?[0-9a-f]+$/.test(digits)) reader.fail('malformed bigint');
      return digits.startsWith('-') ? -BigInt(`0x${digits.slice(1)}`) : BigInt(`0x${digits}`);
    }
    case Tag.String:
      return reader.string();
    case Tag.Bytes:
      return reader.bytes();
    case Tag.Capability:
      return new Capability(reader.cap());
    case Tag.Array:
    case Tag.Record: {
      if (depth >= MAX_VALUE_DEPTH) reader.fail(`nesting deeper than ${MAX_VALUE_DEPTH} levels`);
      const count = reader.u32();
      if (count > reader.remaining) reader.fail(`claims ${count} entries, only ${reader.remaining} bytes remain`);
      const path = reader.path;
      if (tag === Tag.Array) {
        const items: RpcValue[] = [];
        for (let i = 0; i < count; i++) {
          reader.path = `${path}[${i}]`;
          items.push(decodeValue(reader, depth + 1));
        }
        reader.path = path;
        return items;
      }
      const result: Record<string, RpcValue> = {};
      for (let i = 0; i < count; i++) {
        const key = reader.string();
        if (Object.hasOwn(result, key)) reader.fail(`record key "${key}" appears twice`);
        reader.path = `${path}.${key}`;
        defineField(result, key, decodeValue(reader, depth + 1));
      }
      reader.path = path;
      return result;
    }
    default:
      return reader.fail(`unknown value tag ${tag}`);
  }
}

/**
 * Any {@link RpcValue}, self-describing. Functions, symbols, class instances (Map, Date, your own
 * classes), accessors and cycles are refused at the sender; decoded records are plain objects whose
 * keys are own data properties, so `__proto__` in a message is just a key.
 */
export const value: Codec<RpcValue> = {
  name: 'value',
  minSize: 1,
  encode(writer, input) {
    encodeValue(writer, input, []);
  },
  decode(reader) {
    return decodeValue(reader, 0);
  },
};

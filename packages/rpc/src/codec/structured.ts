import { Capability } from '@os/capability';
import { RpcEncodeError } from '../errors.js';
import type { MessageWriter } from '../wire.js';
import { type Codec, type InferTuple, describeValue } from './codec.js';

function refuse(writer: MessageWriter, expected: string, value: unknown): never {
  throw new RpcEncodeError(writer.path, `expected ${expected}, got ${describeValue(value)}`);
}

/**
 * Whether `value` is a plain record: an object made by `{}` or `Object.create(null)`, not an array or class instance.
 */
export function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/** Defines `key` as an own data property, so `__proto__` or `constructor` from the wire never reach a prototype. */
export function defineField(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** An array of `element`s, count-prefixed. */
export function array<T>(element: Codec<T>): Codec<T[]> {
  if (element.minSize === 0) throw new TypeError(`array of ${element.name}: elements must take at least one byte`);
  return {
    name: `array<${element.name}>`,
    minSize: 4,
    encode(writer, value) {
      if (!Array.isArray(value)) refuse(writer, `an array of ${element.name}`, value);
      const path = writer.path;
      writer.u32(value.length);
      for (let i = 0; i < value.length; i++) {
        writer.path = `${path}[${i}]`;
        element.encode(writer, value[i] as T);
      }
      writer.path = path;
    },
    decode(reader) {
      const count = reader.u32();
      if (count * element.minSize > reader.remaining)
        reader.fail(
          `array claims ${count} elements of at least ${element.minSize} bytes, only ${reader.remaining} bytes remain`,
        );
      const path = reader.path;
      const result: T[] = [];
      for (let i = 0; i < count; i++) {
        reader.path = `${path}[${i}]`;
        result.push(element.decode(reader));
      }
      reader.path = path;
      return result;
    },
  };
}

/** A value or `undefined`, with a presence byte. */
export function optional<T>(inner: Codec<T>): Codec<T | undefined> {
  return {
    name: `optional<${inner.name}>`,
    minSize: 1,
    encode(writer, value) {
      if (value === undefined) {
        writer.u8(0);
        return;
      }
      writer.u8(1);
      inner.encode(writer, value);
    },
    decode(reader) {
      const present = reader.u8();
      if (present > 1) reader.fail(`presence byte must be 0 or 1, got ${present}`);
      return present === 1 ? inner.decode(reader) : undefined;
    },
  };
}

/** The record type a field map describes. */
export type RecordOf<F extends Record<string, Codec<unknown>>> = {
  [K in keyof F]: F[K] extends Codec<infer T> ? T : never;
};

/** A plain record with the given fields, written in declaration order; other fields are not sent. */
export function record<F extends Record<string, Codec<unknown>>>(fields: F): Codec<RecordOf<F>> {
  const entries = Object.entries(fields);
  const minSize = entries.reduce((sum, [, codec]) => sum + codec.minSize, 0);
  // a declared key is assigned plainly (fields in one order give every decoded record one shape);
  // only "__proto__" would reach a setter that way, so that one key is defined instead
  const plain = entries.map(([key]) => key !== '__proto__');
  return {
    name: `record{${entries.map(([key]) => key).join(',')}}`,
    minSize,
    encode(writer, value) {
      if (!isPlainRecord(value))
        refuse(writer, `a plain record with fields ${entries.map(([key]) => key).join(', ')}`, value);
      const path = writer.path;
      for (const [key, codec] of entries) {
        writer.path = `${path}.${key}`;
        codec.encode(writer, (value as Record<string, unknown>)[key]);
      }
      writer.path = path;
    },
    decode(reader) {
      const path = reader.path;
      const result: Record<string, unknown> = {};
      for (let i = 0; i < entries.length; i++) {
        const [key, codec] = entries[i] as [string, Codec<unknown>];
        reader.path = `${path}.${key}`;
        const value = codec.decode(reader);
        if (plain[i] === true) result[key] = value;
        else defineField(result, key, value);
      }
      reader.path = path;
      return result as RecordOf<F>;
    },
  };
}

/** A fixed-length tuple of differently typed elements. */
export function tuple<C extends readonly Codec<unknown>[]>(...elements: C): Codec<InferTuple<C>> {
  return {
    name: `[${elements.map((element) => element.name).join(',')}]`,
    minSize: elements.reduce((sum, element) => sum + element.minSize, 0),
    encode(writer, value) {
      if (!Array.isArray(value) || value.length !== elements.length)
        refuse(writer, `a tuple of ${elements.length}`, value);
      const path = writer.path;
      elements.forEach((element, i) => {
        writer.path = `${path}[${i}]`;
        element.encode(writer, (value as unknown[])[i]);
      });
      writer.path = path;
    },
    decode(reader) {
      return elements.map((element) => element.decode(reader)) as InferTuple<C>;
    },
  };
}

/** One of a fixed set of strings, sent as its index. */
export function oneOf<const S extends readonly string[]>(...choices: S): Codec<S[number]> {
  if (choices.length === 0 || choices.length > 256) throw new TypeError('oneOf takes 1 to 256 choices');
  return {
    name: `oneOf(${choices.join('|')})`,
    minSize: 1,
    encode(writer, value) {
      const index = choices.indexOf(value);
      if (index < 0) refuse(writer, `one of ${choices.join(', ')}`, value);
      writer.u8(index);
    },
    decode(reader) {
      const index = reader.u8();
      if (index >= choices.length) reader.fail(`choice ${index} out of ${choices.length}`);
      return choices[index] as S[number];
    },
  };
}

/**
 * A capability, carried in one of the message's cap slots: the kernel translates it into the
 * receiver's space. Decodes to a fresh `Capability` naming the receiver's slot (invalid if the
 * sender's was).
 */
export function capability<I = unknown>(): Codec<Capability<I>> {
  return {
    name: 'capability',
    minSize: 1,
    encode(writer, value) {
      if (!(value instanceof Capability)) refuse(writer, 'a Capability', value);
      writer.cap(value.rawSelector);
    },
    decode(reader) {
      return new Capability<I>(reader.cap());
    },
  };
}

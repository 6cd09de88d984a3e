import type { MessageReader, MessageWriter } from '../wire.js';

/**
 * How one type travels in a message. `encode` checks the value while writing it (the client refuses
 * what does not fit before sending); `decode` checks the bytes while reading (the server never sees a
 * value of the wrong shape).
 */
export interface Codec<T> {
  /** The type's name in error messages, e.g. `u32` or `record{a,b}`. */
  readonly name: string;
  /** The fewest bytes an encoded value takes: bounds element counts when decoding. */
  readonly minSize: number;
  /** Writes `value`, or throws `RpcEncodeError` naming `writer.path`. */
  encode(writer: MessageWriter, value: T): void;
  /** Reads a value, or throws `RpcDecodeError` naming `reader.path`. */
  decode(reader: MessageReader): T;
}

/** The TypeScript type a codec carries. */
export type Infer<C> = C extends Codec<infer T> ? T : never;

/** Maps a tuple of codecs to the tuple of their types. */
export type InferTuple<C extends readonly Codec<unknown>[]> = { -readonly [K in keyof C]: Infer<C[K]> };

/** Describes a value for an error message without printing it whole. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'string':
      return `a string of ${value.length} characters`;
    case 'number':
    case 'bigint':
    case 'boolean':
      return `${typeof value} ${String(value)}`;
    case 'function':
      return 'a function';
    case 'object': {
      const prototype: unknown = Object.getPrototypeOf(value);
      const constructorName = (prototype as { constructor?: { name?: string } } | null)?.constructor?.name;
      return constructorName !== undefined && constructorName !== 'Object'
        ? `an instance of ${constructorName}`
        : 'an object';
    }
    default:
      return typeof value;
  }
}

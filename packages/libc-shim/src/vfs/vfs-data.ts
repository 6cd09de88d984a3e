import { VfsArgumentTypeError, VfsArgumentValueError } from './argument-errors.js';

/** The one text encoding the VFS reads and writes (Node's names for UTF-8; any letter case). */
export type VfsEncoding = 'utf8' | 'utf-8';

/** What a file's content can be given as: text (written as UTF-8) or bytes (any typed array or DataView). */
export type VfsData = string | ArrayBufferView;

const encoder = new TextEncoder();
// ignoreBOM keeps a leading byte-order mark in the text, as Node's `buffer.toString('utf8')` does
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The encoding `options` asks for (a name, or an object with `encoding`): `'utf8'` to get text,
 * `undefined` to get bytes (no encoding, `null` or `'buffer'`). Throws Node's
 * `ERR_INVALID_ARG_VALUE` for any other encoding: the VFS runs without Node's Buffer and its codecs.
 */
export function encodingOption(options: unknown): 'utf8' | undefined {
  const encoding =
    typeof options === 'object' && options !== null ? (options as { readonly encoding?: unknown }).encoding : options;
  if (encoding === undefined || encoding === null) return undefined;
  if (typeof options !== 'string' && (typeof options !== 'object' || options === null)) {
    throw new VfsArgumentTypeError('options', 'one of type string or an instance of Object', options);
  }
  const name = typeof encoding === 'string' ? encoding.toLowerCase() : encoding;
  if (name === 'utf8' || name === 'utf-8') return 'utf8';
  if (name === 'buffer') return undefined;
  throw new VfsArgumentValueError('encoding', 'is invalid encoding', encoding);
}

/**
 * The field `key` of an options object, or `undefined` when `options` is no object (a string or number stands for
 * another field).
 */
export function optionField(options: unknown, key: string): unknown {
  return typeof options === 'object' && options !== null
    ? (options as Readonly<Record<string, unknown>>)[key]
    : undefined;
}

/** `data` as bytes: a string encoded as UTF-8, a view's bytes as they are (not copied). */
export function toBytes(data: unknown, name = 'data'): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new VfsArgumentTypeError(name, 'of type string or an instance of Buffer, TypedArray, or DataView', data);
}

/** `bytes` decoded as UTF-8 (malformed sequences become U+FFFD, as in Node). */
export function decodeUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

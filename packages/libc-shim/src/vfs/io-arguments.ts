import { VfsArgumentRangeError, VfsArgumentTypeError } from './argument-errors.js';
import { encodingOption, optionField, toBytes } from './vfs-data.js';

/** The bytes a `readSync` or `writeSync` works on, and where in the file (`null`: the descriptor's position). */
export interface IoRequest {
  readonly bytes: Uint8Array;
  readonly position: number | null;
}

/**
 * `readSync`'s arguments after the descriptor, checked as Node checks them: `(buffer, offset?, length?, position?)` or
 * `(buffer, options?)`.
 */
export function readArguments(buffer: unknown, rest: readonly unknown[]): IoRequest {
  const view = bufferView(buffer, 'an instance of Buffer, TypedArray, or DataView');
  const [first, second, third] = rest;
  const options = typeof first === 'object' && first !== null;
  const offset = options ? optionField(first, 'offset') : first;
  const length = options ? optionField(first, 'length') : second;
  const position = options ? optionField(first, 'position') : third;
  return { bytes: window(view, offset, length), position: checkPosition(position) };
}

/**
 * `writeSync`'s arguments after the descriptor: `(buffer, offset?, length?, position?)` or `(string, position?,
 * encoding?)`.
 */
export function writeArguments(data: unknown, rest: readonly unknown[]): IoRequest {
  const [first, second, third] = rest;
  if (typeof data === 'string') {
    encodingOption(second);
    return { bytes: toBytes(data), position: checkPosition(first) };
  }
  const view = bufferView(data, 'of type string or an instance of Buffer, TypedArray, or DataView');
  return { bytes: window(view, first, second), position: checkPosition(third) };
}

function bufferView(value: unknown, expected: string): Uint8Array {
  if (!ArrayBuffer.isView(value)) throw new VfsArgumentTypeError('buffer', expected, value);
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

function window(view: Uint8Array, offsetValue: unknown, lengthValue: unknown): Uint8Array {
  const offset = integer('offset', offsetValue ?? 0, 0, view.length);
  const length = integer('length', lengthValue ?? view.length - offset, 0, view.length - offset);
  return view.subarray(offset, offset + length);
}

function integer(name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number') throw new VfsArgumentTypeError(name, 'of type number', value);
  if (!Number.isInteger(value)) throw new VfsArgumentRangeError(name, 'an integer', value);
  if (value < min || value > max) throw new VfsArgumentRangeError(name, `>= ${min} && <= ${max}`, value);
  return value;
}

/** A file position: `null` (and Node's `-1`) for the descriptor's own. */
function checkPosition(value: unknown): number | null {
  if (value === undefined || value === null || value === -1) return null;
  return integer('position', value, 0, Number.MAX_SAFE_INTEGER);
}

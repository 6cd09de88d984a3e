import { VfsArgumentTypeError, VfsArgumentValueError } from './argument-errors.js';
import { fsConstants } from './fs-constants.js';

/** What an open asks for, decoded from Node's flag string (`'r+'`, `'wx'`) or `O_*` bits. */
export interface OpenFlags {
  readonly read: boolean;
  readonly write: boolean;
  readonly create: boolean;
  readonly exclusive: boolean;
  readonly truncate: boolean;
  readonly append: boolean;
}

const flags = (
  read: boolean,
  write: boolean,
  create: boolean,
  exclusive: boolean,
  truncate: boolean,
  append: boolean,
): OpenFlags => ({ read, write, create, exclusive, truncate, append });

/** Node's flag strings; the `s` (synchronous) variants mean the same here: every write is at once. */
const NAMED: ReadonlyMap<string, OpenFlags> = new Map([
  ...['r', 'rs', 'sr'].map((name) => [name, flags(true, false, false, false, false, false)] as const),
  ...['r+', 'rs+', 'sr+'].map((name) => [name, flags(true, true, false, false, false, false)] as const),
  ['w', flags(false, true, true, false, true, false)],
  ...['wx', 'xw'].map((name) => [name, flags(false, true, true, true, true, false)] as const),
  ['w+', flags(true, true, true, false, true, false)],
  ...['wx+', 'xw+'].map((name) => [name, flags(true, true, true, true, true, false)] as const),
  ...['a', 'as', 'sa'].map((name) => [name, flags(false, true, true, false, false, true)] as const),
  ...['ax', 'xa'].map((name) => [name, flags(false, true, true, true, false, true)] as const),
  ...['a+', 'as+', 'sa+'].map((name) => [name, flags(true, true, true, false, false, true)] as const),
  ...['ax+', 'xa+'].map((name) => [name, flags(true, true, true, true, false, true)] as const),
]);

/**
 * The flags `value` names (`undefined`/`null`: `fallback`); throws Node's `ERR_INVALID_ARG_VALUE`
 * for an unknown string and `ERR_INVALID_ARG_TYPE` for neither string nor number.
 */
export function parseOpenFlags(value: unknown, fallback: string): OpenFlags {
  const given = value ?? fallback;
  if (typeof given === 'number' && Number.isInteger(given)) {
    const access = given & 3;
    const has = (bit: number): boolean => (given & bit) !== 0;
    return flags(
      access !== fsConstants.O_WRONLY,
      access !== fsConstants.O_RDONLY,
      has(fsConstants.O_CREAT),
      has(fsConstants.O_EXCL),
      has(fsConstants.O_TRUNC),
      has(fsConstants.O_APPEND),
    );
  }
  if (typeof given !== 'string') throw new VfsArgumentTypeError('flags', 'of type string or an integer', given);
  const named = NAMED.get(given);
  if (named === undefined) throw new VfsArgumentValueError('flags', 'is invalid', given);
  return named;
}

import { bigint, bool, bytes, f64, i32, i64, string, u16, u32, u64, u8, voidCodec } from './primitives.js';
import { array, capability, oneOf, optional, record, tuple } from './structured.js';
import { value } from './value.js';

export type { Codec, Infer, InferTuple } from './codec.js';
export type { RecordOf } from './structured.js';
export { type RpcValue, MAX_VALUE_DEPTH } from './value.js';

/** The codecs an interface declaration is written with. */
export const codec = {
  void: voidCodec,
  bool,
  u8,
  u16,
  u32,
  i32,
  f64,
  i64,
  u64,
  bigint,
  string,
  bytes,
  value,
  array,
  optional,
  record,
  tuple,
  oneOf,
  capability,
} as const;

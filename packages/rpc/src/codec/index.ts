export type { Codec, Infer, InferTuple } from './codec.js';
export type { RecordOf } from './structured.js';
export { type RpcValue, MAX_VALUE_DEPTH } from './value.js';

/** The codecs an interface declaration is written with: `codec.u32`, `codec.record({ ... })`, ... */
export * as codec from './members.js';

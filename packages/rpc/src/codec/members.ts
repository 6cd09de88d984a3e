export { voidCodec as void, bool, u8, u16, u32, i32, f64, i64, u64, bigint, string, bytes } from './primitives.js';
export { array, optional, record, tuple, oneOf, capability } from './structured.js';
export { value } from './value.js';

/**
 * Machine words of the 64-bit kernel, held in JavaScript numbers. Every word the model handles is a
 * safe integer, so bits 53..63 of a CPtr, badge or message register are always zero; within that
 * range the bit arithmetic below is exact.
 */
const POW2: readonly number[] = Array.from({ length: 66 }, (_, i) => 2 ** i);

/** `2 ** bits`, from a table. */
export function bit(bits: number): number {
  return POW2[bits] as number;
}

/** `(word >> shift) & MASK(count)` for a word held in a number. */
export function bitsOf(word: number, shift: number, count: number): number {
  if (word <= 0x7fffffff && shift + count <= 31) return (word >>> shift) & ((1 << count) - 1);
  if (count === 0 || shift >= 53 || word < (POW2[shift] as number)) return 0;
  if (shift + count <= 31 && word <= 0x7fffffff) return (word >>> shift) & ((1 << count) - 1);
  return Math.floor(word / (POW2[shift] as number)) % (POW2[count] as number);
}

/** Whether `value` can be a word in the model: a non-negative safe integer. */
export function isWord(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

/** Bitwise OR of two words held in numbers (badges OR into a notification word). */
export function wordOr(a: number, b: number): number {
  if (a <= 0x7fffffff && b <= 0x7fffffff) return a | b;
  const high = Math.floor(a / 2 ** 31) | Math.floor(b / 2 ** 31);
  return high * 2 ** 31 + ((a % 2 ** 31) | (b % 2 ** 31));
}

import { describe, expect, it } from 'vitest';
import { boundedString, numberOfBytes } from '../src/index.js';

describe("Genode's text forms", () => {
  it('prints byte counts as Number_of_bytes does: the largest of G, M, K that divides them, else plain', () => {
    expect([0, 1000, 4096, 1536 * 1024, 1 << 20, 3 * 2 ** 30, (1 << 20) + 1].map(numberOfBytes)).toEqual([
      '0',
      '1000',
      '4K',
      '1536K',
      '1M',
      '3G',
      '1048577',
    ]);
  });

  it('bounds a string as String<N> does: N - 1 characters at most', () => {
    expect([boundedString('abcd', 5), boundedString('abcde', 5), boundedString('abcdef', 5)]).toEqual([
      'abcd',
      'abcd',
      'abcd',
    ]);
  });
});

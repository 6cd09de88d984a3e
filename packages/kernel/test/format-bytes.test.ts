import { describe, expect, it } from 'vitest';
import { QuotaExceededError, formatBytes } from '../src/index.js';

describe('formatBytes', () => {
  it('prints whole units without a fraction, others with one decimal, small sizes in bytes', () => {
    expect(
      [0, 1, 512, 1023, 1024, 1536, 8192, 983040, 2 * 1024 ** 2, 2e6, 1024 ** 3, 5.5 * 1024 ** 3].map(formatBytes),
    ).toEqual(['0 bytes', '1 byte', '512 bytes', '1023 bytes', '1K', '1.5K', '8K', '960K', '2M', '1.9M', '1G', '5.5G']);
    expect([-8192, Number.POSITIVE_INFINITY].map(formatBytes)).toEqual(['-8K', 'Infinity']);
  });

  it("gives QuotaExceededError's RAM figures in units and its capability figures as counts", () => {
    expect(new QuotaExceededError('app', 'ram', 8192, 4096).message).toBe(
      'PD "app" is out of RAM quota: needs 8K, has 4K left; upgrade its quota',
    );
    expect(new QuotaExceededError('app', 'caps', 3, 1).message).toBe(
      'PD "app" is out of capability quota: needs 3, has 1 left; upgrade its quota',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { CAP_SPACE_LEAF, CapSpaceExhaustedError, capSpaceRoom } from '../src/index.js';

describe('capSpaceRoom', () => {
  it('is the base until the cap quota pays for more, then the quota in whole leaves of 4096', () => {
    expect(CAP_SPACE_LEAF).toBe(4096);
    const base = 65_536;
    expect(
      [0, 40, base, base + 4095, base + 4096, base + 5000, 2 ** 30].map((caps) => capSpaceRoom(base, caps)),
    ).toEqual([base, base, base, base, base + 4096, base + 4096, 2 ** 30]);
    expect([0, 4095, 4096, 9000].map((caps) => capSpaceRoom(256, caps))).toEqual([256, 256, 4096, 8192]);
  });

  it('names the full PD, its size and both ways out in CapSpaceExhaustedError', () => {
    expect(new CapSpaceExhaustedError('init', 65_536).message).toBe(
      'capability space of PD "init" is full (65536 slots); free capabilities it no longer needs, or give it more ' +
        'cap quota (a space holds as many capabilities as its quota pays for)',
    );
  });
});

import { Capability, InvalidatedCapabilityError } from '@os/capability';
import { describe, expect, it } from 'vitest';

describe('Capability', () => {
  it('wraps a selector and exposes nothing else', () => {
    const capability = new Capability<'Echo'>(7);
    expect(capability.selector).toBe(7);
    expect(capability.valid()).toBe(true);
    expect(Object.keys(capability)).toEqual([]);
    expect(JSON.stringify(capability)).toBe('{}');
    expect(String(capability)).toBe('Capability(7)');
  });

  it('the invalid capability is invalid and its selector cannot be used', () => {
    const invalid = Capability.invalid();
    expect(invalid.valid()).toBe(false);
    expect(invalid.rawSelector).toBe(0);
    expect(() => invalid.selector).toThrow(InvalidatedCapabilityError);
  });

  it('invalidating makes later use throw a typed error', () => {
    const capability = new Capability(3);
    capability.invalidate();
    expect(capability.valid()).toBe(false);
    expect(() => capability.selector).toThrow(/invalidated/);
  });

  it('refuses selectors that are not non-negative integers', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) expect(() => new Capability(bad)).toThrow(RangeError);
  });

  it('compares by selector', () => {
    expect(new Capability(4).equals(new Capability(4))).toBe(true);
    expect(new Capability(4).equals(new Capability(5))).toBe(false);
  });
});

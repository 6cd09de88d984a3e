/**
 * A program's `Math`: ECMAScript's own functions, and a `random` of its own. Inside a compartment the shared
 * `Math.random()` throws (it would be a channel between components, and ambient host entropy); Node programs and
 * their libraries call it (mqtt.js draws its first message id from it), so each program gets a generator
 * (xoshiro128**) seeded with `seed` (the shim draws it from the host's CSPRNG at start, as Genode's libc reads its
 * `rng` file). Not for cryptography, as in Node.
 */
export function programMath(seed: Uint32Array): typeof Math {
  const state = Uint32Array.from(seed.length >= 4 ? seed.subarray(0, 4) : [1, 2, 3, 4]);
  if (state.every((word) => word === 0)) state[0] = 1;
  const rotl = (x: number, k: number): number => ((x << k) | (x >>> (32 - k))) >>> 0;
  const next = (): number => {
    const [s0 = 0, s1 = 0, s2 = 0, s3 = 0] = state;
    const result = Math.imul(rotl(Math.imul(s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (s1 << 9) >>> 0;
    state[2] = s2 ^ s0;
    state[3] = s3 ^ s1;
    state[1] = s1 ^ (s2 ^ s0);
    state[0] = s0 ^ (s3 ^ s1);
    state[2] = (state[2] ?? 0) ^ t;
    state[3] = rotl(state[3] ?? 0, 11);
    return result;
  };
  const math: Record<string | symbol, unknown> = {};
  for (const key of Reflect.ownKeys(Math))
    Object.defineProperty(math, key, { ...Object.getOwnPropertyDescriptor(Math, key), configurable: true });
  // 53 random bits from two draws, as V8 makes a double in [0, 1)
  Object.defineProperty(math, 'random', {
    value: function random(): number {
      return ((next() >>> 5) * 67108864 + (next() >>> 6)) / 9007199254740992;
    },
    writable: true,
    configurable: true,
  });
  return math as unknown as typeof Math;
}

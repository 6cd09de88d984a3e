import { releaseMemory } from '@os/kernel';
import { describe, expect, it } from 'vitest';

describe('releaseMemory', () => {
  it(
    'empties every view of the buffer at once: length 0, reads undefined, writes go nowhere; a second release is ' +
      'harmless',
    () => {
      const memory = new ArrayBuffer(4096);
      const whole = new Uint8Array(memory);
      const part = new Uint32Array(memory, 1024, 16);
      whole[0] = 7;
      part[3] = 9;
      releaseMemory(memory);
      expect(memory.byteLength).toBe(0);
      expect(whole.length).toBe(0);
      expect(part.length).toBe(0);
      expect(whole[0]).toBeUndefined();
      whole[0] = 5;
      expect(whole[0]).toBeUndefined();
      expect(() => releaseMemory(memory)).not.toThrow();
    },
  );
});

import { type Message, MessageSlab } from '@os/kernel';
import { describe, expect, it } from 'vitest';

describe('MessageSlab', () => {
  it(
    'hands out zeroed messages of the asked capacity whose bytes never overlap, and replaces a full slab instead ' +
      'of rewinding it',
    () => {
      const slab = new MessageSlab();
      const taken: Message[] = [];
      for (let i = 0; i < 200; i++) {
        const message = slab.take(1 + (i % 40));
        expect(message.capacity).toBe(1 + (i % 40));
        expect(message.words.length).toBe(Math.ceil(message.capacity / 4));
        expect([...message.bytes].every((byte) => byte === 0)).toBe(true);
        message.bytes.fill(i + 1);
        taken.push(message);
      }
      // every message still holds only what was written into it
      taken.forEach((message, i) => {
        expect([...message.bytes].every((byte) => byte === i + 1)).toBe(true);
      });
      expect(new Set(taken.map((message) => message.bytes.buffer)).size).toBeGreaterThan(1);
    },
  );

  it(
    'a message larger than the slab limit gets a buffer of its own; words and view work on a slab region as on an ' +
      'own buffer',
    () => {
      const slab = new MessageSlab();
      const small = slab.take(12);
      const large = slab.take(4000);
      expect(large.bytes.buffer.byteLength).toBe(4000);
      expect(large.bytes.byteOffset).toBe(0);
      small.view.setUint32(4, 0xdeadbeef, true);
      expect(small.words[1]).toBe(0xdeadbeef | 0);
      const copy = slab.take(12);
      copy.copyBytesFrom(small, 12);
      expect(copy.view.getUint32(4, true)).toBe(0xdeadbeef);
      expect(copy.bytes.byteOffset % 4).toBe(0);
    },
  );
});

import { describe, expect, it } from 'vitest';
import { LOG_CUT_MARKER, LOG_MAX_STRING_LEN, logLines, logWrites, printable } from '../src/printable.js';

describe('the LOG limit (Genode: Log_session::MAX_STRING_LEN = 232)', () => {
  it('is 232 characters', () => {
    expect(LOG_MAX_STRING_LEN).toBe(232);
  });

  it('a server prints a write of up to 232 characters whole, and cuts a longer one with a marker', () => {
    expect(logLines('a'.repeat(232))).toEqual(['a'.repeat(232)]);
    expect(logLines('a'.repeat(233))).toEqual([`${'a'.repeat(232)}${LOG_CUT_MARKER}`]);
    expect(logLines('a'.repeat(1 << 20))).toEqual([`${'a'.repeat(232)}${LOG_CUT_MARKER}`]);
  });

  it(
    'control characters count as printed: 4000 of them print one line of at most 232 characters plus the ' + 'marker',
    () => {
      const lines = logLines('\x1b'.repeat(4000));
      expect(lines).toEqual([`${'\\x1b'.repeat(58)}${LOG_CUT_MARKER}`]);
      // a written-out character is never split
      expect(logLines(`ab${'\x07'.repeat(100)}`)[0]).toBe(`ab${'\\x07'.repeat(57)}${LOG_CUT_MARKER}`);
    },
  );

  it('line breaks: each line is printed on its own, at most 232 lines per write', () => {
    expect(logLines('one\ntwo\r\nthree\n')).toEqual(['one', 'two', 'three']);
    expect(logLines('\n'.repeat(1000))).toHaveLength(232);
    for (const line of logLines('x\n'.repeat(500)))
      expect(line.length).toBeLessThanOrEqual(LOG_MAX_STRING_LEN + LOG_CUT_MARKER.length);
  });

  it('a client splits what it writes into writes the server prints whole: all of the text, in order', () => {
    for (const text of [
      '',
      'hello',
      'a'.repeat(233),
      'a'.repeat(10_000),
      '\x1b'.repeat(4000),
      'é😀'.repeat(300),
      `x\n${'y'.repeat(500)}\n\nz`,
      '\ud800'.repeat(300),
    ]) {
      const writes = logWrites(text);
      for (const write of writes) {
        expect(write.length).toBeLessThanOrEqual(LOG_MAX_STRING_LEN);
        expect(printable(write).length).toBeLessThanOrEqual(LOG_MAX_STRING_LEN);
        expect(write).not.toContain('\n');
        expect(logLines(write).join('')).toBe(printable(write));
      }
      expect(writes.join('\n').replaceAll('\n', '')).toBe(text.replaceAll('\n', ''));
    }
    // no surrogate pair is split
    for (const write of logWrites('😀'.repeat(300))) expect(write).toMatch(/^(?:😀)*$/u);
    expect(logWrites('a'.repeat(500))).toEqual(['a'.repeat(232), 'a'.repeat(232), 'a'.repeat(36)]);
    expect(logWrites('one\ntwo')).toEqual(['one', 'two']);
  });
});

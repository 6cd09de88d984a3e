import { describe, expect, it } from 'vitest';
import { printLines } from '../src/report-rom/print-lines.js';

const lines = (text: string, max?: number): string[] => printLines(new TextEncoder().encode(text), max);

describe("printLines (Genode's print_lines)", () => {
  it('splits at line breaks, skipping leading ones, keeping empty lines in between, no trailing empty line', () => {
    expect(lines('\n\na\n\nb\n')).toEqual(['a', '', 'b']);
    expect(lines('no newline')).toEqual(['no newline']);
    expect(lines('')).toEqual([]);
  });

  it("takes the first line's indentation off every line that starts with it", () => {
    expect(lines('  <a>\n    <b/>\n  </a>\n\tx')).toEqual(['<a>', '  <b/>', '</a>', '\tx']);
  });

  it('stops at a NUL, as the client need not terminate its text', () => {
    expect(lines('shown\nalso\0hidden\nnever')).toEqual(['shown', 'also']);
  });

  it('cuts lines longer than the maximum', () => {
    expect(lines('abcdefg\nhi', 3)).toEqual(['abc', 'def', 'g', 'hi']);
  });
});

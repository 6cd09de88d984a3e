/** The longest line report_rom's verbose output prints in one piece, as Genode's `print_lines<200>`. */
export const MAX_LINE_LENGTH = 200;

const decoder = new TextDecoder();

function isIndent(char: string | undefined): boolean {
  return char === ' ' || char === '\t';
}

/**
 * A client's report as Genode's `print_lines` cuts it for the log, trusting nothing about it: up to
 * the first NUL, leading line breaks skipped, the first line's indentation taken off every line that
 * starts with the same, lines longer than `maxLength` split.
 */
export function printLines(report: Uint8Array, maxLength = MAX_LINE_LENGTH): string[] {
  let text = decoder.decode(report);
  const end = text.indexOf('\0');
  if (end >= 0) text = text.slice(0, end);
  let at = 0;
  while (text[at] === '\n') at++;
  let indent = 0;
  while (isIndent(text[at + indent])) indent++;
  const firstIndent = text.slice(at, at + indent);
  const lines: string[] = [];
  while (at < text.length) {
    if (indent > 0 && text.startsWith(firstIndent, at)) at += indent;
    let length = 0;
    let skip = 0;
    for (; at + length < text.length; length++) {
      if (text[at + length] === '\n') {
        skip = 1;
        break;
      }
      if (length === maxLength) break;
    }
    if (length === 0 && skip === 0) break;
    lines.push(text.slice(at, at + length));
    at += length + skip;
  }
  return lines;
}

/** C0 controls but the tab, DEL, and C1 controls. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f]/g;

/**
 * `text` with its control characters written out (`\n`, `\r`, `\t` stays, others as `\xHH`): what a
 * LOG line shows of text a component does not control, so no client can start a line of its own
 * choosing under another label or send terminal escapes to the console of `os run`.
 */
export function printable(text: string): string {
  return text.replace(CONTROL_CHARACTERS, escapeOne);
}

function escapeOne(character: string): string {
  if (character === '\n') return '\\n';
  if (character === '\r') return '\\r';
  return `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * The most characters (UTF-16 code units) one LOG write carries, Genode's `Log_session::MAX_STRING_LEN`
 * (232 in `repos/base/include/log_session/log_session.h`; 236 before): a server prints no more of a
 * longer write, and no printed line holds more than this many characters of text.
 */
export const LOG_MAX_STRING_LEN = 232;

/**
 * What a LOG server puts after a line it cut (a write longer than {@link LOG_MAX_STRING_LEN}, or a line whose
 * written-out control characters would be longer).
 */
export const LOG_CUT_MARKER = ' [cut]';

/** How many characters `character` takes in {@link printable} text. */
function printedWidth(character: string): number {
  if (!CONTROL_CHARACTER.test(character)) return character.length;
  return character === '\n' || character === '\r' ? 2 : 4;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is its purpose
const CONTROL_CHARACTER = /^[\u0000-\u0008\u000a-\u001f\u007f-\u009f]$/;

/**
 * The lines a LOG server prints for one write (Genode's core LOG rule, bounded): the first
 * `LOG_MAX_STRING_LEN` (232) characters of `text` count, the rest is dropped; they are split at line
 * breaks (a trailing one ends the text, as Genode's LOG reads it) and each line made {@link printable};
 * a line whose printable form is longer than `LOG_MAX_STRING_LEN` (232) characters is cut there (never
 * inside a written-out character), and a cut line, or the last line of a write that was cut, ends
 * with `LOG_CUT_MARKER` (` [cut]`). So no printed line holds more than 232 characters of text plus the
 * marker, and one write prints at most 232 lines, however long it was or how many control characters
 * it held.
 */
export function logLines(text: string): string[] {
  const cut = text.length > LOG_MAX_STRING_LEN;
  const counted = cut ? text.slice(0, LOG_MAX_STRING_LEN) : text;
  const lines = counted.split(/\r\n|\n|\r/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  const printed = lines.map((line) => {
    const shown = printable(line);
    if (shown.length <= LOG_MAX_STRING_LEN) return shown;
    let kept = '';
    for (const character of line) {
      const next = printable(character);
      if (kept.length + next.length > LOG_MAX_STRING_LEN) break;
      kept += next;
    }
    return kept + LOG_CUT_MARKER;
  });
  const last = printed.length - 1;
  if (cut && !printed[last]!.endsWith(LOG_CUT_MARKER)) printed[last] += LOG_CUT_MARKER;
  return printed;
}

/**
 * How a LOG client writes `text` (as Genode's `Log_connection` and `log()` do, splitting into
 * `Log_session::write` calls of at most `MAX_STRING_LEN`): one write per line (split at `\n`), each
 * line in pieces whose {@link printable} form is at most {@link LOG_MAX_STRING_LEN} characters and that
 * never split a surrogate pair. A server printing each piece by {@link logLines} then prints all of
 * `text`, nothing cut.
 */
export function logWrites(text: string): string[] {
  const writes: string[] = [];
  for (const line of text.split('\n')) {
    let piece = '';
    let width = 0;
    // for...of walks code points: a surrogate pair stays together (a lone surrogate is one character)
    for (const character of line) {
      const size = printedWidth(character);
      if (width + size > LOG_MAX_STRING_LEN || piece.length + character.length > LOG_MAX_STRING_LEN) {
        writes.push(piece);
        piece = '';
        width = 0;
      }
      piece += character;
      width += size;
    }
    writes.push(piece);
  }
  return writes;
}

/** C0 controls but the tab, DEL, and C1 controls. */
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

/** The lines of one LOG write: split at line breaks (a trailing one ends the text, as Genode's LOG reads it), each made {@link printable}. */
export function logLines(text: string): string[] {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
  return lines.map(printable);
}

// Edits of a text for the fuzz tests: a well-formed document, edited a few times, reaches the reader's error paths.

import fc from 'fast-check';

/** One edit of a text: delete, insert a piece, duplicate or cut off. */
export type Edit =
  | { kind: 'delete' | 'duplicate'; at: number; length: number }
  | { kind: 'insert'; at: number; piece: string }
  | { kind: 'cut'; at: number };

/** Edits inserting one of `pieces`, deleting or duplicating up to `maxLength` characters, or cutting the text off. */
export function textEdits(pieces: fc.Arbitrary<string>, maxLength: number): fc.Arbitrary<Edit> {
  return fc.oneof(
    fc.record({
      kind: fc.constantFrom('delete' as const, 'duplicate' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: maxLength }),
    }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), piece: pieces }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  );
}

/** `text` with `change` made (its position taken modulo the text's length plus one). */
export function applyEdit(text: string, change: Edit): string {
  const at = change.at % (text.length + 1);
  switch (change.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + change.length);
    case 'duplicate':
      return text.slice(0, at + change.length) + text.slice(at);
    case 'insert':
      return text.slice(0, at) + change.piece + text.slice(at);
    case 'cut':
      return text.slice(0, at);
  }
}

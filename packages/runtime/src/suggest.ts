import { distance } from 'fastest-levenshtein';

/**
 * The candidate closest to `word` by edit distance, when it is close enough to be what was meant (one
 * edit for words of up to three letters, else two or a third of the longer word's length, whichever is
 * more; a swap of two letters is two edits); otherwise `undefined`. An exact match is itself. A
 * suggestion must be right or absent: a far-off guess misleads more than silence.
 */
export function suggest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const edits = distance(word.toLowerCase(), candidate.toLowerCase());
    if (edits < bestDistance) {
      best = candidate;
      bestDistance = edits;
    }
  }
  if (best === undefined || bestDistance === 0) return best;
  const longer = Math.max(word.length, best.length);
  return bestDistance <= (longer <= 3 ? 1 : Math.max(2, Math.floor(longer / 3))) ? best : undefined;
}

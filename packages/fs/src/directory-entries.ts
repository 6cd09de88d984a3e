import type { NodeKind } from './file-system-session.js';

/** One entry of a directory listing. */
export interface DirectoryEntry {
  /** The entry's name (one path element). */
  readonly name: string;
  /** What it is. */
  readonly kind: NodeKind;
}

const KINDS: readonly NodeKind[] = ['file', 'directory', 'symlink', 'other'];
const HEADER = 3;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Writes one entry at `offset` of `buffer` (a kind byte, the name's length as 16-bit little endian, the name in
 * UTF-8); answers the offset after it, or -1 when it does not fit.
 */
export function encodeDirectoryEntry(buffer: Uint8Array, offset: number, entry: DirectoryEntry): number {
  const name = encoder.encode(entry.name);
  const end = offset + HEADER + name.length;
  if (end > buffer.length || name.length > 0xffff) return -1;
  buffer[offset] = KINDS.indexOf(entry.kind);
  buffer[offset + 1] = name.length & 0xff;
  buffer[offset + 2] = name.length >> 8;
  buffer.set(name, offset + HEADER);
  return end;
}

/** Reads `count` entries that `entries` wrote into `buffer`; stops early at anything malformed. */
export function decodeDirectoryEntries(buffer: Uint8Array, count: number): DirectoryEntry[] {
  const entries: DirectoryEntry[] = [];
  let offset = 0;
  for (let i = 0; i < count && offset + HEADER <= buffer.length; i++) {
    const kind = KINDS[buffer[offset] as number];
    const length = (buffer[offset + 1] as number) | ((buffer[offset + 2] as number) << 8);
    const end = offset + HEADER + length;
    if (kind === undefined || end > buffer.length) break;
    entries.push({ kind, name: decoder.decode(buffer.subarray(offset + HEADER, end)) });
    offset = end;
  }
  return entries;
}

const KIB = 1024;
const MIB = KIB * 1024;
const GIB = MIB * 1024;

/**
 * A byte count as Genode's `Number_of_bytes` prints it: `0`, else the largest of G, M, K that
 * divides it (`1M`, `1536K`), else the plain number. `parseGenodeNumber` reads it back.
 */
export function numberOfBytes(bytes: number): string {
  if (bytes === 0) return '0';
  if (bytes % GIB === 0) return `${bytes / GIB}G`;
  if (bytes % MIB === 0) return `${bytes / MIB}M`;
  if (bytes % KIB === 0) return `${bytes / KIB}K`;
  return String(bytes);
}

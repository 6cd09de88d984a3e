const KIB = 1024;
const MIB = KIB * 1024;
const GIB = MIB * 1024;

/**
 * A byte count as Genode's `Number_of_bytes` prints it: `0`, else the largest of G, M, K that
 * divides it (`1M`, `1536K`), else the plain number.
 */
export function numberOfBytes(bytes: number): string {
  if (bytes === 0) return '0';
  if (bytes % GIB === 0) return `${bytes / GIB}G`;
  if (bytes % MIB === 0) return `${bytes / MIB}M`;
  if (bytes % KIB === 0) return `${bytes / KIB}K`;
  return String(bytes);
}

/**
 * `text` as it fits a Genode `String<capacity>`: at most `capacity - 1` characters, as the
 * terminating zero takes the last place.
 */
export function boundedString(text: string, capacity: number): string {
  return text.length < capacity ? text : text.slice(0, capacity - 1);
}

const UNITS = [
  { size: 1024 ** 3, suffix: 'G' },
  { size: 1024 ** 2, suffix: 'M' },
  { size: 1024, suffix: 'K' },
];

/**
 * A size for people to read in a message: `512 bytes`, `8K`, `1.9M`. Exact multiples print without a fraction,
 * others with one decimal, so a quota error says `needs 8K, has 4K left` rather than two long byte counts.
 */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return String(bytes);
  const sign = bytes < 0 ? '-' : '';
  const magnitude = Math.abs(bytes);
  for (const { size, suffix } of UNITS) {
    if (magnitude < size) continue;
    const value = magnitude / size;
    const text = Number.isInteger(value) ? String(value) : value.toFixed(1).replace(/\.0$/, '');
    return `${sign}${text}${suffix}`;
  }
  return `${sign}${magnitude} ${magnitude === 1 ? 'byte' : 'bytes'}`;
}

/** Bounds on what extracting one archive may produce: a hostile archive (a gzip bomb) stops at them. */
export interface ExtractLimits {
  /** The most tar entries (files and folders) one archive may hold. */
  readonly maxEntries: number;
  /** The most bytes one archive may unpack to (the tar stream after gunzip). */
  readonly maxBytes: number;
}

/** The default bounds: 10,000 entries, 64M unpacked per archive. */
export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };

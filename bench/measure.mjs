// A batched timing loop: every case, floors included, runs through the same loop, so ratios compare
// like with like. (mitata's async harness adds ~300 ns per awaited iteration here, drowning the
// ~80 ns an await costs; a plain loop does not.)

const now = () => process.hrtime.bigint();

/** The middle value of `values` (the upper middle of an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** How long each case runs before it is timed, so the JIT has compiled and settled its path. */
const WARMUP_MS = 150;

/** Median ns per call of a synchronous `fn` over `samples` batches of at least `minMs` each. */
export function measureSync(fn, { samples = 15, minMs = 40 } = {}) {
  const warmupEnd = now() + BigInt(WARMUP_MS * 1e6);
  while (now() < warmupEnd) for (let i = 0; i < 10_000; i++) fn();
  let batch = 1000;
  for (;;) {
    const start = now();
    for (let i = 0; i < batch; i++) fn();
    const elapsed = Number(now() - start) / 1e6;
    if (elapsed >= minMs) break;
    batch *= elapsed < minMs / 10 ? 10 : 2;
  }
  const results = [];
  for (let s = 0; s < samples; s++) {
    const start = now();
    for (let i = 0; i < batch; i++) fn();
    results.push(Number(now() - start) / batch);
  }
  return median(results);
}

/** Median ns per awaited call of an asynchronous `fn`, measured like {@link measureSync}. */
export async function measureAsync(fn, { samples = 15, minMs = 40 } = {}) {
  const warmupEnd = now() + BigInt(WARMUP_MS * 1e6);
  while (now() < warmupEnd) for (let i = 0; i < 1000; i++) await fn();
  let batch = 100;
  for (;;) {
    const start = now();
    for (let i = 0; i < batch; i++) await fn();
    const elapsed = Number(now() - start) / 1e6;
    if (elapsed >= minMs) break;
    batch *= elapsed < minMs / 10 ? 10 : 2;
  }
  const results = [];
  for (let s = 0; s < samples; s++) {
    const start = now();
    for (let i = 0; i < batch; i++) await fn();
    results.push(Number(now() - start) / batch);
  }
  return median(results);
}

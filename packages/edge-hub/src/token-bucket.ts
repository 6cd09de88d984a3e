/**
 * A token bucket: `rate` tokens a second up to `size`. A leaf's publishes each take a token; while none is left, the
 * leaf waits (its reads pause), so a flood from one leaf slows down that leaf alone.
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #size: number;
  #tokens: number;
  #atMs: number;

  /** A full bucket at `nowMs`. */
  constructor(rate: number, size: number, nowMs: number) {
    this.#rate = rate;
    this.#size = size;
    this.#tokens = size;
    this.#atMs = nowMs;
  }

  /** Takes a token if one is there at `nowMs`. */
  take(nowMs: number): boolean {
    if (nowMs > this.#atMs) {
      this.#tokens = Math.min(this.#size, this.#tokens + ((nowMs - this.#atMs) * this.#rate) / 1000);
      this.#atMs = nowMs;
    }
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

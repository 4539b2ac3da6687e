/**
 * Rolling mean and standard deviation over the last `period` values, O(1) per update, no allocation after
 * construction. Uses the sliding-window form of Welford's update (add the new value, remove the oldest, each
 * against the running mean), which stays accurate where a running sum of squares would lose digits (prices in
 * ticks squared pass 2^53 quickly).
 */
export class RollingStats {
  readonly period: number;
  readonly #buf: Float64Array;
  #count = 0;
  #head = 0;
  #mean = 0;
  /** Σ (x − mean)² over the window. */
  #m2 = 0;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 2)
      throw new RangeError(`rolling stats period must be an integer ≥ 2, got ${period}`);
    this.period = period;
    this.#buf = new Float64Array(period);
  }

  /** Add a value (finite); the oldest leaves once `period` values are held. Returns {@link mean}. */
  update(x: number): number {
    if (this.#count === this.period) {
      const old = this.#buf[this.#head]!;
      // replace `old` by `x` in one step: the mean moves by (x − old)/n
      const prev = this.#mean;
      this.#mean = prev + (x - old) / this.period;
      this.#m2 += (x - old) * (x - this.#mean + old - prev);
      if (this.#m2 < 0) this.#m2 = 0; // rounding on a flat window
    } else {
      this.#count++;
      const d = x - this.#mean;
      this.#mean += d / this.#count;
      this.#m2 += d * (x - this.#mean);
    }
    this.#buf[this.#head] = x;
    this.#head = (this.#head + 1) % this.period;
    return this.mean;
  }

  /** True once `period` values have been seen. */
  get ready(): boolean {
    return this.#count === this.period;
  }

  /** Mean of the window; NaN until ready. */
  get mean(): number {
    return this.ready ? this.#mean : Number.NaN;
  }

  /** Sample standard deviation (n − 1) of the window; NaN until ready. */
  get std(): number {
    return this.ready ? Math.sqrt(this.#m2 / (this.period - 1)) : Number.NaN;
  }

  /**
   * (x − mean) / std against the current window; NaN until ready. Against a flat window (std 0) it is 0 at
   * the mean and ±Infinity off it: any move away from a price that never moved is extreme.
   */
  zScore(x: number): number {
    if (!this.ready) return Number.NaN;
    const sd = this.std;
    if (sd > 0) return (x - this.#mean) / sd;
    return x === this.#mean ? 0 : x > this.#mean ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }
}

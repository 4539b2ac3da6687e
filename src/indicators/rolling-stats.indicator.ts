/**
 * Rolling mean and standard deviation over the last `period` values, O(1) per update, no allocation after
 * construction. Uses the sliding-window form of Welford's update (add the new value, remove the oldest, each
 * against the running mean), which stays accurate where a running sum of squares would lose digits (prices in
 * ticks squared pass 2^53 quickly). One case it cannot handle alone: an outlier leaving the window takes most
 * of Σ(x − mean)² with it, and what is left carries the outlier's rounding error (after 113,515 left the window
 * 113,515, 1, 2, 1 the std of 1, 2, 1 was off by 1e-6). When an update shrinks that sum a millionfold, the window
 * is summed again from its values (O(period), rare). The sliding update also drifts on long runs (each step's
 * rounding stays in the running sums: a relative std error of 1e-2 after 3 million updates of a random walk
 * near 5,000,000), so the window is also summed again every `period` updates: O(1) amortised.
 */
export class RollingStats {
  readonly period: number;
  readonly #buf: Float64Array;
  #count = 0;
  #head = 0;
  #mean = 0;
  /** Σ (x − mean)² over the window. */
  #m2 = 0;
  /** Full-window updates since the window was last summed again. */
  #sinceResum = 0;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 2)
      throw new RangeError(`rolling stats period must be an integer ≥ 2, got ${period}`);
    this.period = period;
    this.#buf = new Float64Array(period);
  }

  /** Add a value (finite); the oldest leaves once `period` values are held. Returns {@link mean}. */
  update(x: number): number {
    let resum = false;
    if (this.#count === this.period) {
      const old = this.#buf[this.#head]!;
      // replace `old` by `x` in one step: the mean moves by (x − old)/n
      const prev = this.#mean;
      const m2 = this.#m2;
      this.#mean = prev + (x - old) / this.period;
      this.#m2 = m2 + (x - old) * (x - this.#mean + old - prev);
      // most of the sum left with `old` (or rounding took it below zero): what is left is mostly rounding
      resum = this.#m2 < m2 * 1e-6 || ++this.#sinceResum >= this.period;
    } else {
      this.#count++;
      const d = x - this.#mean;
      this.#mean += d / this.#count;
      this.#m2 += d * (x - this.#mean);
    }
    this.#buf[this.#head] = x;
    this.#head = (this.#head + 1) % this.period;
    if (resum) this.#resum();
    return this.mean;
  }

  /**
   * Mean and Σ (x − mean)² of the (full) window again, two passes over its values; the second also corrects
   * the mean by the mean deviation from it (so a window of one value gives exactly that value and 0).
   */
  #resum(): void {
    const buf = this.#buf;
    const n = this.period;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += buf[i]!;
    const mean = sum / n;
    let dSum = 0;
    let m2 = 0;
    for (let i = 0; i < n; i++) {
      const d = buf[i]! - mean;
      dSum += d;
      m2 += d * d;
    }
    m2 -= (dSum * dSum) / n;
    this.#mean = mean + dSum / n;
    this.#m2 = m2 > 0 ? m2 : 0;
    this.#sinceResum = 0;
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

/**
 * Ordinary least squares of y on x over the last `period` pairs: slope (β), intercept (α) and the residual of
 * a point, O(1) per update, no allocation after construction. Co-moments are kept with the sliding-window
 * Welford update (remove the oldest pair, add the new one), so they stay accurate on long runs.
 * The pairs strategy uses it for the rolling hedge ratio of two log price series.
 */
export class RollingRegression {
  readonly period: number;
  readonly #xs: Float64Array;
  readonly #ys: Float64Array;
  #count = 0;
  #head = 0;
  #mx = 0;
  #my = 0;
  /** Σ (x − mx)² and Σ (x − mx)(y − my) over the window. */
  #cxx = 0;
  #cxy = 0;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 2)
      throw new RangeError(`rolling regression period must be an integer ≥ 2, got ${period}`);
    this.period = period;
    this.#xs = new Float64Array(period);
    this.#ys = new Float64Array(period);
  }

  /** Add the pair (x, y); the oldest leaves once `period` pairs are held. */
  update(x: number, y: number): void {
    if (this.#count === this.period) {
      const x0 = this.#xs[this.#head]!;
      const y0 = this.#ys[this.#head]!;
      const n = this.#count - 1;
      const mxAfter = this.#mx - (x0 - this.#mx) / n;
      this.#cxx -= (x0 - mxAfter) * (x0 - this.#mx);
      this.#cxy -= (x0 - mxAfter) * (y0 - this.#my);
      this.#my -= (y0 - this.#my) / n;
      this.#mx = mxAfter;
      this.#count = n;
      if (this.#cxx < 0) this.#cxx = 0;
    }
    this.#count++;
    const dx = x - this.#mx;
    this.#mx += dx / this.#count;
    this.#my += (y - this.#my) / this.#count;
    this.#cxx += dx * (x - this.#mx);
    this.#cxy += dx * (y - this.#my);
    this.#xs[this.#head] = x;
    this.#ys[this.#head] = y;
    this.#head = (this.#head + 1) % this.period;
  }

  /** True once `period` pairs have been seen. */
  get ready(): boolean {
    return this.#count === this.period;
  }

  /** Slope of y on x; NaN until ready or when x does not vary over the window. */
  get beta(): number {
    return this.ready && this.#cxx > 0 ? this.#cxy / this.#cxx : Number.NaN;
  }

  /** Intercept; NaN when {@link beta} is. */
  get alpha(): number {
    return this.#my - this.beta * this.#mx;
  }
}

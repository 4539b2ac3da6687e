/**
 * Ordinary least squares of y on x over the last `period` pairs: slope (β), intercept (α) and the residual of
 * a point, O(1) amortised per update, no allocation after construction. Co-moments are kept with the
 * sliding-window Welford update (remove the oldest pair, add the new one). Like `RollingStats`, the window
 * is summed again from its values (two passes, O(period)) when the update alone cannot be trusted:
 * - every `period` updates, so rounding cannot pile up on long runs;
 * - when an update shrinks Σ(x − mx)² a millionfold (an outlier left: what is left is mostly its rounding);
 * - when x has held one value for the whole window: Σ(x − mx)² is then exactly 0 and β NaN, where the sliding
 *   update would leave a rounding residue and a made-up finite β.
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
  /** Full-window updates since the window was last summed again. */
  #sinceResum = 0;
  /** Consecutive updates (this one included) whose x equals the one before. */
  #flatRun = 0;
  #lastX = Number.NaN;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 2)
      throw new RangeError(`rolling regression period must be an integer ≥ 2, got ${period}`);
    this.period = period;
    this.#xs = new Float64Array(period);
    this.#ys = new Float64Array(period);
  }

  /** Add the pair (x, y); the oldest leaves once `period` pairs are held. */
  update(x: number, y: number): void {
    const full = this.#count === this.period;
    const cxxBefore = this.#cxx;
    if (full) {
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
    this.#flatRun = x === this.#lastX ? this.#flatRun + 1 : 1;
    this.#lastX = x;
    if (
      full &&
      (++this.#sinceResum >= this.period ||
        this.#cxx < cxxBefore * 1e-6 ||
        (this.#flatRun >= this.period && this.#cxx !== 0))
    )
      this.#resum();
  }

  /**
   * Means and co-moments of the (full) window again: a pass for the means, then one for the deviations from
   * them, which also corrects the means by their mean deviation. A window of one x value is set to exactly
   * that value with no variation.
   */
  #resum(): void {
    const xs = this.#xs;
    const ys = this.#ys;
    const n = this.period;
    let sx = 0;
    let sy = 0;
    for (let i = 0; i < n; i++) {
      sx += xs[i]!;
      sy += ys[i]!;
    }
    const mx = sx / n;
    const my = sy / n;
    let dxSum = 0;
    let dySum = 0;
    let cxx = 0;
    let cxy = 0;
    for (let i = 0; i < n; i++) {
      const dx = xs[i]! - mx;
      const dy = ys[i]! - my;
      dxSum += dx;
      dySum += dy;
      cxx += dx * dx;
      cxy += dx * dy;
    }
    cxx -= (dxSum * dxSum) / n;
    this.#my = my + dySum / n;
    this.#sinceResum = 0;
    if (this.#flatRun >= n) {
      // one x value over the window: exactly no variation, whatever the rounding of its sum
      this.#mx = this.#lastX;
      this.#cxx = 0;
      this.#cxy = 0;
    } else {
      this.#mx = mx + dxSum / n;
      this.#cxx = cxx > 0 ? cxx : 0;
      this.#cxy = cxy - (dxSum * dySum) / n;
    }
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

/**
 * Rate of change over `period` values: x_t / x_{t−period} − 1, O(1) per update, no allocation after
 * construction. The classic time-series momentum signal.
 */
export class RateOfChange {
  readonly period: number;
  /** The last `period + 1` values. */
  readonly #buf: Float64Array;
  #count = 0;
  #head = 0;
  #value = Number.NaN;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1)
      throw new RangeError(`rate of change period must be a positive integer, got ${period}`);
    this.period = period;
    this.#buf = new Float64Array(period + 1);
  }

  /** Add a value (> 0); returns the new rate of change (NaN until `period + 1` values were seen). */
  update(x: number): number {
    const n = this.period + 1;
    this.#buf[this.#head] = x;
    this.#head = (this.#head + 1) % n;
    if (this.#count < n) this.#count++;
    // the oldest held value sits at #head once the buffer is full
    this.#value = this.#count === n ? x / this.#buf[this.#head]! - 1 : Number.NaN;
    return this.#value;
  }

  get ready(): boolean {
    return this.#count === this.period + 1;
  }

  /** The current rate of change; NaN until ready. */
  get value(): number {
    return this.#value;
  }
}

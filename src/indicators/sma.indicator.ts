/**
 * Simple moving average over the last `period` values, O(1) per update, no allocation after construction.
 * Integer inputs (ticks) are summed exactly while the running sum stays below 2^53.
 */
export class Sma {
  readonly period: number;
  readonly #buf: Float64Array;
  #sum = 0;
  #count = 0;
  #head = 0;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1)
      throw new RangeError(`SMA period must be a positive integer, got ${period}`);
    this.period = period;
    this.#buf = new Float64Array(period);
  }

  /** Add a value; returns the new average (NaN until `period` values were seen). */
  update(x: number): number {
    if (this.#count === this.period) this.#sum -= this.#buf[this.#head]!;
    else this.#count++;
    this.#buf[this.#head] = x;
    this.#sum += x;
    this.#head = (this.#head + 1) % this.period;
    return this.value;
  }

  /** True once `period` values have been seen. */
  get ready(): boolean {
    return this.#count === this.period;
  }

  /** The current average, NaN until ready. */
  get value(): number {
    return this.ready ? this.#sum / this.period : Number.NaN;
  }
}

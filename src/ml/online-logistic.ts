/**
 * Numerically safe logistic function 1 / (1 + e^(−z)). Only ever exponentiates a non-positive number, so it
 * cannot overflow: ±Infinity map to exactly 1 and 0, and a NaN score maps to 0.5 (no opinion).
 */
export function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  if (z < 0) {
    const e = Math.exp(z);
    return e / (1 + e);
  }
  return 0.5;
}

/** Replace an overflowed (±Infinity) weight by the largest finite one of the same sign. */
function saturate(v: number): number {
  return v > Number.MAX_VALUE ? Number.MAX_VALUE : v < -Number.MAX_VALUE ? -Number.MAX_VALUE : v;
}

/** JSON-safe state of an {@link OnlineLogisticRegression}. */
export interface OnlineLogisticSnapshot {
  readonly n: number;
  readonly lr: number;
  readonly l2: number;
  /** SGD steps taken so far. */
  readonly steps: number;
  readonly weights: number[];
  readonly bias: number;
}

/**
 * Binary logistic regression trained online by stochastic gradient descent, one example at a time
 * (walk-forward: it only ever learns from examples it is handed, in order).
 *
 * The model is p(y = 1 | x) = σ(w·x + b). Each {@link update} takes one SGD step on the log loss plus an L2
 * penalty (l2 / 2)·‖w‖² on the weights (the bias is not penalised):
 * `w ← w·(1 − lr·l2) − lr·(p − y)·x`, `b ← b − lr·(p − y)`.
 *
 * Deterministic: all weights start at 0 and nothing is random, so the same inputs give bit-identical weights.
 * No allocation after construction. Weights always stay finite (an overflowing step saturates at
 * ±`Number.MAX_VALUE`), so {@link predict} is in [0, 1] and never NaN for any finite input.
 */
export class OnlineLogisticRegression {
  /** Number of features. */
  readonly n: number;
  /** Learning rate (SGD step size). */
  readonly lr: number;
  /** L2 penalty on the weights (not the bias). */
  readonly l2: number;
  /** Weights in [0, n), bias at n. */
  readonly #w: Float64Array;
  readonly #view: Float64Array;
  readonly #decay: number;
  #steps = 0;

  /**
   * @param n feature count, a positive integer
   * @param lr learning rate, finite and > 0
   * @param l2 L2 penalty, finite and ≥ 0; `lr·l2` must be < 1 (a larger step would flip the weights' sign)
   * @throws RangeError on any other value
   */
  constructor(n: number, lr: number, l2 = 0) {
    if (!Number.isSafeInteger(n) || n < 1)
      throw new RangeError(`feature count must be a positive integer, got ${n}`);
    if (!Number.isFinite(lr) || lr <= 0)
      throw new RangeError(`learning rate must be finite and > 0, got ${lr}`);
    if (!Number.isFinite(l2) || l2 < 0) throw new RangeError(`l2 must be finite and >= 0, got ${l2}`);
    if (lr * l2 >= 1) throw new RangeError(`lr * l2 must be < 1, got ${lr} * ${l2}`);
    this.n = n;
    this.lr = lr;
    this.l2 = l2;
    this.#w = new Float64Array(n + 1);
    this.#view = this.#w.subarray(0, n);
    this.#decay = 1 - lr * l2;
  }

  /** The current weights (length `n`, bias excluded): a live read-only view, not a copy. */
  get weights(): ArrayLike<number> {
    return this.#view;
  }

  /** The current bias (intercept). */
  get bias(): number {
    return this.#w[this.n]!;
  }

  /** SGD steps taken so far. */
  get steps(): number {
    return this.#steps;
  }

  /**
   * Probability that the label of `x` is 1, in [0, 1]. `x` must hold `n` finite numbers; when huge inputs
   * make the score indeterminate (+∞ − ∞) the answer is 0.5.
   * @throws RangeError when `x.length !== n`
   */
  predict(x: ArrayLike<number>): number {
    return sigmoid(this.#score(x));
  }

  /**
   * One SGD step on the example (`x`, `y`).
   * @throws RangeError when `x.length !== n`, a feature is not finite, or `y` is not 0 or 1 (the model is
   *   left unchanged)
   */
  update(x: ArrayLike<number>, y: 0 | 1): void {
    if (y !== 0 && y !== 1) throw new RangeError(`label must be 0 or 1, got ${y}`);
    const n = this.n;
    for (let i = 0; i < n; i++)
      if (!Number.isFinite(x[i]!)) throw new RangeError(`feature ${i} is not finite: ${x[i]}`);
    const w = this.#w;
    const g = this.lr * (sigmoid(this.#score(x)) - y);
    const decay = this.#decay;
    for (let i = 0; i < n; i++) w[i] = saturate(w[i]! * decay - g * x[i]!);
    w[n] = saturate(w[n]! - g);
    this.#steps++;
  }

  /** Reset to the initial state: all weights 0, no steps. */
  reset(): void {
    this.#w.fill(0);
    this.#steps = 0;
  }

  /** A JSON-safe copy of the state. */
  snapshot(): OnlineLogisticSnapshot {
    return {
      n: this.n,
      lr: this.lr,
      l2: this.l2,
      steps: this.#steps,
      weights: Array.from(this.#view),
      bias: this.bias
    };
  }

  #score(x: ArrayLike<number>): number {
    const n = this.n;
    if (x.length !== n) throw new RangeError(`expected ${n} features, got ${x.length}`);
    const w = this.#w;
    let z = w[n]!;
    for (let i = 0; i < n; i++) z += w[i]! * x[i]!;
    return z;
  }
}

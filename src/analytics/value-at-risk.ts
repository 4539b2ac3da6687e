/**
 * Linear-interpolated empirical quantile of an ascending-sorted sample (the R-7 / NumPy default),
 * `p` in [0, 1]. 0 for an empty sample.
 */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  // Round away float noise such as (1 − 0.95) × 20 = 1.0000000000000009.
  const h = Math.round((n - 1) * Math.min(1, Math.max(0, p)) * 1e9) / 1e9;
  const lo = Math.floor(h);
  const a = sorted[lo]!;
  const b = sorted[Math.min(lo + 1, n - 1)]!;
  // (an exact rank, or equal neighbours, is that value: Infinity stays Infinity rather than 0 × ∞)
  return h === lo || a === b ? a : a + (h - lo) * (b - a);
}

/**
 * Historical Value at Risk of periodic returns at `confidence` (default 0.95): the negated
 * (1 − confidence) empirical quantile, so a positive number is a loss (a negative one means even the
 * tail is a gain). 0 for an empty sample.
 */
export function historicalVar(returns: readonly number[], confidence = 0.95): number {
  if (returns.length === 0) return 0;
  const sorted = [...returns].sort((x, y) => x - y);
  return -quantileSorted(sorted, 1 - confidence) || 0;
}

/**
 * Historical Conditional VaR (expected shortfall) at `confidence` (default 0.95): the negated mean of
 * the returns at or below the (1 − confidence) empirical quantile; positive = loss. Always ≥ the VaR.
 * 0 for an empty sample.
 */
export function historicalCvar(returns: readonly number[], confidence = 0.95): number {
  if (returns.length === 0) return 0;
  const sorted = [...returns].sort((x, y) => x - y);
  const q = quantileSorted(sorted, 1 - confidence);
  let s = 0;
  let k = 0;
  for (const r of sorted) {
    if (r > q) break;
    s += r;
    k++;
  }
  return k === 0 ? 0 : -(s / k) || 0;
}

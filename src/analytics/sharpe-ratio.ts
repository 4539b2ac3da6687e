import { mean, STD_EPSILON, sampleStd } from './moments.ts';

/** Options shared by the return-based ratios. */
export interface RatioOptions {
  /** Annual risk-free rate as a fraction; the per-period rate is `riskFree / periodsPerYear`. Default 0. */
  readonly riskFree?: number;
  /** Return periods per year; default 252 (trading days). */
  readonly periodsPerYear?: number;
}

/**
 * Annualised Sharpe ratio: mean of excess periodic returns over their sample standard deviation,
 * × √periodsPerYear. 0 with fewer than two returns or a (numerically) zero standard deviation.
 */
export function sharpeRatio(returns: readonly number[], opts: RatioOptions = {}): number {
  const ppy = opts.periodsPerYear ?? 252;
  const rf = (opts.riskFree ?? 0) / ppy;
  if (returns.length < 2) return 0;
  const excess = returns.map((r) => r - rf);
  const sd = sampleStd(excess);
  if (!(sd > STD_EPSILON)) return 0;
  const s = (mean(excess) / sd) * Math.sqrt(ppy);
  return Number.isFinite(s) ? s : 0;
}

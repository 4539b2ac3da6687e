import { mean, STD_EPSILON } from './moments.ts';
import type { RatioOptions } from './sharpe-ratio.ts';

/**
 * Downside deviation of periodic returns against a target of 0: `√(Σ min(0, r)² / n)` over all `n`
 * periods (not only the losing ones). 0 for an empty sample.
 */
export function downsideDeviation(returns: readonly number[]): number {
  if (returns.length === 0) return 0;
  let ss = 0;
  for (const r of returns) if (r < 0) ss += r * r;
  return Math.sqrt(ss / returns.length);
}

/**
 * Annualised Sortino ratio: mean excess periodic return over the downside deviation of the excess
 * returns (target 0, all periods), × √periodsPerYear. 0 when empty or when there is no downside.
 */
export function sortinoRatio(returns: readonly number[], opts: RatioOptions = {}): number {
  const ppy = opts.periodsPerYear ?? 252;
  const rf = (opts.riskFree ?? 0) / ppy;
  if (returns.length === 0) return 0;
  const excess = returns.map((r) => r - rf);
  const dd = downsideDeviation(excess);
  if (!(dd > STD_EPSILON)) return 0;
  const s = (mean(excess) / dd) * Math.sqrt(ppy);
  return Number.isFinite(s) ? s : 0;
}

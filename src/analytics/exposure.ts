import type { EquityPoint } from './types.ts';

/** How much of the time a run held positions, and how large they were against its equity. */
export interface ExposureStats {
  /** Fraction of the run's time with any position open (each sample holds until the next). */
  readonly timeInMarket: number;
  /** Time-weighted mean of gross position value over equity. */
  readonly averageLeverage: number;
  /** Largest gross position value over equity at any sample. */
  readonly maxLeverage: number;
}

/**
 * {@link ExposureStats} from the equity curve and, per point, the gross value of the positions (|long| + |short|
 * at their marks, account currency). Each point's state holds until the next point; the last point has no
 * duration. A point with equity ≤ 0 and positions counts as infinitely levered. No time: all zero.
 */
export function exposureStats(equity: readonly EquityPoint[], gross: readonly number[]): ExposureStats {
  let inMarket = 0;
  let weighted = 0;
  let total = 0;
  let max = 0;
  for (let i = 0; i < equity.length; i++) {
    const g = gross[i] ?? 0;
    const e = equity[i]!.equity;
    const lev = g === 0 ? 0 : e > 0 ? g / e : Number.POSITIVE_INFINITY;
    if (lev > max) max = lev;
    if (i + 1 === equity.length) break;
    const dt = Number(equity[i + 1]!.ts - equity[i]!.ts);
    if (!(dt > 0)) continue;
    total += dt;
    if (g !== 0) inMarket += dt;
    weighted += lev * dt;
  }
  return total > 0
    ? { timeInMarket: inMarket / total, averageLeverage: weighted / total, maxLeverage: max }
    : { timeInMarket: 0, averageLeverage: 0, maxLeverage: max };
}

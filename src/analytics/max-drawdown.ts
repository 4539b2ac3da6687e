import { NS_PER_DAY } from '../core/nanos.ts';
import type { EquityPoint } from './types.ts';

/** Depth and duration of the drawdowns of an equity curve. */
export interface DrawdownStats {
  /** Deepest peak-to-trough decline as a positive fraction of the peak; 0 when never below a peak. */
  readonly maxDrawdown: number;
  /** Peak and trough of the deepest drawdown (undefined when there is none). */
  readonly peakTs: bigint | undefined;
  readonly troughTs: bigint | undefined;
  /** First time the deepest drawdown's peak was regained; undefined if never (or no drawdown). */
  readonly recoveryTs: bigint | undefined;
  /**
   * Longest underwater period in calendar days (fractional): from a peak to the first point at or above it,
   * or to the last point when never recovered. 0 when never underwater.
   */
  readonly maxDurationDays: number;
}

/** Drawdown of each point from its running peak, as a positive fraction (0 at a new high or a non-positive peak). */
export function drawdownSeries(equity: readonly EquityPoint[]): number[] {
  const out: number[] = [];
  let peak = Number.NEGATIVE_INFINITY;
  for (const p of equity) {
    if (p.equity > peak) peak = p.equity;
    out.push(peak > 0 ? (peak - p.equity) / peak : 0);
  }
  return out;
}

/** Maximum drawdown depth and the longest drawdown duration of a time-sorted equity curve. */
export function maxDrawdown(equity: readonly EquityPoint[]): DrawdownStats {
  let peak = Number.NEGATIVE_INFINITY;
  let peakTs = 0n;
  let max = 0;
  let maxPeakTs: bigint | undefined;
  let maxTroughTs: bigint | undefined;
  let recoveryTs: bigint | undefined;
  let maxDurNs = 0n;
  let underwater = false;
  for (const p of equity) {
    if (p.equity >= peak) {
      if (underwater) {
        const dur = p.ts - peakTs;
        if (dur > maxDurNs) maxDurNs = dur;
        if (maxPeakTs === peakTs && recoveryTs === undefined) recoveryTs = p.ts;
        underwater = false;
      }
      peak = p.equity;
      peakTs = p.ts;
      continue;
    }
    underwater = true;
    const dd = peak > 0 ? (peak - p.equity) / peak : 0;
    if (dd > max) {
      max = dd;
      if (maxPeakTs !== peakTs) recoveryTs = undefined;
      maxPeakTs = peakTs;
      maxTroughTs = p.ts;
    }
  }
  const last = equity[equity.length - 1];
  if (underwater && last !== undefined && last.ts - peakTs > maxDurNs) maxDurNs = last.ts - peakTs;
  return {
    maxDrawdown: Number.isFinite(max) ? max : 0,
    peakTs: maxPeakTs,
    troughTs: maxTroughTs,
    recoveryTs,
    maxDurationDays: Number(maxDurNs / NS_PER_DAY) + Number(maxDurNs % NS_PER_DAY) / Number(NS_PER_DAY)
  };
}

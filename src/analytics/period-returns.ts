import { msFromNs } from '../core/nanos.ts';
import { dailyCloses, simpleReturn } from './daily-returns.ts';
import type { EquityPoint } from './types.ts';

/** The return of one calendar period (UTC), compounded from the equity curve. */
export interface PeriodReturn {
  /** `YYYY-MM` for a month, `YYYY` for a year. */
  readonly period: string;
  /** Fraction: the period's last equity over the previous period's (the first: over the starting equity), − 1. */
  readonly return: number;
}

/**
 * Monthly or yearly returns of a time-sorted equity curve, by UTC calendar period: each period's close is its
 * last point, the first period's base is the curve's first point (the starting capital), and a period without a
 * point has no entry. Compounding every entry gives the total return; compounding a year's months gives the year.
 */
export function periodReturns(equity: readonly EquityPoint[], unit: 'month' | 'year'): PeriodReturn[] {
  const first = equity[0];
  if (first === undefined) return [];
  const cut = unit === 'month' ? 7 : 4;
  const out: PeriodReturn[] = [];
  let base = first.equity;
  let period: string | undefined;
  let close = base;
  for (const p of dailyCloses(equity)) {
    const key = new Date(msFromNs(p.ts)).toISOString().slice(0, cut);
    if (period !== undefined && key !== period) {
      out.push({ period, return: simpleReturn(base, close) });
      base = close;
    }
    period = key;
    close = p.equity;
  }
  if (period !== undefined) out.push({ period, return: simpleReturn(base, close) });
  return out;
}

/** A run's returns by calendar month and year (see {@link periodReturns}). */
export interface PeriodReturns {
  readonly monthly: readonly PeriodReturn[];
  readonly yearly: readonly PeriodReturn[];
}

/** Both of a curve's {@link PeriodReturns}. */
export function returnsByPeriod(equity: readonly EquityPoint[]): PeriodReturns {
  return { monthly: periodReturns(equity, 'month'), yearly: periodReturns(equity, 'year') };
}

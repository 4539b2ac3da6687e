import { NS_PER_DAY } from '../core/nanos.ts';
import type { EquityPoint } from './types.ts';

/** Calendar days per year used to annualise over calendar time. */
export const DAYS_PER_YEAR = 365.25;

/** Calendar days (fractional) from the first to the last point of a curve; 0 when fewer than two points. */
export function calendarDays(equity: readonly EquityPoint[]): number {
  const first = equity[0];
  const last = equity[equity.length - 1];
  if (first === undefined || last === undefined || last.ts <= first.ts) return 0;
  const span = last.ts - first.ts;
  // Whole days exactly in bigint, the remainder as a fraction.
  return Number(span / NS_PER_DAY) + Number(span % NS_PER_DAY) / Number(NS_PER_DAY);
}

/**
 * Compound annual growth rate over calendar time: `(end / start)^(1 / years) − 1` with
 * `years = calendarDays / 365.25`. 0 for an empty or zero-length curve or a non-positive start;
 * −1 when the curve ends at or below zero; `Infinity` when a gain over a short span compounds past the
 * largest double (as a profit factor with no losses is).
 */
export function annualizedReturn(equity: readonly EquityPoint[]): number {
  const first = equity[0];
  const last = equity[equity.length - 1];
  const years = calendarDays(equity) / DAYS_PER_YEAR;
  if (first === undefined || last === undefined || years <= 0 || !(first.equity > 0)) return 0;
  if (!(last.equity > 0)) return -1;
  return (last.equity / first.equity) ** (1 / years) - 1;
}

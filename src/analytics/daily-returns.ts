import { NS_PER_DAY } from '../core/nanos.ts';
import type { EquityPoint } from './types.ts';

/** The UTC day number (days since 1970-01-01, floored) of an epoch-nanosecond timestamp. */
export function utcDay(ts: bigint): bigint {
  const q = ts / NS_PER_DAY;
  return ts < 0n && q * NS_PER_DAY !== ts ? q - 1n : q;
}

/**
 * Resample an equity curve to UTC-day closes: the last point of each UTC day, in time order.
 * The input must be sorted by `ts` (ties keep the later point).
 */
export function dailyCloses(equity: readonly EquityPoint[]): EquityPoint[] {
  const out: EquityPoint[] = [];
  let day: bigint | undefined;
  for (const p of equity) {
    const d = utcDay(p.ts);
    if (day === d) out[out.length - 1] = p;
    else out.push(p);
    day = d;
  }
  return out;
}

/**
 * Simple daily returns of an equity curve sampled at any frequency (minute bars, daily closes, …).
 *
 * The base of the first return is the first point's equity (the starting capital): when the first UTC
 * day holds several points, its return is `close₁ / first − 1`; when it holds only the first point (daily
 * data), that point is the base and returns start with the second day. Thereafter each return is
 * `closeₜ / closeₜ₋₁ − 1`. A zero previous close yields a return of 0 rather than ±Infinity; a negative
 * one divides by its magnitude so a rise is still positive.
 */
export function dailyReturns(equity: readonly EquityPoint[]): number[] {
  const first = equity[0];
  if (first === undefined) return [];
  const closes = dailyCloses(equity);
  const out: number[] = [];
  let prev = first.equity;
  for (let i = 0; i < closes.length; i++) {
    const c = closes[i]!;
    if (i === 0 && c === first) continue;
    out.push(simpleReturn(prev, c.equity));
    prev = c.equity;
  }
  return out;
}

/** `cur / prev − 1`, dividing by |prev| (a rise stays positive); 0 for a zero or non-finite base. */
export function simpleReturn(prev: number, cur: number): number {
  if (prev === 0 || !Number.isFinite(prev) || !Number.isFinite(cur)) return 0;
  return (cur - prev) / Math.abs(prev);
}

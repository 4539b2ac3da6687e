import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Nanos, NS_PER_MIN, NS_PER_MS } from '../core/nanos.ts';

/**
 * America/New_York wall time to UTC without a time-zone library: the US daylight-saving rules
 * since 1967, as enacted (Uniform Time Act 1966, the 1974/75 energy-crisis years, the 1986 and
 * 2005 amendments). Enough for every US equity file tradestate reads.
 */

/** Day of month of the n-th (1-based) `weekday` (0 = Sunday) of `month` (1–12) in `year`. */
export function nthWeekday(year: number, month: number, weekday: number, n: number): number {
  const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
  return 1 + ((weekday - first + 7) % 7) + (n - 1) * 7;
}

/** Day of month of the last `weekday` (0 = Sunday) of `month` (1–12) in `year`. */
export function lastWeekday(year: number, month: number, weekday: number): number {
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const last = new Date(Date.UTC(year, month - 1, days)).getUTCDay();
  return days - ((last - weekday + 7) % 7);
}

/** The local dates (month, day) on which US DST starts and ends in `year` (both at 02:00 local). */
export function usDstBounds(year: number): { start: [number, number]; end: [number, number] } {
  if (!Number.isInteger(year) || year < 1967 || year > 9999) {
    throw new TradestateError(ErrorCode.DATA_INVALID, `no US DST rule for year ${year}`, { year });
  }
  if (year >= 2007) return { start: [3, nthWeekday(year, 3, 0, 2)], end: [11, nthWeekday(year, 11, 0, 1)] };
  if (year >= 1987) return { start: [4, nthWeekday(year, 4, 0, 1)], end: [10, lastWeekday(year, 10, 0)] };
  if (year === 1974) return { start: [1, 6], end: [10, lastWeekday(year, 10, 0)] };
  if (year === 1975) return { start: [2, 23], end: [10, lastWeekday(year, 10, 0)] };
  return { start: [4, lastWeekday(year, 4, 0)], end: [10, lastWeekday(year, 10, 0)] };
}

/**
 * Is the New York wall time `minuteOfDay` on local date `year-month-day` in daylight time?
 * DST begins at 02:00 local (02:00–02:59 does not exist: treated as DST) and ends at 02:00 local
 * (the repeated 01:00–01:59 is taken as its first, daylight, occurrence).
 */
export function isUsEasternDst(year: number, month: number, day: number, minuteOfDay = 720): boolean {
  const { start, end } = usDstBounds(year);
  const d = month * 100 + day;
  const s = start[0] * 100 + start[1];
  const e = end[0] * 100 + end[1];
  if (d < s || d > e) return false;
  if (d === s) return minuteOfDay >= 120;
  if (d === e) return minuteOfDay < 120;
  return true;
}

/** UTC offset of New York in minutes (−240 in daylight time, −300 in standard time). */
export function usEasternOffsetMinutes(year: number, month: number, day: number, minuteOfDay = 720): number {
  return isUsEasternDst(year, month, day, minuteOfDay) ? -240 : -300;
}

/**
 * UTC offset of New York in minutes (−240 or −300) at the instant `ms` (epoch milliseconds): daylight time from
 * 02:00 EST (07:00 UTC) on the day DST starts to 02:00 EDT (06:00 UTC) on the day it ends. Unlike the wall-time
 * {@link usEasternOffsetMinutes}, every instant has exactly one answer (no skipped or repeated hour).
 */
export function usEasternOffsetAtUtc(ms: number): number {
  // the New York year: either offset gives the same one, as no DST switch falls within hours of New Year
  const year = new Date(ms - 300 * 60_000).getUTCFullYear();
  const { start, end } = usDstBounds(year);
  const from = Date.UTC(year, start[0] - 1, start[1], 7);
  const to = Date.UTC(year, end[0] - 1, end[1], 6);
  return ms >= from && ms < to ? -240 : -300;
}

/** Epoch nanoseconds of New York wall time `minuteOfDay` (0–1439) on `year-month-day`. */
export function nyWallToNs(year: number, month: number, day: number, minuteOfDay: number): Nanos {
  const off = usEasternOffsetMinutes(year, month, day, minuteOfDay);
  const utcMidnightMs = Date.UTC(year, month - 1, day);
  return BigInt(utcMidnightMs) * NS_PER_MS + BigInt(minuteOfDay - off) * NS_PER_MIN;
}

import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Nanos, NS_PER_DAY, NS_PER_MS } from '../core/nanos.ts';
import { lastWeekday, nthWeekday, nyWallToNs, usEasternOffsetAtUtc } from './us-eastern.ts';

/**
 * The NYSE calendar by rule: weekends, the exchange holidays (with Saturday/Sunday observance),
 * the unscheduled closures of the years tradestate has data for, and the 13:00 early closes.
 * Hours (New York time): pre-market 04:00–09:30, regular 09:30–16:00 (13:00 on an early close),
 * after hours 16:00–20:00 (17:00 on an early close).
 */

/** Unscheduled full-day closures (national mourning, weather, 9/11). */
const SPECIAL_CLOSURES: Readonly<Record<string, string>> = {
  '1994-04-27': 'Nixon funeral',
  '2001-09-11': 'September 11',
  '2001-09-12': 'September 11',
  '2001-09-13': 'September 11',
  '2001-09-14': 'September 11',
  '2004-06-11': 'Reagan funeral',
  '2007-01-02': 'Ford mourning',
  '2012-10-29': 'Hurricane Sandy',
  '2012-10-30': 'Hurricane Sandy',
  '2018-12-05': 'G. H. W. Bush mourning',
  '2025-01-09': 'Carter mourning'
};

/** Early closes that the rules below do not produce. */
const SPECIAL_EARLY: ReadonlySet<string> = new Set(['2002-07-05', '1997-12-26', '1999-12-31', '2003-12-26']);

/** Calendar years the holiday rules are checked against real data (ORCL/NVDA/YHOO 1995–2015). */
export const NYSE_CALENDAR_YEARS = { from: 1995, to: 2030 } as const;

export type SessionPhase = 'pre' | 'regular' | 'post' | 'closed';

export interface NyseDay {
  readonly date: string;
  readonly tradingDay: boolean;
  /** Why the exchange is shut on a weekday. */
  readonly holiday?: string;
  readonly earlyClose: boolean;
}

export interface NyseSessionTimes {
  /** 04:00 New York. */
  readonly preOpen: Nanos;
  /** 09:30 New York. */
  readonly open: Nanos;
  /** 16:00 (13:00 on an early close). */
  readonly close: Nanos;
  /** 20:00 (17:00 on an early close). */
  readonly postClose: Nanos;
}

function iso(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function weekday(y: number, m: number, d: number): number {
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** Gregorian Easter Sunday (anonymous Gregorian algorithm): [month, day]. */
export function easterSunday(y: number): [number, number] {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return [month, day];
}

function addDays(y: number, m: number, d: number, n: number): string {
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Fixed-date holiday observed on Friday when on Saturday, Monday when on Sunday. */
function observed(y: number, m: number, d: number): string {
  const wd = weekday(y, m, d);
  if (wd === 6) return addDays(y, m, d, -1);
  if (wd === 0) return addDays(y, m, d, 1);
  return iso(y, m, d);
}

const holidayCache = new Map<number, ReadonlyMap<string, string>>();

/** The NYSE holidays of `year` (weekday dates only), date → name. */
export function nyseHolidays(year: number): ReadonlyMap<string, string> {
  const hit = holidayCache.get(year);
  if (hit) return hit;
  const h = new Map<string, string>();
  // New Year's Day: Sunday → Monday; on a Saturday it is not observed (NYSE rule 51).
  const ny = weekday(year, 1, 1);
  if (ny !== 6) h.set(ny === 0 ? iso(year, 1, 2) : iso(year, 1, 1), "New Year's Day");
  if (year >= 1998) h.set(iso(year, 1, nthWeekday(year, 1, 1, 3)), 'Martin Luther King Jr. Day');
  h.set(iso(year, 2, nthWeekday(year, 2, 1, 3)), "Washington's Birthday");
  const [em, ed] = easterSunday(year);
  h.set(addDays(year, em, ed, -2), 'Good Friday');
  h.set(iso(year, 5, lastWeekday(year, 5, 1)), 'Memorial Day');
  if (year >= 2022) h.set(observed(year, 6, 19), 'Juneteenth');
  h.set(observed(year, 7, 4), 'Independence Day');
  h.set(iso(year, 9, nthWeekday(year, 9, 1, 1)), 'Labor Day');
  h.set(iso(year, 11, nthWeekday(year, 11, 4, 4)), 'Thanksgiving Day');
  h.set(observed(year, 12, 25), 'Christmas Day');
  for (const [date, name] of Object.entries(SPECIAL_CLOSURES)) {
    if (date.startsWith(`${year}-`)) h.set(date, name);
  }
  holidayCache.set(year, h);
  return h;
}

function isEarlyClose(y: number, m: number, d: number): boolean {
  const date = iso(y, m, d);
  if (SPECIAL_EARLY.has(date)) return true;
  const wd = weekday(y, m, d);
  // Day after Thanksgiving.
  if (m === 11 && d === nthWeekday(y, 11, 4, 4) + 1) return true;
  // Christmas Eve on Monday–Thursday.
  if (m === 12 && d === 24 && wd >= 1 && wd <= 4) return true;
  // The day before Independence Day on Monday–Thursday.
  if (m === 7 && d === 3 && wd >= 1 && wd <= 4) return true;
  return false;
}

/** What the NYSE does on local date `y-m-d`. */
export function nyseDay(y: number, m: number, d: number): NyseDay {
  const date = iso(y, m, d);
  const wd = weekday(y, m, d);
  if (wd === 0 || wd === 6) return { date, tradingDay: false, earlyClose: false };
  const holiday = nyseHolidays(y).get(date);
  if (holiday !== undefined) return { date, tradingDay: false, holiday, earlyClose: false };
  return { date, tradingDay: true, earlyClose: isEarlyClose(y, m, d) };
}

/** Is `YYYY-MM-DD` an NYSE trading day? */
export function isNyseTradingDay(date: string): boolean {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return nyseDay(y, m, d).tradingDay;
}

/**
 * Session boundaries of local date `y-m-d` in UTC nanoseconds (DST-aware, early closes applied).
 * Computed for any weekday; whether it is a trading day is {@link nyseDay}'s business.
 */
export function nyseSessionUtc(y: number, m: number, d: number): NyseSessionTimes {
  if (!Number.isInteger(y) || !Number.isInteger(m) || !Number.isInteger(d)) {
    throw new TradestateError(ErrorCode.DATA_INVALID, `not a date: ${y}-${m}-${d}`, { y, m, d });
  }
  const early = weekday(y, m, d) !== 0 && weekday(y, m, d) !== 6 && isEarlyClose(y, m, d);
  return {
    preOpen: nyWallToNs(y, m, d, 4 * 60),
    open: nyWallToNs(y, m, d, 9 * 60 + 30),
    close: nyWallToNs(y, m, d, early ? 13 * 60 : 16 * 60),
    postClose: nyWallToNs(y, m, d, early ? 17 * 60 : 20 * 60)
  };
}

/**
 * The New York local date (`[y, m, d]`) and minute of day of a UTC instant: standard time until the instant DST
 * starts (01:59 EST is followed by 03:00 EDT), and the repeated autumn hour once in EDT, then once in EST.
 */
export function nyLocal(ts: Nanos): { y: number; m: number; d: number; minute: number } {
  const ms = Number(ts / NS_PER_MS);
  const local = new Date(ms + usEasternOffsetAtUtc(ms) * 60_000);
  return {
    y: local.getUTCFullYear(),
    m: local.getUTCMonth() + 1,
    d: local.getUTCDate(),
    minute: local.getUTCHours() * 60 + local.getUTCMinutes()
  };
}

/** The New York day last asked of {@link nyseRegularSessionAt}: its bounds and its regular session. */
let sessionDay: { from: Nanos; to: Nanos; session: { open: Nanos; close: Nanos } | undefined } | undefined;

/**
 * The NYSE regular session `[open, close)` of the New York day holding instant `ts`, undefined on a weekend or
 * holiday. Remembers the last day asked, so consecutive bars of one day cost two comparisons.
 */
export function nyseRegularSessionAt(ts: Nanos): { open: Nanos; close: Nanos } | undefined {
  const c = sessionDay;
  if (c !== undefined && ts >= c.from && ts < c.to) return c.session;
  const { y, m, d } = nyLocal(ts);
  const next = new Date(Date.UTC(y, m - 1, d + 1));
  const day = {
    from: nyWallToNs(y, m, d, 0),
    to: nyWallToNs(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), 0),
    session: nyseDay(y, m, d).tradingDay ? nyseSessionUtc(y, m, d) : undefined
  };
  sessionDay = day;
  return day.session;
}

/** The session phase of the NYSE at instant `ts` (a holiday or weekend is `closed`). */
export function nysePhase(ts: Nanos): SessionPhase {
  const { y, m, d } = nyLocal(ts);
  if (!nyseDay(y, m, d).tradingDay) return 'closed';
  const s = nyseSessionUtc(y, m, d);
  if (ts < s.preOpen) return 'closed';
  if (ts < s.open) return 'pre';
  if (ts < s.close) return 'regular';
  if (ts < s.postClose) return 'post';
  return 'closed';
}

/** The first regular-session open strictly after `ts` (skips weekends and holidays). */
export function nextNyseOpen(ts: Nanos): Nanos {
  let { y, m, d } = nyLocal(ts);
  for (let i = 0; i < 15; i++) {
    if (nyseDay(y, m, d).tradingDay) {
      const s = nyseSessionUtc(y, m, d);
      if (s.open > ts) return s.open;
    }
    const next = new Date(Date.UTC(y, m - 1, d) + Number(NS_PER_DAY / NS_PER_MS));
    y = next.getUTCFullYear();
    m = next.getUTCMonth() + 1;
    d = next.getUTCDate();
  }
  throw new TradestateError(ErrorCode.DATA_INVALID, 'no NYSE open within 15 days', { ts: ts.toString() });
}

/**
 * The regular close a DAY order placed at `ts` expires at: that day's close (16:00 New York, 13:00 on an
 * early close) when `ts` is before it on a trading day, else the close of the next trading day (an order
 * sent after the close, on a weekend or a holiday waits for the next session).
 */
export function nyseDayOrderClose(ts: Nanos): Nanos {
  const { y, m, d } = nyLocal(ts);
  if (nyseDay(y, m, d).tradingDay) {
    const close = nyseSessionUtc(y, m, d).close;
    if (ts < close) return close;
  }
  const next = nyLocal(nextNyseOpen(ts));
  return nyseSessionUtc(next.y, next.m, next.d).close;
}

/** All NYSE trading days from `from` to `to` inclusive (`YYYY-MM-DD`). */
export function nyseTradingDays(from: string, to: string): string[] {
  const out: string[] = [];
  let t = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  for (; t <= end; t += 86_400_000) {
    const dt = new Date(t);
    const day = nyseDay(dt.getUTCFullYear(), dt.getUTCMonth() + 1, dt.getUTCDate());
    if (day.tradingDay) out.push(day.date);
  }
  return out;
}

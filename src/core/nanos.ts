import { ErrorCode, TradestateError } from './errors.ts';

/**
 * Timestamps are exact integer nanoseconds since the Unix epoch, held as `bigint`
 * (a Number cannot hold epoch nanoseconds: 2^53 ns is only ~104 days).
 * On the wire (JSON) they are decimal strings.
 */
export type Nanos = bigint;

export const NS_PER_US = 1_000n;
export const NS_PER_MS = 1_000_000n;
export const NS_PER_SEC = 1_000_000_000n;
export const NS_PER_MIN = 60n * NS_PER_SEC;
export const NS_PER_HOUR = 60n * NS_PER_MIN;
export const NS_PER_DAY = 24n * NS_PER_HOUR;

/** Epoch milliseconds (an integer Number) to nanoseconds. */
export function nsFromMs(ms: number): Nanos {
  if (!Number.isSafeInteger(ms)) {
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `milliseconds must be a safe integer, got ${ms}`, {
      ms
    });
  }
  return BigInt(ms) * NS_PER_MS;
}

/** Nanoseconds to epoch milliseconds, truncated toward negative infinity. */
export function msFromNs(ns: Nanos): number {
  const q = ns / NS_PER_MS;
  return Number(ns < 0n && q * NS_PER_MS !== ns ? q - 1n : q);
}

/** The latest time a Date can hold (8.64e15 ms after the epoch, +275760-09-13), in nanoseconds. */
export const MAX_DATE_NS: Nanos = 8_640_000_000_000_000n * NS_PER_MS;
/** The earliest time a Date can hold (8.64e15 ms before the epoch, -271821-04-20), in nanoseconds. */
export const MIN_DATE_NS: Nanos = -MAX_DATE_NS;

/** Whether `ns` is within the range of a Date ({@link MIN_DATE_NS}..{@link MAX_DATE_NS}), so it can be shown. */
export function inDateRange(ns: Nanos): boolean {
  return ns >= MIN_DATE_NS && ns <= MAX_DATE_NS;
}

/**
 * ISO-8601 UTC with nanosecond precision, e.g. `2024-01-02T14:30:00.000000001Z`.
 *
 * @throws TradestateError `TRD_ERR_NUMBER_INVALID` when `ns` is beyond the range of a Date ({@link inDateRange}).
 */
export function isoFromNs(ns: Nanos): string {
  if (!inDateRange(ns)) {
    throw new TradestateError(
      ErrorCode.NUMBER_INVALID,
      `${ns} ns is beyond the range of a date (±8.64e21 ns)`,
      { ns: ns.toString() }
    );
  }
  const ms = msFromNs(ns);
  const frac = ns - BigInt(ms) * NS_PER_MS; // 0..999_999 sub-millisecond nanoseconds
  const base = new Date(ms).toISOString(); // ...ss.mmmZ
  const sub = frac.toString().padStart(6, '0');
  return `${base.slice(0, -1)}${sub}Z`;
}

/** {@link isoFromNs} without the sub-second digits that are zero: `2024-01-02T14:56:00Z`, `…:00.25Z`. */
export function isoFromNsTrimmed(ns: Nanos): string {
  return isoFromNs(ns).replace(/\.?0*Z$/, 'Z');
}

const ISO_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parse an ISO-8601 timestamp (up to nanosecond fraction, `Z` or an offset; no zone means UTC)
 * into exact nanoseconds.
 *
 * Hot (every timestamp of every Alpaca / Coinbase stream message, every imported bar): the fields are read in
 * place with `charCodeAt` (no slices, no `Date.parse` of a rebuilt string).
 *
 * @throws TradestateError `TRD_ERR_NUMBER_INVALID` when `iso` is not such a timestamp, or names a date, time or
 *   offset that does not exist (`2024-02-31`, `25:00`, `12:60`, `+24:00`: never rolled over into the next day
 *   or hour).
 */
export function nsFromIso(iso: string): Nanos {
  const m = ISO_RE.exec(iso);
  if (!m) throw new TradestateError(ErrorCode.NUMBER_INVALID, `not an ISO-8601 timestamp: ${iso}`, { iso });
  const head = m[1]!; // YYYY-MM-DDTHH:MM:SS
  const frac = m[2];
  const zone = m[3];
  const year = twoDigits(head, 0) * 100 + twoDigits(head, 2);
  const month = twoDigits(head, 5);
  const day = twoDigits(head, 8);
  const hour = twoDigits(head, 11);
  const minute = twoDigits(head, 14);
  const second = twoDigits(head, 17);
  // refused, never rolled over (02-31 is not 03-02, 24:00 not the next day)
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  let valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!) &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59;
  let offsetMin = 0;
  if (zone !== undefined && zone !== 'Z') {
    // ±HH:MM or ±HHMM
    const oh = twoDigits(zone, 1);
    const om = twoDigits(zone, zone.length - 2);
    valid &&= oh <= 23 && om <= 59;
    offsetMin = (zone.charCodeAt(0) === 45 ? -1 : 1) * (oh * 60 + om);
  }
  if (!valid) throw new TradestateError(ErrorCode.NUMBER_INVALID, `not a valid date: ${iso}`, { iso });
  // Date.UTC takes years 0-99 as 1900-1999: count those from 400 years later (a whole Gregorian cycle)
  const ms =
    year < 100
      ? Date.UTC(year + 400, month - 1, day, hour, minute, second) - GREGORIAN_CYCLE_MS
      : Date.UTC(year, month - 1, day, hour, minute, second);
  let sub = 0; // the fraction in nanoseconds: its digits, then zeros up to 9
  for (let i = 0; i < 9; i++)
    sub = sub * 10 + (frac !== undefined && i < frac.length ? frac.charCodeAt(i) - 48 : 0);
  return BigInt(ms - offsetMin * 60_000) * NS_PER_MS + BigInt(sub);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;
/** 400 Gregorian years (146 097 days) in milliseconds. */
const GREGORIAN_CYCLE_MS = 146_097 * 86_400_000;

/** The two ASCII digits of `s` at `at` (the caller's pattern guarantees they are digits) as a number. */
function twoDigits(s: string, at: number): number {
  return (s.charCodeAt(at) - 48) * 10 + s.charCodeAt(at + 1) - 48;
}

/** Parse a decimal string of nanoseconds. */
export function nsFromString(s: string): Nanos {
  if (!/^-?\d+$/.test(s))
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `not integer nanoseconds: ${s}`, { s });
  return BigInt(s);
}

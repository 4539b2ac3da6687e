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

/** ISO-8601 UTC with nanosecond precision, e.g. `2024-01-02T14:30:00.000000001Z`. */
export function isoFromNs(ns: Nanos): string {
  const ms = msFromNs(ns);
  const frac = ns - BigInt(ms) * NS_PER_MS; // 0..999_999 sub-millisecond nanoseconds
  const base = new Date(ms).toISOString(); // ...ss.mmmZ
  const sub = frac.toString().padStart(6, '0');
  return `${base.slice(0, -1)}${sub}Z`;
}

const ISO_RE = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Parse an ISO-8601 timestamp (up to nanosecond fraction, `Z` or an offset; no zone means UTC)
 * into exact nanoseconds.
 *
 * @throws TradestateError `TRD_ERR_NUMBER_INVALID` when `iso` is not such a timestamp, or names a date or time
 *   that does not exist (`2024-02-31`, `25:00`, `12:60`: never rolled over into the next day or hour).
 */
export function nsFromIso(iso: string): Nanos {
  const m = ISO_RE.exec(iso);
  if (!m) throw new TradestateError(ErrorCode.NUMBER_INVALID, `not an ISO-8601 timestamp: ${iso}`, { iso });
  const [, head = '', frac = '', zone = 'Z'] = m;
  // Date.parse rolls fields over (02-31 → 03-02, 24:00 → the next day): refuse what does not exist first
  if (!fieldsExist(head))
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `not a valid date: ${iso}`, { iso });
  const ms = Date.parse(
    `${head}${zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`
  );
  if (Number.isNaN(ms))
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `not a valid date: ${iso}`, { iso });
  return BigInt(ms) * NS_PER_MS + BigInt(frac.padEnd(9, '0') || '0');
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31] as const;

/** True when `YYYY-MM-DDTHH:MM:SS` names a day of the calendar and a time of that day (no leap second). */
function fieldsExist(head: string): boolean {
  const n = (from: number): number => Number(head.slice(from, from + 2));
  const year = Number(head.slice(0, 4));
  const month = n(5);
  const day = n(8);
  if (month < 1 || month > 12 || day < 1 || n(11) > 23 || n(14) > 59 || n(17) > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!);
}

/** Parse a decimal string of nanoseconds. */
export function nsFromString(s: string): Nanos {
  if (!/^-?\d+$/.test(s))
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `not integer nanoseconds: ${s}`, { s });
  return BigInt(s);
}

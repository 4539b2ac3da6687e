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
 */
export function nsFromIso(iso: string): Nanos {
  const m = ISO_RE.exec(iso);
  if (!m) throw new TradestateError(ErrorCode.NUMBER_INVALID, `not an ISO-8601 timestamp: ${iso}`, { iso });
  const [, head, frac = '', zone = 'Z'] = m;
  const ms = Date.parse(
    `${head}${zone === 'Z' ? 'Z' : zone.length === 5 ? `${zone.slice(0, 3)}:${zone.slice(3)}` : zone}`
  );
  if (Number.isNaN(ms))
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `not a valid date: ${iso}`, { iso });
  return BigInt(ms) * NS_PER_MS + BigInt(frac.padEnd(9, '0') || '0');
}

/** Parse a decimal string of nanoseconds. */
export function nsFromString(s: string): Nanos {
  if (!/^-?\d+$/.test(s))
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `not integer nanoseconds: ${s}`, { s });
  return BigInt(s);
}

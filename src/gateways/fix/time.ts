import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { type Nanos, NS_PER_MS } from '../../core/nanos.ts';

/** Civil date from days since 1970-01-01 (Howard Hinnant's algorithm); no Date allocation. */
function civil(days: number): [number, number, number] {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

function daysFromCivil(y0: number, m: number, d: number): number {
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DAY_MS = 86_400_000;

/**
 * Write `YYYYMMDD-HH:MM:SS.sss` (21 bytes, a FIX UTCTimestamp with milliseconds) for epoch
 * milliseconds `ms` into `buf` at `pos`; returns the new position.
 */
export function writeUtcTimestampMs(buf: Uint8Array, pos: number, ms: number): number {
  const days = Math.floor(ms / DAY_MS);
  let rem = ms - days * DAY_MS;
  const [y, mo, d] = civil(days);
  const h = Math.floor(rem / 3_600_000);
  rem -= h * 3_600_000;
  const mi = Math.floor(rem / 60_000);
  rem -= mi * 60_000;
  const s = Math.floor(rem / 1000);
  const milli = rem - s * 1000;
  let p = pos;
  buf[p++] = 48 + Math.floor(y / 1000);
  buf[p++] = 48 + (Math.floor(y / 100) % 10);
  buf[p++] = 48 + (Math.floor(y / 10) % 10);
  buf[p++] = 48 + (y % 10);
  buf[p++] = 48 + Math.floor(mo / 10);
  buf[p++] = 48 + (mo % 10);
  buf[p++] = 48 + Math.floor(d / 10);
  buf[p++] = 48 + (d % 10);
  buf[p++] = 45;
  buf[p++] = 48 + Math.floor(h / 10);
  buf[p++] = 48 + (h % 10);
  buf[p++] = 58;
  buf[p++] = 48 + Math.floor(mi / 10);
  buf[p++] = 48 + (mi % 10);
  buf[p++] = 58;
  buf[p++] = 48 + Math.floor(s / 10);
  buf[p++] = 48 + (s % 10);
  buf[p++] = 46;
  buf[p++] = 48 + Math.floor(milli / 100);
  buf[p++] = 48 + (Math.floor(milli / 10) % 10);
  buf[p++] = 48 + (milli % 10);
  return p;
}

/** Epoch nanoseconds → `YYYYMMDD-HH:MM:SS.sss` (truncated to the millisecond). */
export function formatUtcTimestamp(ns: Nanos): string {
  const b = new Uint8Array(21);
  writeUtcTimestampMs(b, 0, msFloor(ns));
  return String.fromCharCode(...b);
}

function msFloor(ns: Nanos): number {
  const q = ns / NS_PER_MS;
  return Number(ns < 0n && q * NS_PER_MS !== ns ? q - 1n : q);
}

const TS_RE = /^(\d{4})(\d{2})(\d{2})-(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;

/**
 * FIX UTCTimestamp (`YYYYMMDD-HH:MM:SS` with optional 1–9 fraction digits) → epoch nanoseconds.
 * Throws `TRD_ERR_FIX_VALIDATION` for anything else (including 25:00:00 or 2024-02-30).
 */
export function parseUtcTimestamp(s: string): Nanos {
  const m = TS_RE.exec(s);
  if (!m) throw badTs(s);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  const h = Number(m[4]);
  const mi = Number(m[5]);
  const sec = Number(m[6]);
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || sec > 60) throw badTs(s);
  const days = daysFromCivil(y, mo, d);
  const ms = days * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000;
  return BigInt(ms) * NS_PER_MS + BigInt((m[7] ?? '').padEnd(9, '0') || '0');
}

/** True when `s` is a well-formed UTCTimestamp. */
export function isUtcTimestamp(s: string): boolean {
  try {
    parseUtcTimestamp(s);
    return true;
  } catch {
    return false;
  }
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

function badTs(s: string): TradestateError {
  return new TradestateError(ErrorCode.FIX_VALIDATION, `not a FIX UTCTimestamp: ${s}`, {
    value: s,
    sessionRejectReason: 6
  });
}

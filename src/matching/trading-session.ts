import { ErrorCode, TradestateError } from '../core/errors.ts';

/** Nanoseconds in a day. Engine times are integer nanoseconds within the trading day, `[0, NS_PER_DAY)`. */
export const NS_PER_DAY_NUM = 86_400_000_000_000;

/**
 * A daily trading session in venue-local nanoseconds within the day: open at `openNs` (inclusive), close at
 * `closeNs` (exclusive). `closeNs < openNs` means the session spans midnight.
 * `outside` says what happens to orders received outside it: `reject` (TRD_ERR_MARKET_CLOSED) or `hold`
 * (queued, released in arrival order when the session opens).
 */
export interface TradingSession {
  readonly openNs: number;
  readonly closeNs: number;
  readonly outside: 'reject' | 'hold';
}

/** Nanoseconds within the day of `hh:mm[:ss]`, e.g. `sessionTime('09:30')`. */
export function sessionTime(hhmm: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(hhmm);
  if (!m) throw new TradestateError(ErrorCode.CONFIG_INVALID, `not a time of day: ${hhmm}`, { value: hhmm });
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = Number(m[3] ?? '0');
  if (h > 24 || min > 59 || s > 59)
    throw new TradestateError(ErrorCode.CONFIG_INVALID, `not a time of day: ${hhmm}`);
  return ((h * 60 + min) * 60 + s) * 1e9;
}

/** True when `tNs` (nanoseconds within the day) is inside the session. */
export function inSession(s: TradingSession, tNs: number): boolean {
  return s.openNs <= s.closeNs ? tNs >= s.openNs && tNs < s.closeNs : tNs >= s.openNs || tNs < s.closeNs;
}

/** Validate a session (times within the day, open ≠ close). */
export function checkSession(s: TradingSession): TradingSession {
  for (const t of [s.openNs, s.closeNs]) {
    if (!Number.isSafeInteger(t) || t < 0 || t > NS_PER_DAY_NUM) {
      throw new TradestateError(ErrorCode.CONFIG_INVALID, `session time out of range: ${t}`, { t });
    }
  }
  if (s.openNs === s.closeNs)
    throw new TradestateError(ErrorCode.CONFIG_INVALID, 'session open equals close');
  return s;
}

import { ErrorCode, TradestateError } from '../core/errors.ts';
import {
  inDateRange,
  type Nanos,
  NS_PER_DAY,
  NS_PER_HOUR,
  NS_PER_MIN,
  NS_PER_SEC,
  nsFromIso
} from '../core/nanos.ts';

/** A bar interval: `1m`, `5m`, `15m`, `1h`, `4h`, `1d`, `1w`… */
export interface Timeframe {
  readonly label: string;
  /** Nominal width in ns (a `1d` NYSE bar is a session, not 24 h; see the resampler). */
  readonly ns: Nanos;
  readonly unit: 's' | 'm' | 'h' | 'd' | 'w';
  readonly n: number;
  /** Intraday timeframes are stored one Parquet file per symbol per month, daily and coarser per year. */
  readonly intraday: boolean;
}

const UNIT_NS = { s: NS_PER_SEC, m: NS_PER_MIN, h: NS_PER_HOUR, d: NS_PER_DAY, w: 7n * NS_PER_DAY } as const;

/** Parse `5m`, `1h`, `1d` (also Alpaca's `5Min`, `1Hour`, `1Day`). */
export function parseTimeframe(s: string): Timeframe {
  const m = /^(\d{1,4})\s*(s|m|min|h|hour|d|day|w|week)$/i.exec(s.trim());
  if (!m) {
    throw new TradestateError(ErrorCode.DATA_INVALID, `not a timeframe: "${s}" (e.g. 1m, 5m, 1h, 1d)`, {
      timeframe: s
    });
  }
  const n = Number(m[1]);
  const u = m[2]!.toLowerCase();
  const unit = (
    u === 'min' ? 'm' : u === 'hour' ? 'h' : u === 'day' ? 'd' : u === 'week' ? 'w' : u
  ) as Timeframe['unit'];
  if (n <= 0)
    throw new TradestateError(ErrorCode.DATA_INVALID, `timeframe must be positive: ${s}`, { timeframe: s });
  const ns = UNIT_NS[unit] * BigInt(n);
  return { label: `${n}${unit}`, ns, unit, n, intraday: ns < NS_PER_DAY };
}

/** Alpaca's spelling of a timeframe (`1Min`, `1Hour`, `1Day`, `1Week`). */
export function alpacaTimeframe(tf: Timeframe): string {
  const u = { s: 'Sec', m: 'Min', h: 'Hour', d: 'Day', w: 'Week' }[tf.unit];
  return `${tf.n}${u}`;
}

/**
 * `YYYY-MM-DD` (UTC midnight; as an end, the whole day is included), an ISO timestamp, or integer ns within the
 * range of a date (±8.64e21, so it can be shown); anything else is `TRD_ERR_CLI_USAGE`.
 */
export function parseTimeArg(s: string, as: 'start' | 'end'): Nanos {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const t = nsFromIso(`${s}T00:00:00Z`);
    return as === 'end' ? t + NS_PER_DAY : t;
  }
  if (/^-?\d+$/.test(s)) {
    const ns = BigInt(s);
    if (inDateRange(ns)) return ns;
    throw new TradestateError(ErrorCode.CLI_USAGE, `${s} ns is beyond the range of a date (±8.64e21 ns)`, {
      value: s
    });
  }
  try {
    return nsFromIso(s);
  } catch (e) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `not a date or timestamp: ${s}`,
      { value: s },
      { cause: e }
    );
  }
}

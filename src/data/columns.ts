import type { Nanos } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';

/** Bar flags, stored in the `flags` column: set by cleaning, never silently dropping data. */
export const BarFlag = {
  /** Synthesised by a forward-fill policy (no trade in the interval). */
  FILLED: 1,
  /** Return from the previous bar is a robust-z-score outlier. */
  OUTLIER: 2,
  /** A gap (missing intervals) precedes this bar. */
  GAP_BEFORE: 4,
  /** Outside the regular session (pre-market or after hours). */
  EXTENDED_HOURS: 8,
  /** Prices scaled for splits/dividends. */
  ADJUSTED: 16
} as const;

/**
 * Bars of one instrument as columns: typed arrays instead of one object per bar, so a year of
 * 1-minute bars for ten symbols is ~60 MB of flat memory and loads with bulk copies.
 * Prices are integer ticks and volume integer lots, held exactly in Float64 (safe integers).
 */
export interface BarColumns {
  readonly length: number;
  readonly tsOpen: BigInt64Array;
  readonly tsEvent: BigInt64Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly flags: Uint8Array;
}

/** Empty columns of length `n`. */
export function allocBarColumns(n: number): BarColumns {
  return {
    length: n,
    tsOpen: new BigInt64Array(n),
    tsEvent: new BigInt64Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
    flags: new Uint8Array(n)
  };
}

/** Columns from bar objects (all of one instrument). */
export function barsToColumns(bars: readonly Bar[], flags?: ArrayLike<number>): BarColumns {
  const c = allocBarColumns(bars.length);
  for (let i = 0; i < bars.length; i++) {
    const b = bars[i]!;
    c.tsOpen[i] = b.tsOpen;
    c.tsEvent[i] = b.tsEvent;
    c.open[i] = b.open;
    c.high[i] = b.high;
    c.low[i] = b.low;
    c.close[i] = b.close;
    c.volume[i] = b.volume;
    c.flags[i] = flags?.[i] ?? 0;
  }
  return c;
}

/** One bar object from columns. */
export function barAt(c: BarColumns, i: number, instrumentId: string): Bar {
  const tsEvent = c.tsEvent[i]!;
  return {
    type: 'market.bar',
    instrumentId,
    tsOpen: c.tsOpen[i]!,
    tsEvent,
    tsInit: tsEvent,
    open: c.open[i]!,
    high: c.high[i]!,
    low: c.low[i]!,
    close: c.close[i]!,
    volume: c.volume[i]!
  };
}

/** The sub-range [from, to) as a view (no copy). */
export function sliceColumns(c: BarColumns, from: number, to: number): BarColumns {
  return {
    length: Math.max(0, to - from),
    tsOpen: c.tsOpen.subarray(from, to),
    tsEvent: c.tsEvent.subarray(from, to),
    open: c.open.subarray(from, to),
    high: c.high.subarray(from, to),
    low: c.low.subarray(from, to),
    close: c.close.subarray(from, to),
    volume: c.volume.subarray(from, to),
    flags: c.flags.subarray(from, to)
  };
}

/** Concatenate columns (copy). */
export function concatColumns(parts: readonly BarColumns[]): BarColumns {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = allocBarColumns(n);
  let o = 0;
  for (const p of parts) {
    out.tsOpen.set(p.tsOpen, o);
    out.tsEvent.set(p.tsEvent, o);
    out.open.set(p.open, o);
    out.high.set(p.high, o);
    out.low.set(p.low, o);
    out.close.set(p.close, o);
    out.volume.set(p.volume, o);
    out.flags.set(p.flags, o);
    o += p.length;
  }
  return out;
}

/** First index with `tsEvent > t` (binary search; columns sorted by tsEvent). */
export function upperBound(ts: BigInt64Array, t: Nanos): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with `tsEvent >= t`. */
export function lowerBound(ts: BigInt64Array, t: Nanos): number {
  let lo = 0;
  let hi = ts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Approximate bytes held by columns (for cache bounds). */
export function columnsBytes(c: BarColumns): number {
  // two BigInt64 timestamps, five Float64 values, one flag byte
  return c.length * (2 * 8 + 5 * 8 + 1);
}

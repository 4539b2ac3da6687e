import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';
import { allocBarColumns, type BarColumns, BarFlag } from './columns.ts';
import { nyLocal, nyseDay, nyseSessionUtc } from './nyse-calendar.ts';
import { bucketStart } from './resample.ts';
import type { Timeframe } from './timeframe.ts';

// ------------------------------------------------------------------ gaps

/**
 * What to do with intervals that have no bar:
 * - `none`: keep the data as is and flag the bar after each gap `GAP_BEFORE` (the default);
 * - `forward-fill`: insert flat bars (O = H = L = C = previous close, volume 0) flagged `FILLED`;
 * - `skip`: keep the data as is without flags — at replay the missing steps are simply not emitted
 *   (see the replay aligner, where the three policies decide what a multi-asset step contains).
 */
export type FillPolicy = 'none' | 'forward-fill' | 'skip';

export interface GapReport {
  /** Number of gaps (runs of missing intervals). */
  readonly gaps: number;
  /** Missing intervals in total. */
  readonly missing: number;
  /** The longest gap, in intervals. */
  readonly longest: number;
}

/**
 * Find and treat gaps in a series of one timeframe. Expected intervals follow the calendar: `24x7`
 * expects every interval; `nyse` only intervals inside the regular session of trading days (overnight,
 * weekends and holidays are not gaps). Returns new columns and a report.
 * Gaps are counted on the resampler's grid ({@link expectedOpensBetween}); `forward-fill` puts each inserted bar on
 * the data's own spacing (the previous bar's offset from that grid: 10:30 between session-aligned 60m bars opening
 * at 09:30 and 11:30), so it never overlaps a real bar.
 */
export function fillGaps(
  c: BarColumns,
  tf: Timeframe,
  policy: FillPolicy,
  calendar: 'nyse' | '24x7' = '24x7'
): { cols: BarColumns; report: GapReport } {
  let gaps = 0;
  let missing = 0;
  let longest = 0;
  let filled = 0;
  const inserts: { at: number; opens: Nanos[] }[] = [];
  const flags = new Uint8Array(c.flags);
  for (let i = 1; i < c.length; i++) {
    const a = c.tsOpen[i - 1]!;
    const b = c.tsOpen[i]!;
    const opens = expectedOpensBetween(a, b, tf, calendar);
    const n = opens.length;
    if (n > 0) {
      gaps++;
      missing += n;
      if (n > longest) longest = n;
      if (policy === 'none') flags[i] = flags[i]! | BarFlag.GAP_BEFORE;
      if (policy === 'forward-fill') {
        // the gap is found on the resampler's grid, the bar put on the data's own: each expected bucket is
        // shifted by the previous bar's offset from the grid (session-aligned 60m bars open at 09:30, 10:30 …,
        // so the one missing in [10:00, 11:00) opens at 10:30); one that would overlap a real bar is left out
        const shift = calendar === 'nyse' ? a - bucketStart(a, tf.ns) : 0n;
        const fit: Nanos[] = [];
        for (const t of opens) {
          const at = t + shift;
          if (at >= c.tsEvent[i - 1]! && at + tf.ns <= b) fit.push(at);
        }
        if (fit.length > 0) {
          inserts.push({ at: i, opens: fit });
          filled += fit.length;
        }
      }
    }
  }
  const report = { gaps, missing, longest };
  if (policy !== 'forward-fill' || inserts.length === 0) {
    return { cols: { ...c, flags }, report };
  }
  const out = allocBarColumns(c.length + filled);
  let o = 0;
  let k = 0;
  for (let i = 0; i < c.length; i++) {
    const ins = inserts[k];
    if (ins && ins.at === i) {
      const prevClose = c.close[i - 1]!;
      for (const t of ins.opens) {
        out.tsOpen[o] = t;
        out.tsEvent[o] = t + tf.ns;
        out.open[o] = out.high[o] = out.low[o] = out.close[o] = prevClose;
        out.volume[o] = 0;
        out.flags[o] = BarFlag.FILLED;
        o++;
      }
      k++;
    }
    out.tsOpen[o] = c.tsOpen[i]!;
    out.tsEvent[o] = c.tsEvent[i]!;
    out.open[o] = c.open[i]!;
    out.high[o] = c.high[i]!;
    out.low[o] = c.low[i]!;
    out.close[o] = c.close[i]!;
    out.volume[o] = c.volume[i]!;
    out.flags[o] = flags[i]!;
    o++;
  }
  return { cols: out, report };
}

/**
 * Bar opens the calendar expects strictly between two bar opens `a` < `b`: every interval for `24x7`;
 * for `nyse`, the buckets of {@link bucketStart}'s grid (the resampler's: aligned on the UTC epoch, so 1h bars open
 * on the hour) that overlap a regular session of a trading day, so nights, weekends and holidays are not gaps. A
 * bar stands for the bucket its open falls in (bars aligned on the session, 09:30, 10:30…, leave no gap either).
 * Daily and coarser series report no intraday gaps.
 */
export function expectedOpensBetween(a: Nanos, b: Nanos, tf: Timeframe, calendar: 'nyse' | '24x7'): Nanos[] {
  const out: Nanos[] = [];
  if (!tf.intraday || b - a <= tf.ns) return out;
  if (calendar === '24x7') {
    for (let t = a + tf.ns; t < b; t += tf.ns) out.push(t);
    return out;
  }
  const w = tf.ns;
  let last = bucketStart(a, w); // a's bucket, then each one found: out stays strictly increasing
  const upto = bucketStart(b, w); // b's bucket
  let day = nyLocal(a);
  for (let guard = 0; guard < 100_000; guard++) {
    if (nyseDay(day.y, day.m, day.d).tradingDay) {
      const s = nyseSessionUtc(day.y, day.m, day.d);
      const first = bucketStart(s.open, w);
      if (first >= upto) break;
      for (let t = first; t < s.close && t < upto; t += w) {
        if (t > last) {
          out.push(t);
          last = t;
        }
      }
    }
    const next = new Date(Date.UTC(day.y, day.m - 1, day.d + 1));
    day = { y: next.getUTCFullYear(), m: next.getUTCMonth() + 1, d: next.getUTCDate(), minute: 0 };
  }
  return out;
}

// ------------------------------------------------------------------ outliers

export interface OutlierOptions {
  /** Robust z-score threshold (default 8: |r − median| / (1.4826·MAD) > 8). */
  readonly threshold?: number;
  /** Rolling window of returns the median and MAD come from (default 0 = the whole series). */
  readonly window?: number;
}

/**
 * Flag (never drop) bars whose close-to-close log return is an outlier by a robust z-score:
 * z = (r − median(r)) / (1.4826 · MAD(r)). Median and MAD are insensitive to the outliers themselves,
 * unlike mean and standard deviation, which a single bad tick inflates. Returns the flagged indices.
 */
export function flagOutliers(c: BarColumns, opts: OutlierOptions = {}): number[] {
  const threshold = opts.threshold ?? 8;
  const n = c.length;
  if (n < 3) return [];
  const r = new Float64Array(n - 1);
  for (let i = 1; i < n; i++) r[i - 1] = Math.log(c.close[i]! / c.close[i - 1]!);
  const out: number[] = [];
  const w = opts.window ?? 0;
  const stats = (from: number, to: number) => {
    const s = Float64Array.from(r.subarray(from, to)).sort();
    const med = median(s);
    const dev = s.map((x) => Math.abs(x - med)).sort();
    return { med, mad: median(dev) };
  };
  const global = w > 0 ? undefined : stats(0, r.length);
  for (let i = 0; i < r.length; i++) {
    const { med, mad } = global ?? stats(Math.max(0, i - w), Math.min(r.length, i + w + 1));
    const scale = 1.4826 * mad;
    if (scale === 0) {
      if (r[i] !== med && Math.abs(r[i]! - med) > 0.5) out.push(i + 1); // constant series: only gross jumps
      continue;
    }
    if (Math.abs(r[i]! - med) / scale > threshold) out.push(i + 1);
  }
  for (const i of out) c.flags[i] = c.flags[i]! | BarFlag.OUTLIER;
  return out;
}

function median(sorted: Float64Array): number {
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 ? sorted[(n - 1) >> 1]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}

// ------------------------------------------------------------------ corporate actions

/** A corporate action effective at `exDate` (first day trading ex): prices before it are multiplied by `factor`. */
export interface PriceAdjustment {
  readonly exDate: Nanos;
  /** e.g. 0.5 for a 2-for-1 split, (1 − dividend/close) for a cash dividend. */
  readonly factor: number;
  /** Volume before exDate is divided by the factor for splits (true) but not for dividends (false). */
  readonly adjustVolume: boolean;
}

/**
 * Back-adjust OHLC (and volume for splits) for bars opening before each action's ex-date; prices are
 * rounded to the nearest tick. Bars touched are flagged ADJUSTED.
 */
export function applyAdjustments(c: BarColumns, actions: readonly PriceAdjustment[]): void {
  for (let i = 0; i < c.length; i++) {
    let f = 1;
    let vf = 1;
    for (const a of actions) {
      if (c.tsOpen[i]! < a.exDate) {
        f *= a.factor;
        if (a.adjustVolume) vf *= a.factor;
      }
    }
    if (f === 1 && vf === 1) continue;
    c.open[i] = Math.round(c.open[i]! * f);
    c.high[i] = Math.round(c.high[i]! * f);
    c.low[i] = Math.round(c.low[i]! * f);
    c.close[i] = Math.round(c.close[i]! * f);
    c.volume[i] = Math.round(c.volume[i]! / vf);
    c.flags[i] = c.flags[i]! | BarFlag.ADJUSTED;
  }
}

// ------------------------------------------------------------------ symbol mapping

/** One row of the ticker-change table: `from` traded as `to` from `effective` (a UTC date) on. */
export interface SymbolChange {
  readonly from: string;
  readonly to: string;
  /** `YYYY-MM-DD`, the first day under the new ticker. */
  readonly effective: string;
}

/** Ticker changes tradestate knows of (extend by passing your own table). */
export const SYMBOL_CHANGES: readonly SymbolChange[] = [
  { from: 'FB', to: 'META', effective: '2022-06-09' },
  { from: 'GOOG', to: 'GOOGL', effective: '2014-04-03' }, // class A kept the old series as GOOGL
  { from: 'YHOO', to: 'AABA', effective: '2017-06-19' },
  { from: 'SNE', to: 'SONY', effective: '2021-04-01' },
  { from: 'TWTR', to: 'X', effective: '2023-07-24' }
];

/**
 * Resolves tickers across renames with effective dates. `canonical(sym)` follows the chain to the
 * latest name (FB → META); `tickerOn(canonical, date)` gives the name it traded under on a date
 * (META on 2020-01-02 → FB), so data stored under the canonical symbol can be fetched from a source
 * that only knows the ticker of the day, and vice versa.
 */
export class SymbolMap {
  readonly #changes: readonly SymbolChange[];

  constructor(changes: readonly SymbolChange[] = SYMBOL_CHANGES) {
    const seen = new Set<string>();
    for (const c of changes) {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(c.effective)) {
        throw new TradestateError(
          ErrorCode.DATA_INVALID,
          `symbol change ${c.from}→${c.to}: bad date ${c.effective}`,
          {
            ...c
          }
        );
      }
      if (seen.has(c.from)) {
        throw new TradestateError(ErrorCode.DATA_INVALID, `symbol ${c.from} renamed twice`, { ...c });
      }
      seen.add(c.from);
    }
    this.#changes = [...changes].sort((a, b) => (a.effective < b.effective ? -1 : 1));
  }

  /** The latest name of `symbol` (follows chains, A → B → C). */
  canonical(symbol: string): string {
    let s = symbol;
    for (let guard = 0; guard < 32; guard++) {
      const next = this.#changes.find((c) => c.from === s);
      if (!next) return s;
      s = next.to;
    }
    throw new TradestateError(ErrorCode.DATA_INVALID, `symbol change cycle at ${symbol}`, { symbol });
  }

  /**
   * Every ticker the instrument now called `canonical` traded under, oldest first, each with the dates it was
   * valid: `from` inclusive, `until` exclusive (`YYYY-MM-DD`; absent = open-ended).
   */
  periods(canonical: string): { ticker: string; from?: string; until?: string }[] {
    const out: { ticker: string; from?: string; until?: string }[] = [];
    let s = canonical;
    let from: string | undefined;
    for (let guard = 0; guard < 32; guard++) {
      const prev = this.#changes.find((c) => c.to === s);
      out.unshift({ ticker: s, ...(prev ? { from: prev.effective } : {}), ...(from ? { until: from } : {}) });
      if (!prev) return out;
      from = prev.effective;
      s = prev.from;
    }
    throw new TradestateError(ErrorCode.DATA_INVALID, `symbol change cycle at ${canonical}`, { canonical });
  }

  /** The ticker that the instrument now called `canonical` traded under on `date` (`YYYY-MM-DD`). */
  tickerOn(canonical: string, date: string): string {
    let s = canonical;
    // walk back through renames into `s` that took effect after `date`
    for (let guard = 0; guard < 32; guard++) {
      const prev = this.#changes.find((c) => c.to === s && c.effective > date);
      if (!prev) return s;
      s = prev.from;
    }
    throw new TradestateError(ErrorCode.DATA_INVALID, `symbol change cycle at ${canonical}`, { canonical });
  }
}

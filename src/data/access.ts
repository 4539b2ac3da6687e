import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Nanos, NS_PER_DAY, NS_PER_HOUR, NS_PER_MIN, nsFromIso } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';
import type { BarSource } from './bar-source.ts';
import type { SymbolMap } from './clean.ts';
import { type BarColumns, BarFlag, barAt } from './columns.ts';
import { mergeBarSources } from './merge.ts';
import { BarResampler, type ResampleOptions } from './resample.ts';
import { clipColumns, type ParquetStore } from './store.ts';
import { parseTimeframe, type Timeframe } from './timeframe.ts';

export interface GetBarsOptions {
  /** Bars per batch (default 4096). */
  readonly batchSize?: number;
  /**
   * NYSE symbols: `regular` (default) drops pre-market and after-hours bars (stored, flagged
   * EXTENDED_HOURS) and makes daily bars regular sessions; `all` keeps them.
   */
  readonly session?: 'regular' | 'all';
  /** Instrument id of a symbol (default `SYMBOL@VENUE` from the store's metadata). */
  readonly instrumentId?: (symbol: string) => string;
  /**
   * Follow ticker changes: a requested symbol (its current name) is read from every ticker it traded under,
   * each within the dates that name was valid, all as the requested symbol's instrument.
   */
  readonly symbolMap?: SymbolMap;
}

/**
 * Bars of `symbols` with `start ≤ tsOpen` and `tsEvent ≤ end` at `timeframe`, as a {@link BarSource}
 * in strict (tsEvent, instrumentId) order. Lazy: each symbol is read one partition (month) at a time,
 * through the store's LRU cache, and the symbols are k-way merged, so memory stays flat however long
 * the range. A timeframe that is not stored is resampled, exactly, from the coarsest stored timeframe
 * whose bars tile its buckets ({@link chooseSource}: 1m → 5m, 1h, 1d); every resampled bar is whole, so a
 * bucket that `start` or `end` cuts is left out.
 */
export function getBars(
  store: ParquetStore,
  symbols: readonly string[],
  start: Nanos | undefined,
  end: Nanos | undefined,
  timeframe: string | Timeframe,
  opts: GetBarsOptions = {}
): BarSource {
  const tf = typeof timeframe === 'string' ? parseTimeframe(timeframe) : timeframe;
  if (opts.symbolMap) return renamedBars(store, symbols, start, end, tf, opts, opts.symbolMap);
  const uniq = [...new Set(symbols)].sort();
  const session = opts.session ?? 'regular';
  const plans = uniq.map((symbol) => {
    const meta = store.symbolMeta(symbol);
    const rs = { calendar: meta.calendar, session };
    return {
      symbol,
      rs,
      src: chooseSource(store, symbol, tf, rs),
      id: opts.instrumentId ? opts.instrumentId(symbol) : `${symbol}@${meta.venue}`
    };
  });
  const batchSize = opts.batchSize ?? 4096;
  const streams = plans.map((p) =>
    symbolStream(store, p.symbol, p.id, p.src, tf, start, end, batchSize, p.rs)
  );
  return streams.length === 1 ? streams[0]! : mergeBarSources(streams, { batchSize });
}

/** {@link getBars} across ticker changes: per requested symbol, its tickers' bars in date order, one instrument. */
function renamedBars(
  store: ParquetStore,
  symbols: readonly string[],
  start: Nanos | undefined,
  end: Nanos | undefined,
  tf: Timeframe,
  opts: GetBarsOptions,
  map: SymbolMap
): BarSource {
  const stored = store.symbols();
  const batchSize = opts.batchSize ?? 4096;
  const streams = [...new Set(symbols)].sort().map((symbol) => {
    const periods = map.periods(symbol).filter((p) => stored[p.ticker] !== undefined);
    if (periods.length === 0) store.symbolMeta(symbol); // the typed "not in the store" error
    const id = opts.instrumentId
      ? opts.instrumentId(symbol)
      : `${symbol}@${stored[periods.at(-1)!.ticker]!.venue}`;
    const parts = periods.map((p) => {
      const meta = stored[p.ticker]!;
      const from = p.from === undefined ? start : max(start, nsFromIso(`${p.from}T00:00:00Z`));
      const until = p.until === undefined ? end : min(end, nsFromIso(`${p.until}T00:00:00Z`) - 1n);
      const rs = { calendar: meta.calendar, session: opts.session ?? 'regular' } as const;
      return symbolStream(
        store,
        p.ticker,
        id,
        chooseSource(store, p.ticker, tf, rs),
        tf,
        from,
        until,
        batchSize,
        rs
      );
    });
    return concatSources(parts);
  });
  return streams.length === 1 ? streams[0]! : mergeBarSources(streams, { batchSize });
}

async function* concatSources(parts: readonly BarSource[]): BarSource {
  for (const p of parts) yield* p;
}

const max = (a: Nanos | undefined, b: Nanos): Nanos => (a === undefined || b > a ? b : a);
const min = (a: Nanos | undefined, b: Nanos): Nanos => (a === undefined || b < a ? b : a);

/**
 * The bars of `cols` (one symbol's, at their own timeframe) that the session `rs` keeps, as `id`'s: on the NYSE
 * calendar the `regular` session (the default) leaves out bars flagged `EXTENDED_HOURS` (pre-market, after hours:
 * the importers and the CSV reader flag intraday bars holding no minute of a regular session); `all`, and the
 * `24x7` calendar, keep every bar. The one session filter of bars read unresampled, from the store or from CSV
 * files (resampled bars are filtered by the resampler, by time).
 */
export function* sessionBars(cols: BarColumns, id: string, rs: ResampleOptions): Generator<Bar> {
  const regularOnly = rs.calendar === 'nyse' && (rs.session ?? 'regular') === 'regular';
  for (let i = 0; i < cols.length; i++) {
    if (regularOnly && cols.flags[i]! & BarFlag.EXTENDED_HOURS) continue;
    yield barAt(cols, i, id);
  }
}

/**
 * The stored timeframe to read for `tf`: `tf` itself, or else the coarsest finer intraday one whose bars tile `tf`'s
 * buckets on this calendar and session, so that no input bar straddles a bucket's edge or the session open
 * (buckets are aligned on the UTC epoch; NYSE regular sessions open at 09:30): its width must divide
 * gcd(`tf`, 30 min) for intraday NYSE `regular` bars, gcd(`tf`, 1 h) for `all` (04:00–20:00), 30 min for daily
 * NYSE `regular` bars, an hour for daily `all` bars, and `tf` or the UTC day on `24x7`. When none does, the coarsest
 * finer intraday one whose width divides `tf`'s: stored intraday bars need not be aligned on the UTC epoch (a
 * yfinance or CSV 60m series opens at 09:30, 10:30 … 15:30 and tiles a session), so the resampler decides from the
 * data, and refuses (`TRD_ERR_DATA_INVALID`, when read) a bar it cannot place exactly — an hour-aligned 1h bar
 * [09:00, 10:00) straddles the open of a daily or 2h NYSE bar. Nothing finer stored is `TRD_ERR_DATA_NOT_FOUND`.
 */
export function chooseSource(
  store: ParquetStore,
  symbol: string,
  tf: Timeframe,
  rs: ResampleOptions = { calendar: store.symbolMeta(symbol).calendar }
): Timeframe {
  const stored = store.barTimeframes(symbol);
  const exact = stored.find((s) => s.label === tf.label);
  if (exact) return exact;
  const width = tf.intraday ? tf.ns : NS_PER_DAY;
  const grid =
    rs.calendar === '24x7' ? width : (rs.session ?? 'regular') === 'regular' ? 30n * NS_PER_MIN : NS_PER_HOUR;
  const tile = gcd(width, grid);
  const finer = stored.filter((s) => s.intraday && s.ns < tf.ns && width % s.ns === 0n);
  const best = finer.findLast((s) => tile % s.ns === 0n) ?? finer[finer.length - 1];
  if (!best) {
    const labels = stored.map((s) => s.label);
    throw new TradestateError(
      ErrorCode.DATA_NOT_FOUND,
      `no ${tf.label} bars for ${symbol} and no finer stored timeframe to resample them from (stored: ${labels.join(', ') || 'none'}; its width must divide ${tf.intraday ? tf.label : '1d'})`,
      { symbol, timeframe: tf.label, stored: labels }
    );
  }
  return best;
}

function gcd(a: bigint, b: bigint): bigint {
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

async function* symbolStream(
  store: ParquetStore,
  symbol: string,
  id: string,
  src: Timeframe,
  tf: Timeframe,
  start: Nanos | undefined,
  end: Nanos | undefined,
  batchSize: number,
  rs: { calendar: 'nyse' | '24x7'; session: 'regular' | 'all' }
): BarSource {
  const resampler = src.label === tf.label ? undefined : new BarResampler(tf, rs);
  // a resampled bucket is whole bars from `start` on: the bucket `start` falls inside opens before it and, made
  // of the bars from `start` only, would be partial (wrong open, volume): left out, like one ending after `end`
  const inRange = (b: Bar): boolean =>
    (start === undefined || b.tsOpen >= start) && (end === undefined || b.tsEvent <= end);
  const keys = store.barPartitionKeysInRange(symbol, src, start, end);
  let pending: Bar[] = [];
  for (const key of keys) {
    const cols = clipColumns(await store.loadBarPartition(symbol, src, key), start, end);
    if (resampler) {
      for (const b of resampler.pushColumns(cols, id)) if (inRange(b)) pending.push(b);
    } else {
      for (const b of sessionBars(cols, id, rs)) {
        pending.push(b);
        if (pending.length >= batchSize) {
          yield pending;
          pending = [];
        }
      }
    }
    if (pending.length >= batchSize) {
      yield pending;
      pending = [];
    }
  }
  const last = resampler?.flush();
  if (last && inRange(last)) pending.push(last);
  if (pending.length > 0) yield pending;
}

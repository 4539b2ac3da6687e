import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Nanos, nsFromIso } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';
import type { BarSource } from './bar-source.ts';
import type { SymbolMap } from './clean.ts';
import { BarFlag, barAt } from './columns.ts';
import { mergeBarSources } from './merge.ts';
import { BarResampler } from './resample.ts';
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
 * that divides it (1m → 5m, 1h, 1d).
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
  const plans = uniq.map((symbol) => {
    const meta = store.symbolMeta(symbol);
    const src = chooseSource(store, symbol, tf);
    return {
      symbol,
      meta,
      src,
      id: opts.instrumentId ? opts.instrumentId(symbol) : `${symbol}@${meta.venue}`
    };
  });
  const batchSize = opts.batchSize ?? 4096;
  const streams = plans.map((p) =>
    symbolStream(store, p.symbol, p.id, p.src, tf, start, end, batchSize, {
      calendar: p.meta.calendar,
      session: opts.session ?? 'regular'
    })
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
      return symbolStream(
        store,
        p.ticker,
        id,
        chooseSource(store, p.ticker, tf),
        tf,
        from,
        until,
        batchSize,
        {
          calendar: meta.calendar,
          session: opts.session ?? 'regular'
        }
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

/** The stored timeframe to read for `tf`: `tf` itself, or the coarsest stored one that divides it. */
export function chooseSource(store: ParquetStore, symbol: string, tf: Timeframe): Timeframe {
  const stored = store.barTimeframes(symbol);
  const exact = stored.find((s) => s.label === tf.label);
  if (exact) return exact;
  const finer = stored.filter(
    (s) => s.intraday && s.ns < tf.ns && (tf.intraday ? tf.ns % s.ns === 0n : true)
  );
  const best = finer[finer.length - 1];
  if (!best) {
    throw new TradestateError(
      ErrorCode.DATA_NOT_FOUND,
      `no ${tf.label} bars for ${symbol} and no finer timeframe to resample (stored: ${stored.map((s) => s.label).join(', ') || 'none'})`,
      { symbol, timeframe: tf.label }
    );
  }
  return best;
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
  const keys = store.barPartitionKeysInRange(symbol, src, start, end);
  let pending: Bar[] = [];
  for (const key of keys) {
    const cols = clipColumns(await store.loadBarPartition(symbol, src, key), start, end);
    if (resampler) {
      for (const b of resampler.pushColumns(cols, id))
        if (end === undefined || b.tsEvent <= end) pending.push(b);
    } else {
      const regularOnly = rs.calendar === 'nyse' && rs.session === 'regular';
      for (let i = 0; i < cols.length; i++) {
        if (regularOnly && cols.flags[i]! & BarFlag.EXTENDED_HOURS) continue;
        pending.push(barAt(cols, i, id));
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
  if (last && (end === undefined || last.tsEvent <= end)) pending.push(last);
  if (pending.length > 0) yield pending;
}

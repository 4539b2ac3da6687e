import { dataSymbols, type RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Instrument, makeInstrument } from '../core/instrument.ts';
import type { BarSource } from '../data/bar-source.ts';
import type { GenericCsvOptions } from '../data/import/generic-csv.ts';
import { type OpenBarSourceSpec, openBarSource } from '../data/index.ts';
import type { ResampleOptions } from '../data/resample.ts';
import { readStoreSymbols } from '../data/store-layout.ts';
import { syntheticBars } from '../synthetic/synthetic-bars.ts';

/** The configured instruments, sorted by id. */
export function instrumentsFor(config: RunConfig): Instrument[] {
  const data = config.data;
  const symbols = dataSymbols(data);
  // what the data says, below the config's own defaults and overrides: a Parquet store records each symbol's tick,
  // lot and currency; LOBSTER prices are dollars × 10,000, so one tick is 0.0001 (a config saying otherwise is
  // refused when the data is read)
  const stored = data.kind === 'parquet' ? readStoreSymbols(data.store) : {};
  const fromData = (symbol: string): Partial<Record<'tickSize' | 'lotSize' | 'currency', string>> => {
    if (data.kind === 'lobster') return { tickSize: '0.0001' };
    const meta = stored[symbol];
    return meta ? { tickSize: meta.tickSize, lotSize: meta.lotSize, currency: meta.currency } : {};
  };
  return [...new Set(symbols)]
    .map((symbol) =>
      makeInstrument({
        symbol,
        ...BUILT_IN_INSTRUMENT,
        ...fromData(symbol),
        ...config.instruments.defaults,
        ...config.instruments.overrides[symbol]
      })
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/**
 * Each symbol's calendar as the data gives it, by symbol: a Parquet store's symbols keep their own
 * (`symbols.json`), CSV files the configured one; other data has none (a symbol the store does not list, e.g. a
 * renamed ticker, neither).
 */
export function symbolCalendars(config: RunConfig): Map<string, ResampleOptions['calendar']> {
  const out = new Map<string, ResampleOptions['calendar']>();
  const data = config.data;
  if (data.kind === 'csv') for (const f of data.files) out.set(f.symbol, data.calendar);
  if (data.kind === 'parquet') {
    const stored = readStoreSymbols(data.store);
    for (const s of data.symbols) {
      const meta = stored[s];
      if (meta) out.set(s, meta.calendar);
    }
  }
  return out;
}

/** {@link symbolCalendars} by instrument id: each instrument's calendar as the backtest's bars had it. */
export function dataCalendars(config: RunConfig): Map<string, ResampleOptions['calendar']> {
  const bySymbol = symbolCalendars(config);
  const out = new Map<string, ResampleOptions['calendar']>();
  if (bySymbol.size === 0) return out;
  for (const inst of instrumentsFor(config)) {
    const calendar = bySymbol.get(inst.symbol);
    if (calendar) out.set(inst.id, calendar);
  }
  return out;
}

/** Tick size, lot size and currency of an instrument neither the config nor the data describes. */
const BUILT_IN_INSTRUMENT = { tickSize: '0.01', lotSize: '1', currency: 'USD' } as const;

/**
 * Open the configured bar source; `total` is the bar count when known up front (for progress), `warnings` what
 * reading the data noticed and worked around (a CSV of your own: ignored columns, newest-first rows, …).
 */
export async function openBars(
  config: RunConfig,
  instruments: readonly Instrument[],
  seed: number
): Promise<{ source: BarSource; total: number | undefined; warnings: readonly string[] }> {
  const data = config.data;
  if (data.kind === 'lobster') {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      'data.kind lobster is tick data, not bars: a backtest replays it event by event; it cannot feed bar tools',
      { kind: data.kind }
    );
  }
  if (data.kind === 'synthetic') {
    const total = data.sessions * syntheticSessionMinutes(data) * instruments.length;
    return { source: syntheticBars(data, instruments, seed), total, warnings: [] };
  }
  const spec: OpenBarSourceSpec =
    data.kind === 'yahoo-csv'
      ? { kind: 'yahoo-csv', files: data.files, adjust: data.adjust }
      : data.kind === 'csv'
        ? { kind: 'csv', files: data.files, read: csvReadOptions(data), session: data.session }
        : {
            kind: 'parquet',
            store: data.store,
            symbols: data.symbols,
            timeframe: data.timeframe,
            followRenames: data.followRenames,
            ...(data.start !== undefined ? { start: data.start } : {}),
            ...(data.end !== undefined ? { end: data.end } : {})
          };
  const warnings: string[] = [];
  const source = await openBarSource(
    spec,
    (symbol) => {
      const inst = instruments.find((i) => i.symbol === symbol);
      if (!inst)
        throw new TradestateError(ErrorCode.UNKNOWN_INSTRUMENT, `no instrument for ${symbol}`, { symbol });
      return inst;
    },
    (w) => warnings.push(w)
  );
  return { source, total: undefined, warnings };
}

/** Minutes from the synthetic data's session open to its close (UTC `HH:MM` each). */
export function syntheticSessionMinutes(data: { sessionOpenUtc: string; sessionCloseUtc: string }): number {
  const minutes = (hhmm: string): number => {
    const [h, m] = hhmm.split(':').map(Number) as [number, number];
    return h * 60 + m;
  };
  return minutes(data.sessionCloseUtc) - minutes(data.sessionOpenUtc);
}

/** How the generic CSV reader reads a `csv` data source's files. */
export function csvReadOptions(data: Extract<RunConfig['data'], { kind: 'csv' }>): GenericCsvOptions {
  return {
    tz: data.tz,
    stamp: data.stamp,
    calendar: data.calendar,
    ...(data.timeUnit !== undefined ? { timeUnit: data.timeUnit } : {}),
    ...(data.timeframe !== undefined ? { timeframe: data.timeframe } : {})
  };
}

import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Instrument, makeInstrument } from '../core/instrument.ts';
import type { BarSource } from '../data/bar-source.ts';
import { type OpenBarSourceSpec, openBarSource } from '../data/index.ts';
import { syntheticBars } from '../synthetic/synthetic-bars.ts';

/** The configured instruments, sorted by id. */
export function instrumentsFor(config: RunConfig): Instrument[] {
  const data = config.data;
  const symbols =
    data.kind === 'yahoo-csv'
      ? data.files.map((f) => f.symbol)
      : data.kind === 'lobster'
        ? [data.symbol]
        : data.symbols;
  // LOBSTER prices are dollars × 10,000: one tick is 0.0001 unless the config says otherwise (then refused)
  const kindDefaults = data.kind === 'lobster' ? { tickSize: '0.0001' } : {};
  return [...new Set(symbols)]
    .map((symbol) =>
      makeInstrument({
        symbol,
        ...config.instruments.defaults,
        ...kindDefaults,
        ...config.instruments.overrides[symbol]
      })
    )
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Open the configured bar source; `total` is the bar count when known up front (for progress). */
export async function openBars(
  config: RunConfig,
  instruments: readonly Instrument[],
  seed: number
): Promise<{ source: BarSource; total: number | undefined }> {
  const data = config.data;
  if (data.kind === 'lobster') {
    throw new TradestateError(
      ErrorCode.CONFIG_INVALID,
      'data.kind lobster is tick data, not bars: a backtest replays it event by event; it cannot feed bar tools',
      { kind: data.kind }
    );
  }
  if (data.kind === 'synthetic') {
    const [oh, om] = data.sessionOpenUtc.split(':').map(Number) as [number, number];
    const [ch, cm] = data.sessionCloseUtc.split(':').map(Number) as [number, number];
    const total = data.sessions * (ch * 60 + cm - oh * 60 - om) * instruments.length;
    return { source: syntheticBars(data, instruments, seed), total };
  }
  const spec: OpenBarSourceSpec =
    data.kind === 'yahoo-csv'
      ? { kind: 'yahoo-csv', files: data.files, adjust: data.adjust }
      : {
          kind: 'parquet',
          store: data.store,
          symbols: data.symbols,
          timeframe: data.timeframe,
          followRenames: data.followRenames,
          ...(data.start !== undefined ? { start: data.start } : {}),
          ...(data.end !== undefined ? { end: data.end } : {})
        };
  const source = await openBarSource(spec, (symbol) => {
    const inst = instruments.find((i) => i.symbol === symbol);
    if (!inst)
      throw new TradestateError(ErrorCode.UNKNOWN_INSTRUMENT, `no instrument for ${symbol}`, { symbol });
    return inst;
  });
  return { source, total: undefined };
}

import { readFileSync } from 'node:fs';
import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Instrument, makeInstrument } from '../core/instrument.ts';
import { type BarSource, barsFromArray, compareBars } from '../data/bar-source.ts';
import { parseYahooCsv } from '../data/yahoo-csv.codec.ts';
import type { Bar } from '../messages/market-data.ts';
import { syntheticBars } from '../synthetic/synthetic-bars.ts';

/** The configured instruments, sorted by id. */
export function instrumentsFor(config: RunConfig): Instrument[] {
  const symbols =
    config.data.kind === 'yahoo-csv' ? config.data.files.map((f) => f.symbol) : config.data.symbols;
  return [...new Set(symbols)]
    .map((symbol) =>
      makeInstrument({ symbol, ...config.instruments.defaults, ...config.instruments.overrides[symbol] })
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
  if (data.kind === 'synthetic') {
    const [oh, om] = data.sessionOpenUtc.split(':').map(Number) as [number, number];
    const [ch, cm] = data.sessionCloseUtc.split(':').map(Number) as [number, number];
    const total = data.sessions * (ch * 60 + cm - oh * 60 - om) * instruments.length;
    return { source: syntheticBars(data, instruments, seed), total };
  }
  if (data.kind === 'yahoo-csv') {
    const bars: Bar[] = [];
    for (const f of data.files) {
      const inst = instruments.find((i) => i.symbol === f.symbol)!;
      let text: string;
      try {
        text = readFileSync(f.path, 'utf8');
      } catch (e) {
        throw new TradestateError(
          ErrorCode.DATA_NOT_FOUND,
          `cannot read data file ${f.path}`,
          { file: f.path },
          { cause: e }
        );
      }
      bars.push(...parseYahooCsv(text, inst, { adjust: data.adjust, file: f.path }));
    }
    bars.sort(compareBars);
    return { source: barsFromArray(bars), total: bars.length };
  }
  const { openBarSource } = await import('../data/index.ts');
  const source = await openBarSource(
    {
      kind: 'parquet',
      store: data.store,
      symbols: data.symbols,
      start: data.start,
      end: data.end,
      timeframe: data.timeframe
    },
    (symbol) => {
      const inst = instruments.find((i) => i.symbol === symbol);
      if (!inst)
        throw new TradestateError(ErrorCode.UNKNOWN_INSTRUMENT, `no instrument for ${symbol}`, { symbol });
      return inst;
    }
  );
  return { source, total: undefined };
}

import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import { readText } from '../core/read-file.ts';
import type { Bar } from '../messages/market-data.ts';
import { getBars, sessionBars } from './access.ts';
import { type BarSource, barsFromArray, closingSource } from './bar-source.ts';
import { SymbolMap } from './clean.ts';
import type { ImportedBars } from './import/bar-files.ts';
import { type GenericCsvOptions, parseGenericCsv } from './import/generic-csv.ts';
import { mergeBarSources } from './merge.ts';
import { ParquetStore } from './store.ts';
import { readStoreSymbols, storeBarTimeframes } from './store-layout.ts';
import { parseTimeArg, parseTimeframe, type Timeframe } from './timeframe.ts';
import { parseYahooCsv } from './yahoo-csv.codec.ts';

export { getBars } from './access.ts';
export { downloadAlpacaBars } from './alpaca-bars.ts';
export { type BarSource, barsFromArray, closingSource, compareBars, releaseSource } from './bar-source.ts';
export { applyAdjustments, type FillPolicy, fillGaps, flagOutliers, SymbolMap } from './clean.ts';
export { type BarColumns, BarFlag } from './columns.ts';
export { runDataCommand } from './data-cli.ts';
export { IMPORT_FORMATS, importAlpaca, importFile } from './import/index.ts';
export { mergeBarSources } from './merge.ts';
export { isNyseTradingDay, nyseDay, nysePhase, nyseSessionUtc } from './nyse-calendar.ts';
export { BarResampler, resampleBars } from './resample.ts';
export { ParquetStore } from './store.ts';
export { parseTimeArg, parseTimeframe, type Timeframe } from './timeframe.ts';
export { parseYahooCsv } from './yahoo-csv.codec.ts';

/**
 * Which bars NYSE symbols are read with: `regular` (the default) leaves out pre-market and after-hours bars (flagged
 * `EXTENDED_HOURS`), and a resampled daily bar is the regular session; `all` keeps them. Symbols on the `24x7`
 * calendar keep every bar either way.
 */
export type SessionChoice = 'regular' | 'all';

export type OpenBarSourceSpec =
  | {
      kind: 'parquet';
      store: string;
      symbols: string[];
      start?: string | undefined;
      end?: string | undefined;
      /** Default: the finest timeframe stored for every symbol ({@link parquetTimeframe}). */
      timeframe?: string | undefined;
      /** Read each symbol across its ticker changes (the built-in table, src/data/clean.ts). */
      followRenames?: boolean;
      session?: SessionChoice;
    }
  | { kind: 'yahoo-csv'; files: { symbol: string; path: string }[]; adjust?: boolean }
  | {
      kind: 'csv';
      files: { symbol: string; path: string }[];
      read: Omit<GenericCsvOptions, 'file'>;
      /** On the `nyse` calendar (`read.calendar`), the bars kept, as from the store (default `regular`). */
      session?: SessionChoice;
    };

function readDataFile(path: string): string {
  return readText(path, {
    code: ErrorCode.DATA_NOT_FOUND,
    message: `cannot read data file ${path}`,
    context: { file: path }
  });
}

/** One CSV file of any layout read as {@link parseGenericCsv} reads it (`TRD_ERR_DATA_NOT_FOUND` when unreadable). */
export function readCsvFile(
  path: string,
  inst: Instrument,
  read: Omit<GenericCsvOptions, 'file'>
): ImportedBars {
  return parseGenericCsv(readDataFile(path), inst, { ...read, file: path });
}

/**
 * The one entry point the backtest uses: bars from the Parquet store (lazy, merged across symbols,
 * resampled if asked), from Yahoo/backtrader CSV files or from CSV files of any layout ({@link parseGenericCsv}), as a {@link BarSource} in strict
 * (tsEvent, instrumentId) order with the caller's instrument ids.
 */
export async function openBarSource(
  spec: OpenBarSourceSpec,
  instruments: (symbol: string) => Instrument,
  /** Told what the generic CSV reader noticed and worked around (ignored columns, reversed rows, …). */
  onWarning?: (warning: string) => void
): Promise<BarSource> {
  if (spec.kind === 'yahoo-csv' || spec.kind === 'csv') {
    const sources: BarSource[] = [];
    for (const f of spec.files) {
      const inst = instruments(f.symbol);
      let bars: Bar[];
      if (spec.kind === 'yahoo-csv') {
        bars = parseYahooCsv(readDataFile(f.path), inst, { adjust: spec.adjust ?? false, file: f.path });
      } else {
        const { cols, warnings } = readCsvFile(f.path, inst, spec.read);
        for (const w of warnings) onWarning?.(w);
        // the session filter a Parquet store's bars go through (the reader flags extended hours on `nyse`)
        const rs = { calendar: spec.read.calendar ?? '24x7', session: spec.session ?? 'regular' } as const;
        bars = [...sessionBars(cols, inst.id, rs)];
      }
      sources.push(barsFromArray(bars));
    }
    return mergeBarSources(sources);
  }
  const store = await ParquetStore.open(spec.store);
  const renames = spec.followRenames ? new SymbolMap() : undefined;
  try {
    for (const s of spec.symbols) {
      const meta = store.symbolMeta(storedTicker(spec.store, s, renames));
      const inst = instruments(s);
      if (inst.tickSize !== meta.tickSize || inst.lotSize !== meta.lotSize) {
        throw new TradestateError(
          ErrorCode.DATA_INVALID,
          `${s}: stored with tick ${meta.tickSize} lot ${meta.lotSize}, instrument has tick ${inst.tickSize} lot ${inst.lotSize}`,
          { symbol: s }
        );
      }
    }
    const tf = parquetTimeframe(spec);
    const start = spec.start ? parseTimeArg(spec.start, 'start') : undefined;
    const end = spec.end ? parseTimeArg(spec.end, 'end') : undefined;
    if (start !== undefined && end !== undefined && start >= end) {
      throw new TradestateError(
        ErrorCode.CONFIG_INVALID,
        `data.start ${spec.start} is not before data.end ${spec.end}: no bar could be read`,
        { start: spec.start, end: spec.end }
      );
    }
    const inner = getBars(store, spec.symbols, start, end, tf, {
      instrumentId: (s) => instruments(s).id,
      session: spec.session ?? 'regular',
      ...(renames ? { symbolMap: renames } : {})
    });
    return closingSource(inner, () => store.close());
  } catch (e) {
    store.close();
    throw e;
  }
}

/**
 * The timeframe a `parquet` source is read at: its `timeframe`, else the finest one stored for every symbol (each
 * symbol under the ticker its data is stored as, when following renames). No DuckDB: the store's directories say.
 * `TRD_ERR_DATA_NOT_FOUND` when no timeframe is stored for them all.
 */
export function parquetTimeframe(spec: {
  readonly store: string;
  readonly symbols: readonly string[];
  readonly timeframe?: string | undefined;
  readonly followRenames?: boolean | undefined;
}): Timeframe {
  if (spec.timeframe) return parseTimeframe(spec.timeframe);
  const renames = spec.followRenames ? new SymbolMap() : undefined;
  const symbols = spec.symbols.map((s) => storedTicker(spec.store, s, renames));
  const sets = symbols.map((s) => storeBarTimeframes(spec.store, s).map((t) => t.label));
  const common = sets[0]?.filter((l) => sets.every((x) => x.includes(l))) ?? [];
  if (!common[0]) {
    const stored = symbols.map((s, i) => `${s}: ${sets[i]!.join(', ') || 'none'}`).join('; ');
    throw new TradestateError(
      ErrorCode.DATA_NOT_FOUND,
      `no bar timeframe stored for all of ${symbols.join(', ')} in ${spec.store} (${stored}); set data.timeframe to one to resample to`,
      { symbols, store: spec.store }
    );
  }
  return parseTimeframe(common[0]);
}

/** The ticker a symbol's data is stored under in `store`: its own, or (following renames) its latest stored name. */
function storedTicker(store: string, symbol: string, renames: SymbolMap | undefined): string {
  if (!renames) return symbol;
  const stored = readStoreSymbols(store);
  return renames.periods(symbol).findLast((p) => stored[p.ticker] !== undefined)?.ticker ?? symbol;
}

import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Instrument } from '../core/instrument.ts';
import { readText } from '../core/read-file.ts';
import type { Bar } from '../messages/market-data.ts';
import { getBars } from './access.ts';
import { type BarSource, barsFromArray, closingSource } from './bar-source.ts';
import { SymbolMap } from './clean.ts';
import { barAt } from './columns.ts';
import type { ImportedBars } from './import/bar-files.ts';
import { type GenericCsvOptions, parseGenericCsv } from './import/generic-csv.ts';
import { mergeBarSources } from './merge.ts';
import { ParquetStore } from './store.ts';
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

export type OpenBarSourceSpec =
  | {
      kind: 'parquet';
      store: string;
      symbols: string[];
      start?: string;
      end?: string;
      timeframe?: string;
      /** Read each symbol across its ticker changes (the built-in table, src/data/clean.ts). */
      followRenames?: boolean;
    }
  | { kind: 'yahoo-csv'; files: { symbol: string; path: string }[]; adjust?: boolean }
  | { kind: 'csv'; files: { symbol: string; path: string }[]; read: Omit<GenericCsvOptions, 'file'> };

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
        bars = Array.from({ length: cols.length }, (_, i) => barAt(cols, i, inst.id));
      }
      sources.push(barsFromArray(bars));
    }
    return mergeBarSources(sources);
  }
  const store = await ParquetStore.open(spec.store);
  const renames = spec.followRenames ? new SymbolMap() : undefined;
  // the ticker a symbol's data is stored under: its own, or (following renames) its latest stored name
  const storedAs = (s: string): string => {
    if (!renames) return s;
    const stored = store.symbols();
    return renames.periods(s).findLast((p) => stored[p.ticker] !== undefined)?.ticker ?? s;
  };
  try {
    for (const s of spec.symbols) {
      const meta = store.symbolMeta(storedAs(s));
      const inst = instruments(s);
      if (inst.tickSize !== meta.tickSize || inst.lotSize !== meta.lotSize) {
        throw new TradestateError(
          ErrorCode.DATA_INVALID,
          `${s}: stored with tick ${meta.tickSize} lot ${meta.lotSize}, instrument has tick ${inst.tickSize} lot ${inst.lotSize}`,
          { symbol: s }
        );
      }
    }
    const tf: Timeframe = spec.timeframe
      ? parseTimeframe(spec.timeframe)
      : finestCommon(store, spec.symbols.map(storedAs));
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
      ...(renames ? { symbolMap: renames } : {})
    });
    return closingSource(inner, () => store.close());
  } catch (e) {
    store.close();
    throw e;
  }
}

function finestCommon(store: ParquetStore, symbols: readonly string[]): Timeframe {
  const sets = symbols.map((s) => store.barTimeframes(s).map((t) => t.label));
  const common = sets[0]?.filter((l) => sets.every((x) => x.includes(l))) ?? [];
  if (!common[0]) {
    throw new TradestateError(
      ErrorCode.DATA_NOT_FOUND,
      `no timeframe stored for all of ${symbols.join(', ')}`,
      {
        symbols
      }
    );
  }
  return parseTimeframe(common[0]);
}

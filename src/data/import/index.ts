import { basename } from 'node:path';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { type Instrument, makeInstrument } from '../../core/instrument.ts';
import { readText } from '../../core/read-file.ts';
import { type AlpacaBarsRequest, type AlpacaClientOptions, downloadAlpacaBars } from '../alpaca-bars.ts';
import { type FillPolicy, fillGaps, flagOutliers, type GapReport } from '../clean.ts';
import { barsToColumns } from '../columns.ts';
import type { SymbolMeta } from '../schema.ts';
import type { ParquetStore } from '../store.ts';
import { parseTimeframe } from '../timeframe.ts';
import {
  type ImportedBars,
  importYahooDaily,
  nyseSessionFlag,
  parseBacktraderIntraday,
  parseCryptoMinuteCsv,
  parseYfinanceCsv,
  type SourceTz
} from './bar-files.ts';
import { type GenericCsvOptions, parseGenericCsv } from './generic-csv.ts';
import { lobsterDate, parseLobsterMessages } from './lobster.ts';

export const IMPORT_FORMATS = ['csv', 'yahoo', 'backtrader-min', 'crypto', 'spy', 'lobster'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Default instrument parameters per format (override with `meta`). */
export function defaultMeta(format: ImportFormat, symbol: string): SymbolMeta {
  if (format === 'crypto') {
    return {
      symbol,
      venue: 'CRYPTO',
      tickSize: '0.01',
      lotSize: '0.000001',
      currency: 'USD',
      calendar: '24x7'
    };
  }
  if (format === 'csv') {
    return { symbol, venue: 'CSV', tickSize: '0.01', lotSize: '1', currency: 'USD', calendar: '24x7' };
  }
  if (format === 'backtrader-min') {
    return { symbol, venue: 'EUREX', tickSize: '0.01', lotSize: '1', currency: 'EUR', calendar: '24x7' };
  }
  if (format === 'lobster') {
    // LOBSTER's native unit ($0.0001): hidden executions print at half-cent midpoints (19 in the AAPL hour)
    return { symbol, venue: 'NASDAQ', tickSize: '0.0001', lotSize: '1', currency: 'USD', calendar: 'nyse' };
  }
  return { symbol, venue: 'NYSE', tickSize: '0.01', lotSize: '1', currency: 'USD', calendar: 'nyse' };
}

export interface ImportOptions {
  readonly format: ImportFormat;
  readonly symbol: string;
  readonly meta?: Partial<SymbolMeta>;
  /** Yahoo: apply Adj Close / Close. */
  readonly adjust?: boolean;
  /** Gap policy for intraday bars (default `none`: flag only). */
  readonly fill?: FillPolicy;
  /** backtrader-min and csv: the wall-clock zone of stamps written without one. */
  readonly tz?: SourceTz;
  /** csv: how to read the stamps (see {@link parseGenericCsv}; the calendar is `meta.calendar`). */
  readonly csv?: Pick<GenericCsvOptions, 'stamp' | 'timeUnit' | 'timeframe'>;
  /** LOBSTER trading date (default from the file name). */
  readonly date?: string;
  /** Progress while writing: rows written so far of the total. */
  readonly onProgress?: (rowsDone: number, rowsTotal: number) => void;
}

export interface ImportResult {
  readonly symbol: string;
  readonly dataset: string;
  readonly rows: number;
  readonly partitions: string[];
  readonly warnings: string[];
  readonly gaps?: GapReport;
  readonly outliers?: number;
}

/** Parse, clean (gaps, outliers) and store one file. */
export async function importFile(
  store: ParquetStore,
  path: string,
  opts: ImportOptions
): Promise<ImportResult> {
  const text = readText(path, {
    code: ErrorCode.DATA_NOT_FOUND,
    message: `cannot read ${path}`,
    context: { file: path }
  });
  const meta: SymbolMeta = { ...defaultMeta(opts.format, opts.symbol), ...opts.meta, symbol: opts.symbol };
  const inst: Instrument = makeInstrument(meta);
  const file = basename(path);
  if (opts.format === 'lobster') {
    const date = opts.date ?? lobsterDate(path);
    if (!date) {
      throw new TradestateError(
        ErrorCode.CLI_USAGE,
        `no date in LOBSTER file name ${file}; pass --date YYYY-MM-DD`,
        {
          file
        }
      );
    }
    const rows = parseLobsterMessages(text, inst, { date, file });
    opts.onProgress?.(0, rows.length);
    store.putSymbolMeta(meta);
    await store.writeTickPartition(
      'l3',
      opts.symbol,
      date,
      rows.map((r) => [r.tsEvent, r.seq, r.eventType, r.orderId, r.side, r.px, r.sz])
    );
    opts.onProgress?.(rows.length, rows.length);
    return {
      symbol: opts.symbol,
      dataset: 'l3',
      rows: rows.length,
      partitions: [`date=${date}`],
      warnings: []
    };
  }
  let imported: ImportedBars;
  switch (opts.format) {
    case 'csv':
      imported = parseGenericCsv(text, inst, {
        file,
        ...opts.csv,
        ...(opts.tz ? { tz: opts.tz } : {}),
        calendar: meta.calendar
      });
      break;
    case 'yahoo':
      imported = importYahooDaily(text, inst, { file, adjust: opts.adjust ?? false });
      break;
    case 'backtrader-min':
      imported = parseBacktraderIntraday(text, inst, { file, tz: opts.tz ?? 'Europe/Berlin' });
      break;
    case 'crypto':
      imported = parseCryptoMinuteCsv(text, inst, { file });
      break;
    case 'spy':
      imported = parseYfinanceCsv(text, inst, { file });
      break;
  }
  const { cols, report } = fillGaps(imported.cols, imported.timeframe, opts.fill ?? 'none', meta.calendar);
  const outliers = flagOutliers(cols).length;
  store.putSymbolMeta(meta);
  const w = await store.writeBars(opts.symbol, imported.timeframe, cols, opts.onProgress);
  return {
    symbol: opts.symbol,
    dataset: `bars_${imported.timeframe.label}`,
    rows: cols.length,
    partitions: w.partitions,
    warnings: imported.warnings,
    gaps: report,
    outliers
  };
}

/**
 * Download bars from Alpaca and store them (one `bars_<tf>` dataset per symbol), with the same cleaning
 * as file imports. `meta` gives each symbol's instrument (default: NYSE stock, tick 0.01, lot 1). On the
 * `nyse` calendar, intraday bars outside the regular session (Alpaca's include pre-market and after hours)
 * are flagged `EXTENDED_HOURS` ({@link nyseSessionFlag}), as the file importers flag them.
 */
export async function importAlpaca(
  store: ParquetStore,
  req: AlpacaBarsRequest,
  opts: AlpacaClientOptions & { meta?: (symbol: string) => Partial<SymbolMeta>; fill?: FillPolicy } = {}
): Promise<ImportResult[]> {
  const metas = new Map<string, SymbolMeta>();
  const metaOf = (symbol: string): SymbolMeta => {
    let m = metas.get(symbol);
    if (!m) {
      m = { ...defaultMeta('yahoo', symbol), venue: 'ALPACA', ...opts.meta?.(symbol), symbol };
      metas.set(symbol, m);
    }
    return m;
  };
  const bySymbol = await downloadAlpacaBars(req, (s) => makeInstrument(metaOf(s)), opts);
  const tf = parseTimeframe(req.timeframe);
  const out: ImportResult[] = [];
  for (const [symbol, bars] of [...bySymbol].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const meta = metaOf(symbol);
    const flags =
      tf.intraday && meta.calendar === 'nyse'
        ? bars.map((b) => nyseSessionFlag(b.tsOpen, b.tsEvent))
        : undefined;
    const { cols, report } = fillGaps(barsToColumns(bars, flags), tf, opts.fill ?? 'none', meta.calendar);
    const outliers = flagOutliers(cols).length;
    store.putSymbolMeta(meta);
    const w = await store.writeBars(symbol, tf, cols);
    out.push({
      symbol,
      dataset: `bars_${tf.label}`,
      rows: cols.length,
      partitions: w.partitions,
      warnings: [],
      gaps: report,
      outliers
    });
  }
  return out;
}

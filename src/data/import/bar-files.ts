import { z } from 'zod';
import { formatDecimal, pow10 } from '../../core/decimal.ts';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { type Instrument, qtyToLotsRounded } from '../../core/instrument.ts';
import { type Nanos, NS_PER_MIN, NS_PER_SEC, nsFromIso } from '../../core/nanos.ts';
import { type BarColumns, BarFlag, barsToColumns } from '../columns.ts';
import {
  cellValue,
  csvRecord,
  DECIMAL_RE,
  dataError,
  dataLines,
  priceTextToTicks,
  splitLines,
  UINT_RE,
  validateRow
} from '../csv.ts';
import { nyseRegularSessionAt, nyseSessionUtc } from '../nyse-calendar.ts';
import { parseTimeframe, type Timeframe } from '../timeframe.ts';
import { nyWallToNs } from '../us-eastern.ts';
import { parseYahooCsv } from '../yahoo-csv.codec.ts';

/** What an importer hands the store: one instrument's bars as columns, sorted by tsEvent. */
export interface ImportedBars {
  readonly timeframe: Timeframe;
  readonly cols: BarColumns;
  /** Things the importer decided that a human should know (header repairs, rounding). */
  readonly warnings: string[];
}

/** Time zones the file importers understand (no tz database: rules are coded). */
export const SOURCE_TZS = ['UTC', 'America/New_York', 'Europe/Berlin'] as const;
export type SourceTz = (typeof SOURCE_TZS)[number];

/** One bar as an importer reads it: exact ticks and lots, stamps, {@link BarFlag}s. */
export interface RawBar {
  tsOpen: Nanos;
  tsEvent: Nanos;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  flags: number;
}

/** Bars as the store's columns. */
export function toColumns(rows: RawBar[]): BarColumns {
  const c = barsToColumns(
    rows.map((r) => ({
      type: 'market.bar' as const,
      instrumentId: '',
      tsInit: r.tsEvent,
      ...r
    })),
    rows.map((r) => r.flags)
  );
  return c;
}

/** Check OHLC consistency and strict time order; throw naming file, line and column. */
export function checkBar(
  r: RawBar,
  prev: RawBar | undefined,
  file: string,
  line: number,
  tsColumn: string
): void {
  if (r.high < Math.max(r.open, r.close, r.low)) {
    throw dataError({ file, line, column: 'High' }, 'High is below Open, Close or Low', r.high);
  }
  if (r.low > Math.min(r.open, r.close))
    throw dataError({ file, line, column: 'Low' }, 'Low is above Open or Close', r.low);
  if (prev && r.tsEvent <= prev.tsEvent) {
    throw dataError(
      { file, line, column: tsColumn },
      'timestamps must be strictly ascending',
      r.tsEvent.toString()
    );
  }
}

/**
 * Scientific notation (`1E+1`, `9e-05`, `0.5E2`, as some exchange dumps print small volumes) to a plain decimal
 * string, exactly (bigint arithmetic: `int.frac × 10^e` is the integer `intfrac` over `10^(frac digits − e)`).
 * Plain decimals pass through.
 */
export function plainDecimal(text: string): string {
  const m = /^(\d+)(?:\.(\d+))?[eE]([+-]?\d{1,3})$/.exec(text);
  if (!m) return text;
  const [, int = '0', frac = '', e = '0'] = m;
  const mantissa = BigInt(int + frac);
  const scale = frac.length - Number(e);
  return scale >= 0 ? formatDecimal(mantissa, scale) : (mantissa * pow10(-scale)).toString();
}

/** The warning of an importer that rounded `n` volumes to the lot. */
export function roundedWarning(file: string, n: number, inst: Instrument): string {
  return `${file}: ${n} volumes rounded to the lot ${inst.lotSize}`;
}

/** A quantity text to lots: exact when on the lot, else the nearest lot (half-even) and a counted rounding. */
export function qtyTextToLots(inst: Instrument, text: string, rounded: { n: number }): number {
  const { lots, exact } = qtyToLotsRounded(inst, plainDecimal(text));
  if (!exact) rounded.n++;
  return lots;
}

/**
 * The session flag of an intraday bar `[tsOpen, tsEvent)` on the NYSE calendar: `EXTENDED_HOURS` when it holds
 * no minute of a regular session (pre-market, after hours, a night, a weekend or a holiday), else 0. A bar that
 * holds the open or the close (an hour bar from 09:00 New York) holds regular trading and is not flagged.
 */
export function nyseSessionFlag(tsOpen: Nanos, tsEvent: Nanos): number {
  // the sessions of the days holding its first and its last instant (one day, mostly)
  const first = nyseRegularSessionAt(tsOpen);
  if (first !== undefined && tsOpen < first.close && tsEvent > first.open) return 0;
  const last = nyseRegularSessionAt(tsEvent - 1n);
  if (last !== undefined && last !== first && tsOpen < last.close && tsEvent > last.open) return 0;
  return BarFlag.EXTENDED_HOURS;
}

// ------------------------------------------------------------------ wall-clock conversion

/** Last Sunday of a month (1–12), day of month. */
function lastSunday(y: number, m: number): number {
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return days - new Date(Date.UTC(y, m - 1, days)).getUTCDay();
}

/** Central European wall time to UTC ns: CET (+1), CEST (+2) from the last Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC (EU rule since 1996). */
function berlinWallToNs(y: number, m: number, d: number, minute: number): Nanos {
  const naive = BigInt(Date.UTC(y, m - 1, d)) * 1_000_000n + BigInt(minute) * NS_PER_MIN;
  const start = BigInt(Date.UTC(y, 2, lastSunday(y, 3), 1)) * 1_000_000n;
  const end = BigInt(Date.UTC(y, 9, lastSunday(y, 10), 1)) * 1_000_000n;
  const asCest = naive - 120n * NS_PER_MIN;
  return asCest >= start && asCest < end ? asCest : naive - 60n * NS_PER_MIN;
}

/** Wall time in `tz` to UTC nanoseconds. */
export function wallToNs(tz: SourceTz, y: number, m: number, d: number, minute: number, second = 0): Nanos {
  const base =
    tz === 'UTC'
      ? BigInt(Date.UTC(y, m - 1, d)) * 1_000_000n + BigInt(minute) * NS_PER_MIN
      : tz === 'America/New_York'
        ? nyWallToNs(y, m, d, minute)
        : berlinWallToNs(y, m, d, minute);
  return base + BigInt(second) * NS_PER_SEC;
}

// ------------------------------------------------------------------ backtrader intraday

const BT_COLUMNS = ['Date', 'Time', 'Open', 'High', 'Low', 'Close', 'Volume', 'OpenInterest'] as const;
const dec = z.string().regex(DECIMAL_RE, 'expected a plain non-negative decimal');
const btRowSchema = z.object({
  Date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD'),
  Time: z.string().regex(/^\d{2}:\d{2}:\d{2}$/, 'expected HH:MM:SS'),
  Open: dec,
  High: dec,
  Low: dec,
  Close: dec,
  Volume: z.string().regex(UINT_RE, 'expected a non-negative integer volume'),
  OpenInterest: z.string().regex(UINT_RE, 'expected a non-negative integer')
});

/**
 * backtrader intraday CSV (`Date,Time,Open,High,Low,Close,Volume,OpenInterest`). Repairs the real-world
 * case of `2006-01-02-volume-min-001.txt`, whose header names 7 columns (no `Time`) while every row has 8:
 * when a row has one cell more than the header and its second cell is a time, the columns are taken as
 * the 8 above (a warning says so). backtrader stamps an intraday bar with its END (the first 1-minute bar
 * of a 09:00 session is `09:01:00`), so tsEvent = the stamp and tsOpen = stamp − timeframe; the timeframe
 * is the smallest step between consecutive stamps unless given. Wall times are in `tz` (default
 * Europe/Berlin: the 2006 sample is the Euro Stoxx 50, whose 5-minute file runs 09:05–17:30, the Xetra session).
 * Volumes go to the instrument's lot (rounding counted in a warning); blank lines are skipped.
 */
export function parseBacktraderIntraday(
  text: string,
  inst: Instrument,
  opts: { file?: string; tz?: SourceTz; timeframe?: string } = {}
): ImportedBars {
  const file = opts.file ?? '<backtrader>';
  const tz = opts.tz ?? 'Europe/Berlin';
  const lines = splitLines(text);
  const warnings: string[] = [];
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const first = (dataLines(lines, 1).next().value?.text ?? '').split(',');
  let columns: readonly string[] = header;
  if (header.length === 8 && header.join(',') === BT_COLUMNS.join(',')) columns = BT_COLUMNS;
  else if (
    first.length === header.length + 1 &&
    /^\d{2}:\d{2}:\d{2}$/.test(first[1] ?? '') &&
    header[0] === 'Date'
  ) {
    columns = BT_COLUMNS;
    warnings.push(
      `${file}: header names ${header.length} columns (${header.join(',')}) but rows have ${first.length}; reading them as ${BT_COLUMNS.join(',')}`
    );
  } else {
    throw dataError(
      { file, line: 1, column: header[1] ?? 'Time' },
      `unrecognised backtrader intraday header: ${lines[0]}`
    );
  }
  const rows: RawBar[] = [];
  const stamps: Nanos[] = [];
  const lineNos: number[] = [];
  const rounded = { n: 0 };
  for (const { line, text } of dataLines(lines, 1)) {
    const r = validateRow(btRowSchema, csvRecord(text, columns, file, line), file, line);
    const [y, m, d] = r.Date.split('-').map(Number) as [number, number, number];
    const [hh, mm, ss] = r.Time.split(':').map(Number) as [number, number, number];
    const px = (col: 'Open' | 'High' | 'Low' | 'Close') =>
      cellValue({ file, line, column: col }, r[col], () => priceTextToTicks(inst, r[col]));
    stamps.push(wallToNs(tz, y, m, d, hh * 60 + mm, ss));
    lineNos.push(line);
    rows.push({
      tsOpen: 0n,
      tsEvent: 0n,
      open: px('Open'),
      high: px('High'),
      low: px('Low'),
      close: px('Close'),
      volume: cellValue({ file, line, column: 'Volume' }, r.Volume, () =>
        qtyTextToLots(inst, r.Volume, rounded)
      ),
      flags: 0
    });
  }
  if (rounded.n > 0) warnings.push(roundedWarning(file, rounded.n, inst));
  const tf = opts.timeframe ? parseTimeframe(opts.timeframe) : inferTimeframe(stamps, file);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    r.tsEvent = stamps[i]!;
    r.tsOpen = r.tsEvent - tf.ns;
    checkBar(r, rows[i - 1], file, lineNos[i]!, 'Time');
  }
  return { timeframe: tf, cols: toColumns(rows), warnings };
}

/** The smallest positive step between consecutive stamps; undefined when there is none. */
export function smallestStep(stamps: readonly Nanos[]): Nanos | undefined {
  let min: Nanos | undefined;
  for (let i = 1; i < stamps.length; i++) {
    const d = stamps[i]! - stamps[i - 1]!;
    if (d > 0n && (min === undefined || d < min)) min = d;
  }
  return min;
}

/** The smallest positive step between consecutive stamps, as a timeframe. */
export function inferTimeframe(stamps: readonly Nanos[], file: string): Timeframe {
  const min = smallestStep(stamps);
  if (min === undefined) {
    throw new TradestateError(
      ErrorCode.DATA_INVALID,
      `${file}: cannot infer the timeframe from fewer than two rows`,
      {
        file
      }
    );
  }
  if (min >= 20n * 60n * 60n * NS_PER_SEC) return parseTimeframe('1d');
  if (min % (60n * NS_PER_SEC) !== 0n) {
    throw new TradestateError(ErrorCode.DATA_INVALID, `${file}: bar step ${min} ns is not whole minutes`, {
      file
    });
  }
  const minutes = Number(min / (60n * NS_PER_SEC));
  return parseTimeframe(minutes % 60 === 0 ? `${minutes / 60}h` : `${minutes}m`);
}

// ------------------------------------------------------------------ crypto minute bars

const binanceRowSchema = z.object({
  open_time: z
    .string()
    .regex(
      /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/,
      'expected a timestamp with zone'
    ),
  open: dec,
  high: dec,
  low: dec,
  close: dec,
  volume: z.string().regex(/^\d+(?:\.\d+)?(?:[eE][+-]?\d{1,3})?$/, 'expected a non-negative decimal volume')
});
const KRAKEN_COLUMNS = ['time', 'open', 'high', 'low', 'close', 'volume', 'trades'] as const;
const krakenRowSchema = z.object({
  time: z.string().regex(/^\d{9,11}$/, 'expected unix seconds'),
  open: dec,
  high: dec,
  low: dec,
  close: dec,
  volume: z.string().regex(/^\d+(?:\.\d+)?(?:[eE][+-]?\d{1,3})?$/, 'expected a non-negative decimal volume'),
  trades: z.string().regex(UINT_RE, 'expected an integer trade count')
});

/**
 * Crypto 1-minute bars, two layouts: Binance (`open_time,open,high,low,close,volume`, zone-aware
 * timestamps of the bar OPEN) and Kraken OHLC without a header (`unix_seconds,o,h,l,c,volume,trades`,
 * also the bar open; bars exist only for minutes with trades — gaps are left to the cleaning step).
 * Volumes finer than the instrument's lot are rounded half-even to the lot (counted in a warning):
 * BTC at a 0.01 tick cannot have a 1e-8 lot under the 1e-8 money scale. Blank lines are skipped.
 */
export function parseCryptoMinuteCsv(
  text: string,
  inst: Instrument,
  opts: { file?: string } = {}
): ImportedBars {
  const file = opts.file ?? '<crypto-csv>';
  const lines = splitLines(text);
  const warnings: string[] = [];
  const headerless = /^\d/.test(lines[0] ?? '');
  const cols = headerless ? KRAKEN_COLUMNS : (lines[0] ?? '').split(',').map((h) => h.trim());
  if (!headerless && cols.join(',') !== 'open_time,open,high,low,close,volume') {
    throw dataError(
      { file, line: 1, column: cols[0] ?? 'open_time' },
      `unrecognised crypto header: ${lines[0]}`
    );
  }
  const rows: RawBar[] = [];
  const rounded = { n: 0 };
  const tf = parseTimeframe('1m');
  for (const { line, text } of dataLines(lines, headerless ? 0 : 1)) {
    const rec = csvRecord(text, cols, file, line);
    let tsOpen: Nanos;
    let tsColumn: string;
    if (headerless) {
      const r = validateRow(krakenRowSchema, rec, file, line);
      tsOpen = BigInt(r.time) * NS_PER_SEC;
      tsColumn = 'time';
    } else {
      const r = validateRow(binanceRowSchema, rec, file, line);
      tsOpen = nsFromIso(r.open_time.replace(' ', 'T'));
      tsColumn = 'open_time';
    }
    const conv = (col: string, f: () => number) => cellValue({ file, line, column: col }, rec[col], f);
    const r: RawBar = {
      tsOpen,
      tsEvent: tsOpen + tf.ns,
      open: conv('open', () => priceTextToTicks(inst, rec.open!)),
      high: conv('high', () => priceTextToTicks(inst, rec.high!)),
      low: conv('low', () => priceTextToTicks(inst, rec.low!)),
      close: conv('close', () => priceTextToTicks(inst, rec.close!)),
      volume: conv('volume', () => qtyTextToLots(inst, rec.volume!, rounded)),
      flags: 0
    };
    checkBar(r, rows[rows.length - 1], file, line, tsColumn);
    rows.push(r);
  }
  if (rounded.n > 0) warnings.push(roundedWarning(file, rounded.n, inst));
  return { timeframe: tf, cols: toColumns(rows), warnings };
}

// ------------------------------------------------------------------ SPY (yfinance)

const YF_COLUMNS = [
  'Open',
  'High',
  'Low',
  'Close',
  'Volume',
  'Dividends',
  'Stock Splits',
  'Capital Gains',
  'Repaired?'
];
const yfRowSchema = z.object({
  Datetime: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/, 'expected YYYY-MM-DD HH:MM:SS±HH:MM'),
  Open: dec,
  High: dec,
  Low: dec,
  Close: dec,
  Volume: z.string().regex(UINT_RE, 'expected an integer volume'),
  Dividends: dec,
  'Stock Splits': dec,
  'Capital Gains': dec,
  'Repaired?': z.enum(['True', 'False', ''])
});

/**
 * yfinance CSV (`Datetime|Date,Open,High,Low,Close,Volume,Dividends,Stock Splits,Capital Gains,Repaired?`)
 * with New York timestamps carrying their UTC offset (−04:00 / −05:00): the offset in the text is applied,
 * so the result is UTC whatever the DST. Stamps are bar OPENS. Intraday rows outside 09:30–16:00 are
 * flagged EXTENDED_HOURS (pre-market from 04:00, after hours to 20:00; {@link nyseSessionFlag}); daily rows
 * become NYSE sessions like {@link parseYahooCsv}. Float prices (dividend-adjusted, e.g. 585.787427959006) go
 * to the nearest tick; volumes (shares) to the instrument's lot, rounding counted in a warning. Blank lines are
 * skipped. An empty `Repaired?` (the last row of the 1-minute file) is accepted.
 */
export function parseYfinanceCsv(
  text: string,
  inst: Instrument,
  opts: { file?: string; timeframe?: string } = {}
): ImportedBars {
  const file = opts.file ?? '<yfinance-csv>';
  const lines = splitLines(text);
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  if (
    !(header[0] === 'Datetime' || header[0] === 'Date') ||
    header.slice(1).join(',') !== YF_COLUMNS.join(',')
  ) {
    throw dataError(
      { file, line: 1, column: header[0] ?? 'Datetime' },
      `unrecognised yfinance header: ${lines[0]}`
    );
  }
  const names = ['Datetime', ...YF_COLUMNS];
  const rounded = { n: 0 };
  const parsed: {
    line: number;
    ts: Nanos;
    date: string;
    bar: Omit<RawBar, 'tsOpen' | 'tsEvent' | 'flags'>;
  }[] = [];
  for (const { line, text } of dataLines(lines, 1)) {
    const r = validateRow(yfRowSchema, csvRecord(text, names, file, line), file, line);
    const px = (col: 'Open' | 'High' | 'Low' | 'Close') =>
      cellValue({ file, line, column: col }, r[col], () => priceTextToTicks(inst, r[col]));
    parsed.push({
      line,
      ts: nsFromIso(r.Datetime.replace(' ', 'T')),
      date: r.Datetime.slice(0, 10),
      bar: {
        open: px('Open'),
        high: px('High'),
        low: px('Low'),
        close: px('Close'),
        volume: cellValue({ file, line, column: 'Volume' }, r.Volume, () =>
          qtyTextToLots(inst, r.Volume, rounded)
        )
      }
    });
  }
  const tf = opts.timeframe
    ? parseTimeframe(opts.timeframe)
    : inferTimeframe(
        parsed.map((p) => p.ts),
        file
      );
  const rows: RawBar[] = [];
  for (const p of parsed) {
    let r: RawBar;
    if (tf.intraday) {
      const tsEvent = p.ts + tf.ns;
      r = { ...p.bar, tsOpen: p.ts, tsEvent, flags: nyseSessionFlag(p.ts, tsEvent) };
    } else {
      const [y, m, d] = p.date.split('-').map(Number) as [number, number, number];
      const s = nyseSessionUtc(y, m, d);
      r = { ...p.bar, tsOpen: s.open, tsEvent: s.close, flags: 0 };
    }
    checkBar(r, rows[rows.length - 1], file, p.line, 'Datetime');
    rows.push(r);
  }
  return {
    timeframe: tf,
    cols: toColumns(rows),
    warnings: rounded.n > 0 ? [roundedWarning(file, rounded.n, inst)] : []
  };
}

/** Yahoo/backtrader daily with Adj Close, as {@link ImportedBars}. */
export function importYahooDaily(
  text: string,
  inst: Instrument,
  opts: { file?: string; adjust?: boolean } = {}
): ImportedBars {
  const bars = parseYahooCsv(text, inst, opts);
  const flags = new Uint8Array(bars.length).fill(opts.adjust ? BarFlag.ADJUSTED : 0);
  return { timeframe: parseTimeframe('1d'), cols: barsToColumns(bars, flags), warnings: [] };
}

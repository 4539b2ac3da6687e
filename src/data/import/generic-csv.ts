import { ErrorCode, TradestateError } from '../../core/errors.ts';
import type { Instrument } from '../../core/instrument.ts';
import { type Nanos, NS_PER_DAY, NS_PER_MIN, NS_PER_MS } from '../../core/nanos.ts';
import {
  cellValue,
  DECIMAL_RE,
  dataError,
  dataLines,
  priceTextToTicks,
  splitCsvLine,
  splitLines
} from '../csv.ts';
import { nyseSessionUtc } from '../nyse-calendar.ts';
import { parseTimeframe, type Timeframe } from '../timeframe.ts';
import {
  checkBar,
  type ImportedBars,
  inferTimeframe,
  nyseSessionFlag,
  plainDecimal,
  qtyTextToLots,
  type RawBar,
  roundedWarning,
  type SourceTz,
  smallestStep,
  toColumns,
  wallToNs
} from './bar-files.ts';

/** Units of integer epoch stamps. */
export const EPOCH_UNITS = ['s', 'ms', 'us', 'ns'] as const;
export type EpochUnit = (typeof EPOCH_UNITS)[number];

/** Options of {@link parseGenericCsv}. */
export interface GenericCsvOptions {
  /** The file's name, for errors. */
  readonly file?: string;
  /** Wall-clock zone of stamps written without one (default UTC). A stamp with `Z` or an offset is exact. */
  readonly tz?: SourceTz;
  /** Whether a stamp is the bar's open (default) or its close; daily bars are dated either way. */
  readonly stamp?: 'open' | 'close';
  /**
   * Unit of integer epoch stamps (default: by magnitude: below 10^11 seconds, 10^14 ms, 10^17 µs, else ns —
   * each unit read so from 1973-03-03 on).
   */
  readonly timeUnit?: EpochUnit;
  /** The bars' width (default: the smallest step between stamps; minutes to a day). */
  readonly timeframe?: string;
  /**
   * `nyse` (default `24x7`): a daily bar spans its date's NYSE session and intraday bars holding no minute of a
   * 09:30–16:00 New York session are flagged extended-hours ({@link nyseSessionFlag}); `24x7`: a daily bar spans
   * its UTC day.
   */
  readonly calendar?: 'nyse' | '24x7';
}

/** Names of a column holding the whole stamp (a `date` and a `time` column together are read as one only without these). */
const STAMP_NAMES = ['timestamp', 'datetime', 'open_time', 'ts'] as const;

/** Header names each column answers to (compared lower-case, without quotes, spaces, `_` or MetaTrader's `<>`). */
const ALIASES = {
  time: [...STAMP_NAMES, 'time', 'date', 't'],
  open: ['open', 'o'],
  high: ['high', 'h'],
  low: ['low', 'l'],
  close: ['close', 'c', 'last'],
  volume: ['volume', 'vol', 'v']
} as const;
type Field = keyof typeof ALIASES;

const normalise = (h: string): string => h.toLowerCase().replace(/[<>\s_"]/g, '');

/** Where each field sits in a row, and the columns nobody reads. */
interface Layout {
  readonly delim: string;
  readonly header: readonly string[];
  /** The stamp column, or the date column of a date + time pair. */
  readonly time: number;
  /** The time-of-day column of a date + time pair. */
  readonly timeOfDay: number | undefined;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number | undefined;
  readonly ignored: readonly string[];
}

function layoutOf(headerLine: string, file: string): Layout {
  const delim = [';', '\t', ','].find((d) => headerLine.includes(d)) ?? ',';
  const header = splitCsvLine(headerLine, delim).map((h) => h.trim());
  const names = header.map(normalise);
  const find = (f: Field): number | undefined => {
    for (const a of ALIASES[f]) {
      const i = names.indexOf(normalise(a));
      if (i >= 0) return i;
    }
    return undefined;
  };
  const date = names.indexOf('date');
  const tod = names.indexOf('time');
  const pair = date >= 0 && tod >= 0 && !STAMP_NAMES.some((a) => names.includes(normalise(a)));
  const time = pair ? date : find('time');
  const need = (f: Exclude<Field, 'time' | 'volume'>): number => {
    const i = find(f);
    if (i === undefined) {
      throw dataError(
        { file, line: 1, column: f },
        `no ${f} column in the header (${header.join(delim)}); expected one of ${ALIASES[f].join(', ')}`
      );
    }
    return i;
  };
  if (time === undefined) {
    throw dataError(
      { file, line: 1, column: 'time' },
      `no time column in the header (${header.join(delim)}); expected one of ${ALIASES.time.join(', ')}, or date and time`
    );
  }
  const l = {
    delim,
    header,
    time,
    timeOfDay: pair ? tod : undefined,
    open: need('open'),
    high: need('high'),
    low: need('low'),
    close: need('close'),
    volume: find('volume')
  };
  const used = new Set([l.time, l.timeOfDay, l.open, l.high, l.low, l.close, l.volume]);
  return { ...l, ignored: header.filter((_, i) => !used.has(i)) };
}

/** A stamp read from a row: its instant, and the calendar date it names when it is text. */
interface Stamp {
  readonly ns: Nanos;
  /** `[y, m, d]` as written (text stamps); none for an epoch stamp (its UTC date, {@link utcDate}, when needed). */
  readonly date?: readonly [number, number, number];
  readonly dateOnly: boolean;
}

const DATE_RE = /^(\d{4})[-./](\d{2})[-./](\d{2})$/;
const COMPACT_DATE_RE = /^(\d{4})(\d{2})(\d{2})$/;
const DATETIME_RE =
  /^(\d{4})[-./](\d{2})[-./](\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/;
/** An epoch's unit by its magnitude: each unit's values from 1973-03-03 (10^8 s) fall in its band. */
function epochUnit(digits: number): EpochUnit {
  return digits <= 11 ? 's' : digits <= 14 ? 'ms' : digits <= 17 ? 'us' : 'ns';
}
const EPOCH_NS: Readonly<Record<EpochUnit, bigint>> = {
  s: 1_000_000_000n,
  ms: 1_000_000n,
  us: 1_000n,
  ns: 1n
};

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
}

function utcDate(ns: Nanos): [number, number, number] {
  const t = new Date(Number((ns - (((ns % NS_PER_DAY) + NS_PER_DAY) % NS_PER_DAY)) / NS_PER_MS));
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

/** Read one stamp (see {@link parseGenericCsv}); a message saying what is wrong, never a throw. */
function parseStamp(text: string, o: GenericCsvOptions): Stamp | string {
  if (/^\d+$/.test(text)) {
    const compact = text.length === 8 && o.timeUnit === undefined ? COMPACT_DATE_RE.exec(text) : null;
    if (compact) return dateStamp(Number(compact[1]), Number(compact[2]), Number(compact[3]));
    const unit = o.timeUnit ?? epochUnit(text.replace(/^0+(?=\d)/, '').length);
    const ns = BigInt(text) * EPOCH_NS[unit];
    return inRange({ ns, dateOnly: false });
  }
  const d = DATE_RE.exec(text);
  if (d) return dateStamp(Number(d[1]), Number(d[2]), Number(d[3]));
  const m = DATETIME_RE.exec(text);
  if (!m) {
    return 'expected an ISO-8601 date or date-time (YYYY-MM-DD[ HH:MM[:SS[.fff]]][Z|±HH:MM]) or an integer epoch';
  }
  const [y, mo, day, hh, mm] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const ss = Number(m[6] ?? 0);
  if (!validDate(y!, mo!, day!) || hh! > 23 || mm! > 59 || ss > 59) return 'not a valid date and time';
  const frac = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  const zone = m[8];
  // a stated offset: the wall clock read as UTC, less the offset; none: the wall clock in the file's zone
  const wall =
    wallToNs(zone === undefined ? (o.tz ?? 'UTC') : 'UTC', y!, mo!, day!, hh! * 60 + mm!, ss) + frac;
  const offset =
    zone === undefined || zone === 'Z'
      ? 0
      : (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
  const ns = wall - BigInt(offset) * NS_PER_MIN;
  return inRange({ ns, date: [y!, mo!, day!], dateOnly: false });
}

/** Stamps the store's signed 64-bit nanoseconds hold, with room: 1900 to 2261. */
const MIN_NS = -2_208_988_800n * 1_000_000_000n;
const MAX_NS = 9_200_000_000n * 1_000_000_000n;

function inRange(s: Stamp): Stamp | string {
  return s.ns >= MIN_NS && s.ns <= MAX_NS ? s : 'out of range: stamps from 1900 to 2261';
}

function dateStamp(y: number, m: number, d: number): Stamp | string {
  if (!validDate(y, m, d)) return 'not a valid date';
  return inRange({ ns: BigInt(Date.UTC(y, m - 1, d)) * NS_PER_MS, date: [y, m, d], dateOnly: true });
}

/** A cell's number text: unquoted, a decimal comma read as a point (`;` and tab files), exponents expanded. */
function numberText(cell: string, delim: string): string {
  const t = cell.trim();
  return plainDecimal(delim !== ',' && /^\d+,\d+$/.test(t) ? t.replace(',', '.') : t);
}

/**
 * OHLCV bars from a CSV file of any common layout — your own data, a broker's or an exchange's export, pandas'
 * `to_csv`, MetaTrader's `<DATE>`/`<TIME>` columns — one instrument per file, into {@link ImportedBars}.
 *
 * - **Header** (required): the columns in any order, found by name, case-insensitive: a stamp (`timestamp`,
 *   `datetime`, `open_time`, `ts`, `time`, `date` or `t`, or a `date` and a `time` column together), `open`/`o`,
 *   `high`/`h`, `low`/`l`, `close`/`c`/`last`, and optionally `volume`/`vol`/`v` (without one, volumes are 0).
 *   Other columns (`Adj Close`, `OpenInterest`, …) are ignored, and a warning names them.
 * - **Delimiter**: `,`, `;` or tab, as the header uses; a cell may be double-quoted; with `;` or tab a decimal
 *   comma (`3578,73`) is read as a point.
 * - **Stamps**: ISO-8601 date-times with `Z` or an offset are exact; without one they are wall time in `tz`
 *   (default UTC; America/New_York and Europe/Berlin apply their daylight-saving rules); `YYYY-MM-DD` (also with
 *   `.` or `/`, or `YYYYMMDD`) is a date; another integer is an epoch in `timeUnit`, by default by its magnitude
 *   (below 10^11 seconds, below 10^14 ms, below 10^17 µs, else ns: right for any stamp from 1973-03-03 on).
 *   Stamps before 1900 or after 2261 are refused. A stamp is the bar's open unless `stamp` is `close`.
 * - **Bars**: the timeframe is the smallest step between stamps unless given (whole minutes up to a day; a
 *   week or more is refused: import daily bars and let the strategy's timeframe resample them). A daily bar spans
 *   its date's session on the `calendar` (the NYSE session, or the UTC day). Prices go to the instrument's tick
 *   (exactly when on it, else the nearest), volumes to its lot (rounding counted in a warning).
 * - **Order**: rows must be in strictly ascending time, or strictly descending (newest first, as many
 *   downloads are), which is reversed with a warning. Blank lines are skipped.
 *
 * Anything else is a `TRD_ERR_DATA_INVALID` naming the file, line and column.
 */
export function parseGenericCsv(text: string, inst: Instrument, o: GenericCsvOptions = {}): ImportedBars {
  const file = o.file ?? '<csv>';
  const lines = splitLines(text);
  if (lines.length === 0) throw dataError({ file, line: 1, column: '(header)' }, 'empty file');
  const l = layoutOf(lines[0]!, file);
  const warnings: string[] = [];
  if (l.ignored.length > 0) warnings.push(`${file}: ignored columns ${l.ignored.join(', ')}`);
  if (l.volume === undefined) warnings.push(`${file}: no volume column; volumes are 0`);
  const rounded = { n: 0 };
  const rows: { line: number; stamp: Stamp; bar: Omit<RawBar, 'tsOpen' | 'tsEvent' | 'flags'> }[] = [];
  for (const { line, text } of dataLines(lines, 1)) {
    const cells = splitCsvLine(text, l.delim);
    if (cells.length !== l.header.length) {
      throw dataError(
        { file, line, column: l.header[cells.length] ?? '(row)' },
        `expected ${l.header.length} columns, got ${cells.length}`,
        text
      );
    }
    const cell = (i: number) => cells[i]!.trim();
    const stampText = l.timeOfDay === undefined ? cell(l.time) : `${cell(l.time)} ${cell(l.timeOfDay)}`;
    const stamp = parseStamp(stampText, o);
    if (typeof stamp === 'string')
      throw dataError({ file, line, column: l.header[l.time]! }, stamp, stampText);
    const num = (col: number, what: 'price' | 'volume'): number => {
      const t = numberText(cells[col]!, l.delim);
      const column = l.header[col]!;
      if (!DECIMAL_RE.test(t))
        throw dataError({ file, line, column }, `expected a non-negative decimal ${what}`, t);
      return cellValue({ file, line, column }, t, () =>
        what === 'price' ? priceTextToTicks(inst, t) : qtyTextToLots(inst, t, rounded)
      );
    };
    rows.push({
      line,
      stamp,
      bar: {
        open: num(l.open, 'price'),
        high: num(l.high, 'price'),
        low: num(l.low, 'price'),
        close: num(l.close, 'price'),
        volume: l.volume === undefined ? 0 : num(l.volume, 'volume')
      }
    });
  }
  if (rows.length > 1 && rows.every((r, k) => k === 0 || r.stamp.ns < rows[k - 1]!.stamp.ns)) {
    rows.reverse();
    warnings.push(`${file}: rows were newest first; read oldest first`);
  }
  const tf = timeframeOf(
    rows.map((r) => r.stamp.ns),
    o.timeframe,
    file
  );
  if (tf.intraday && rows.some((r) => r.stamp.dateOnly)) {
    const r = rows.find((x) => x.stamp.dateOnly)!;
    throw dataError(
      { file, line: r.line, column: l.header[l.time]! },
      `a date without a time in ${tf.label} bars`,
      (r.stamp.date ?? utcDate(r.stamp.ns)).join('-')
    );
  }
  const nyse = o.calendar === 'nyse';
  const out: RawBar[] = [];
  for (const { line, stamp, bar } of rows) {
    let r: RawBar;
    if (tf.intraday) {
      const tsOpen = o.stamp === 'close' ? stamp.ns - tf.ns : stamp.ns;
      const tsEvent = tsOpen + tf.ns;
      r = { ...bar, tsOpen, tsEvent, flags: nyse ? nyseSessionFlag(tsOpen, tsEvent) : 0 };
    } else {
      const [y, m, d] = stamp.date ?? utcDate(stamp.ns);
      const day = BigInt(Date.UTC(y, m - 1, d)) * NS_PER_MS;
      const s = nyse ? nyseSessionUtc(y, m, d) : { open: day, close: day + NS_PER_DAY };
      r = { ...bar, tsOpen: s.open, tsEvent: s.close, flags: 0 };
    }
    checkBar(r, out[out.length - 1], file, line, l.header[l.time]!);
    out.push(r);
  }
  if (rounded.n > 0) warnings.push(roundedWarning(file, rounded.n, inst));
  return { timeframe: tf, cols: toColumns(out), warnings };
}

/** The given timeframe, or the one the stamps step by: whole minutes up to a day. */
function timeframeOf(stamps: readonly Nanos[], given: string | undefined, file: string): Timeframe {
  const tf = given !== undefined ? parseTimeframe(given) : inferTimeframe(stamps, file);
  const step = smallestStep(stamps);
  const wide = given !== undefined ? tf.ns > NS_PER_DAY : step !== undefined && step >= 6n * NS_PER_DAY;
  if (wide || tf.unit === 's') {
    throw new TradestateError(
      ErrorCode.DATA_INVALID,
      `${file}: ${wide ? 'bars wider than a day' : 'bars of seconds'} are not imported; import minute or daily bars and let the strategy's timeframe resample them`,
      { file, timeframe: given ?? null }
    );
  }
  return tf;
}

import { z } from 'zod';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Instrument, qtyToLots } from '../core/instrument.ts';
import type { Bar } from '../messages/market-data.ts';
import {
  cellValue,
  csvRecord,
  DECIMAL_RE,
  dataError,
  priceTextToTicks,
  scaledPriceToTicks,
  splitLines,
  UINT_RE,
  validateRow
} from './csv.ts';
import { nyseSessionUtc } from './nyse-calendar.ts';

/** The backtrader/Yahoo daily layout, exactly. */
export const YAHOO_COLUMNS = ['Date', 'Open', 'High', 'Low', 'Close', 'Adj Close', 'Volume'] as const;

const price = z.string().regex(DECIMAL_RE, 'expected a plain non-negative decimal price');

/** One Yahoo daily row, as text, before conversion. */
export const yahooRowSchema = z.object({
  Date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
    }, 'not a calendar date'),
  Open: price,
  High: price,
  Low: price,
  Close: price.refine((s) => Number(s) > 0, 'Close must be positive'),
  'Adj Close': price,
  Volume: z.string().regex(UINT_RE, 'expected a non-negative integer volume')
});

export interface YahooCsvOptions {
  /**
   * Scale Open/High/Low/Close by `Adj Close / Close` (dividends and splits; Close becomes Adj Close).
   * Volume is left as is: Yahoo's Close and Volume are already split-adjusted, the ratio carries dividends.
   */
  readonly adjust?: boolean;
  /** File name for error messages. */
  readonly file?: string;
}

/**
 * Parse a backtrader/Yahoo daily CSV (`Date,Open,High,Low,Close,Adj Close,Volume`) into bars for `inst`.
 * Each bar spans the NYSE regular session of its date: `tsOpen` = 09:30 New York, `tsEvent` = the close
 * (16:00, or 13:00 on an early-close day) in UTC, DST-aware. Prices become integer ticks (exact when the
 * text is on the tick, else the nearest tick). Rows must be strictly ascending by date; any bad value
 * throws `TRD_ERR_DATA_INVALID` naming the file, line and column.
 */
export function parseYahooCsv(text: string, inst: Instrument, opts: YahooCsvOptions = {}): Bar[] {
  const file = opts.file ?? '<yahoo-csv>';
  const lines = splitLines(text);
  if (lines.length === 0) throw new TradestateError(ErrorCode.DATA_INVALID, `${file}: empty file`, { file });
  const header = lines[0]!.split(',').map((h) => h.trim());
  for (let c = 0; c < YAHOO_COLUMNS.length || c < header.length; c++) {
    if (header[c] !== YAHOO_COLUMNS[c]) {
      throw dataError(
        { file, line: 1, column: YAHOO_COLUMNS[c] ?? header[c] ?? `#${c + 1}` },
        `header must be ${YAHOO_COLUMNS.join(',')}, got ${lines[0]}`,
        header[c]
      );
    }
  }
  const bars: Bar[] = [];
  let prevDate = '';
  for (let i = 1; i < lines.length; i++) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    if (raw.trim() === '') continue;
    const rec = csvRecord(raw, YAHOO_COLUMNS, file, lineNo);
    const row = validateRow(yahooRowSchema, rec, file, lineNo);
    if (row.Date <= prevDate) {
      throw dataError(
        { file, line: lineNo, column: 'Date' },
        `dates must be strictly ascending (${row.Date} after ${prevDate})`,
        row.Date
      );
    }
    prevDate = row.Date;
    const conv = <T>(column: string, f: () => T): T =>
      cellValue({ file, line: lineNo, column }, rec[column], f);
    const px = (column: 'Open' | 'High' | 'Low' | 'Close'): number =>
      conv(column, () =>
        opts.adjust
          ? scaledPriceToTicks(inst, row[column], row['Adj Close'], row.Close)
          : priceTextToTicks(inst, row[column])
      );
    const open = px('Open');
    const high = px('High');
    const low = px('Low');
    const close = px('Close');
    if (high < Math.max(open, close, low)) {
      throw dataError({ file, line: lineNo, column: 'High' }, 'High is below Open, Close or Low', row.High);
    }
    if (low > Math.min(open, close)) {
      throw dataError({ file, line: lineNo, column: 'Low' }, 'Low is above Open or Close', row.Low);
    }
    const volume = conv('Volume', () => qtyToLots(inst, row.Volume));
    const [y, m, d] = row.Date.split('-').map(Number) as [number, number, number];
    const session = conv('Date', () => nyseSessionUtc(y, m, d));
    bars.push({
      type: 'market.bar',
      instrumentId: inst.id,
      tsOpen: session.open,
      tsEvent: session.close,
      tsInit: session.close,
      open,
      high,
      low,
      close,
      volume
    });
  }
  return bars;
}

import type { z } from 'zod';
import { divRoundHalfEven, parseDecimal, pow10 } from '../core/decimal.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { type Instrument, priceToTicksRounded } from '../core/instrument.ts';

/** Where a bad value sits: the file, its 1-based line in the file (header = line 1) and the column. */
export interface CellRef {
  readonly file: string;
  readonly line: number;
  readonly column: string;
}

/** A `TRD_ERR_DATA_INVALID` naming the file, row (line) and column. */
export function dataError(ref: CellRef, message: string, value?: unknown): TradestateError {
  return new TradestateError(
    ErrorCode.DATA_INVALID,
    `${ref.file}:${ref.line} column ${ref.column}: ${message}`,
    { file: ref.file, row: ref.line, line: ref.line, column: ref.column, value }
  );
}

/** `f()`, the conversion of a cell's text; its failure becomes a `TRD_ERR_DATA_INVALID` naming the cell. */
export function cellValue<T>(ref: CellRef, text: unknown, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw dataError(ref, (e as Error).message, text);
  }
}

/** Split text into lines (LF or CRLF), dropping a UTF-8 BOM and trailing blank lines. */
export function splitLines(text: string): string[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lines = body.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  return lines;
}

/**
 * The lines of `lines` from index `from` on that hold anything but whitespace, each with its 1-based line number
 * in the file (so errors name the file's line even after skipped blank lines).
 */
export function* dataLines(lines: readonly string[], from = 0): Generator<{ line: number; text: string }> {
  for (let i = from; i < lines.length; i++) {
    const text = lines[i]!;
    if (text.trim() !== '') yield { line: i + 1, text };
  }
}

/**
 * One comma-separated data line as a record of column name → trimmed cell. A line with another number of cells is
 * a `TRD_ERR_DATA_INVALID` naming the first column it lacks (the last column when it has too many) and holding
 * the line.
 */
export function csvRecord(
  text: string,
  columns: readonly string[],
  file: string,
  line: number
): Record<string, string> {
  const cells = text.split(',');
  if (cells.length !== columns.length) {
    throw dataError(
      { file, line, column: columns[Math.min(cells.length, columns.length - 1)]! },
      `expected ${columns.length} columns, got ${cells.length}`,
      text
    );
  }
  const rec: Record<string, string> = {};
  for (let c = 0; c < columns.length; c++) rec[columns[c]!] = cells[c]!.trim();
  return rec;
}

/** One CSV cell as written: empty for null or undefined, quoted (quotes doubled) when it holds `"`, `,` or a newline. */
export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * One CSV line's cells split on `delim`, honouring double quotes: a quoted cell may hold the delimiter, and `""`
 * inside quotes is one quote. Cells are not trimmed.
 */
export function splitCsvLine(line: string, delim: string): string[] {
  if (!line.includes('"')) return line.split(delim);
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch !== '"') cell += ch;
      else if (line[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === delim) {
      cells.push(cell);
      cell = '';
    } else cell += ch;
  }
  cells.push(cell);
  return cells;
}

/** Plain non-negative decimal (what CSV prices look like), e.g. `37.840000`. */
export const DECIMAL_RE = /^\d+(?:\.\d+)?$/;
/** Plain non-negative integer. */
export const UINT_RE = /^\d+$/;

/**
 * Validate one parsed row (an object keyed by column name) with a zod schema; the first issue
 * becomes a `TRD_ERR_DATA_INVALID` naming the file, line and column.
 */
export function validateRow<S extends z.ZodType>(
  schema: S,
  row: Record<string, string>,
  file: string,
  line: number
): z.output<S> {
  const r = schema.safeParse(row);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const column = issue.path.length > 0 ? String(issue.path[0]) : '(row)';
  throw dataError({ file, line, column }, issue.message, row[column]);
}

/**
 * A decimal price text to integer ticks: exact when the text is on the tick, otherwise the nearest tick, ties
 * to even, computed on the decimal itself ({@link priceToTicksRounded}; never through a float, where "10.025"
 * is 10.0249999…).
 */
export function priceTextToTicks(inst: Instrument, text: string): number {
  return priceToTicksRounded(inst, text).ticks;
}

/**
 * `price × num / den` in ticks, exactly, rounded half-even — for corporate-action adjustment where
 * `num/den` is e.g. Adj Close / Close, all given as decimal texts.
 */
export function scaledPriceToTicks(inst: Instrument, price: string, num: string, den: string): number {
  const p = parseDecimal(price);
  const n = parseDecimal(num);
  const d = parseDecimal(den);
  if (d.mantissa === 0n) {
    throw new TradestateError(ErrorCode.NUMBER_INVALID, 'adjustment ratio with a zero denominator', { den });
  }
  // ticks = p/10^ps * n/10^ns / (d/10^ds) / (t/10^ts)
  const numer = p.mantissa * n.mantissa * pow10(d.scale + inst.tick.scale);
  const denom = d.mantissa * inst.tick.mantissa * pow10(p.scale + n.scale);
  const q = divRoundHalfEven(numer, denom);
  if (q > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `adjusted price out of range: ${q}`);
  }
  return Number(q);
}

import { parseArgs } from 'node:util';
import { type CliIo, EXIT_OK, EXIT_USAGE, reportFailure } from '../cli/io.ts';
import { ErrorCode } from '../core/errors.ts';
import { lotsToQty, makeInstrument, ticksToPrice } from '../core/instrument.ts';
import { isoFromNs } from '../core/nanos.ts';
import { getBars } from './access.ts';
import { DECIMAL_RE } from './csv.ts';
import { SOURCE_TZS, type SourceTz } from './import/bar-files.ts';
import { EPOCH_UNITS, type EpochUnit } from './import/generic-csv.ts';
import { IMPORT_FORMATS, type ImportFormat, importFile } from './import/index.ts';
import { ParquetStore } from './store.ts';
import { DEFAULT_STORE } from './store-layout.ts';
import { parseTimeArg, parseTimeframe } from './timeframe.ts';

/** Where the data commands write: the CLI's streams, without the raw stdout. */
export type DataCliIo = Pick<CliIo, 'out' | 'err' | 'isTTY'>;

/** Imports of at least this many rows draw a progress bar on a terminal. */
export const PROGRESS_MIN_ROWS = 10_000;

const HELP = {
  data: `Usage: tradestate data <command> [options]

Commands:
  import <file> --format <fmt> --symbol <SYM>   parse, clean and store a file
  ls                                            list what the store holds
  get --symbol <SYM> --from <t> --to <t>        print bars as CSV

Run 'tradestate data <command> --help' for a command's options.`,
  import: `Usage: tradestate data import <file> --format ${IMPORT_FORMATS.join('|')} --symbol <SYM> [options]

Options:
  --format <fmt>     csv (any OHLCV CSV with a header, below), yahoo (Date,Open,High,Low,Close,Adj Close,Volume),
                     backtrader-min (Date,Time,…; repairs the 7-name header of 8-column rows), crypto (Binance
                     or Kraken 1m), spy (yfinance with UTC offsets, extended hours flagged), lobster (message
                     file → L3 events)
  --symbol <SYM>     symbol to store under
  --store <dir>      store directory (default ${DEFAULT_STORE})
  --adjust           yahoo: scale OHLC by Adj Close / Close
  --fill <policy>    gaps: none (flag, default) | forward-fill | skip
  --tz <zone>        wall clock of stamps without a zone: UTC (csv default) | America/New_York |
                     Europe/Berlin (backtrader-min default)
  --date <day>       lobster: trading date when not in the file name
  --tick <size>      tick size (default 0.01; lobster 0.0001)      --lot <size>   lot size (format default)
  --venue <venue>    venue (format default)
  -h, --help         this help

csv: columns in any order, by name (any case): a stamp (timestamp, datetime, open_time, ts, time, date or t;
or date and time columns), open|o, high|h, low|l, close|c|last, and volume|vol|v (optional); others are
ignored. Delimiter , ; or tab (a decimal comma with ; or tab); quoted cells. Stamps: ISO-8601 (with Z or
an offset: exact; without: wall time in --tz), a date (YYYY-MM-DD, YYYY.MM.DD, YYYYMMDD: daily bars), or an
integer epoch. Rows ascending, or newest first (reversed).
  --stamp open|close     a stamp is the bar's open (default) or its close
  --time-unit <u>        integer stamps in s | ms | us | ns (default: by digits: 10 s, 13 ms, 16 µs, 19 ns)
  --timeframe <tf>       bar width, e.g. 5m (default: the smallest step between stamps; minutes to 1d)
  --calendar <c>         24x7 (default: a daily bar is its UTC day) | nyse (the NYSE session; intraday bars
                         outside 09:30–16:00 New York flagged extended hours)`,
  ls: `Usage: tradestate data ls [--store <dir>]

Lists every dataset and symbol in the store with partitions, rows and UTC time range.`,
  get: `Usage: tradestate data get --symbol <SYM>[,<SYM>…] --from <t> --to <t> [--timeframe <tf>] [--session <s>] [--store <dir>]

Prints bars (merged across symbols, resampled from finer bars when needed) as CSV:
instrument,ts_open,ts_event,open,high,low,close,volume. <t> is YYYY-MM-DD (an end date includes the whole
day), an ISO-8601 timestamp, or epoch nanoseconds.
  --timeframe <tf>   1m, 5m, 15m, 1h, 1d… (default 1d); a timeframe neither stored nor made from finer stored
                     bars fails before anything is printed
  --session <s>      NYSE symbols: regular (default: pre-market and after-hours bars left out, a daily bar is
                     the regular session) | all
  --store <dir>      store directory (default ${DEFAULT_STORE})`
} as const;

/** `tradestate data …`: returns the process exit code. */
export async function runDataCommand(argv: string[], io: DataCliIo): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd === undefined ? io.err : io.out)(HELP.data);
      return cmd === undefined ? EXIT_USAGE : EXIT_OK;
    }
    if (cmd === 'import') return await cmdImport(rest, io);
    if (cmd === 'ls') return await cmdLs(rest, io);
    if (cmd === 'get') return await cmdGet(rest, io);
    return usage(io, 'data', `unknown data command: ${cmd}`);
  } catch (e) {
    return reportFailure(e, `data ${cmd}`, io);
  }
}

/** Bad usage: the standard failure line (`TRD_ERR_CLI_USAGE`), then the command's help. */
function usage(io: DataCliIo, which: keyof typeof HELP, msg: string): number {
  const command = which === 'data' ? 'data' : `data ${which}`;
  io.err(`tradestate: ${command}: ${msg} [${ErrorCode.CLI_USAGE}]\n\n${HELP[which]}`);
  return EXIT_USAGE;
}

async function cmdImport(args: string[], io: DataCliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      symbol: { type: 'string' },
      store: { type: 'string' },
      adjust: { type: 'boolean' },
      fill: { type: 'string' },
      tz: { type: 'string' },
      date: { type: 'string' },
      tick: { type: 'string' },
      lot: { type: 'string' },
      venue: { type: 'string' },
      stamp: { type: 'string' },
      'time-unit': { type: 'string' },
      timeframe: { type: 'string' },
      calendar: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.out(HELP.import);
    return EXIT_OK;
  }
  const file = positionals[0];
  if (!file) return usage(io, 'import', 'missing <file>');
  if (!values.format || !(IMPORT_FORMATS as readonly string[]).includes(values.format)) {
    return usage(io, 'import', `--format must be one of ${IMPORT_FORMATS.join(', ')}`);
  }
  if (!values.symbol) return usage(io, 'import', 'missing --symbol');
  if (values.fill && !['none', 'forward-fill', 'skip'].includes(values.fill)) {
    return usage(io, 'import', '--fill must be none, forward-fill or skip');
  }
  if (values.tz && !(SOURCE_TZS as readonly string[]).includes(values.tz)) {
    return usage(io, 'import', '--tz must be Europe/Berlin, America/New_York or UTC');
  }
  const csvOnly = (['stamp', 'time-unit', 'timeframe', 'calendar'] as const).filter(
    (k) => values[k] !== undefined
  );
  if (values.format !== 'csv' && csvOnly.length > 0) {
    return usage(io, 'import', `--${csvOnly[0]} applies to --format csv only`);
  }
  if (values.stamp !== undefined && !['open', 'close'].includes(values.stamp)) {
    return usage(io, 'import', '--stamp must be open or close');
  }
  if (
    values['time-unit'] !== undefined &&
    !(EPOCH_UNITS as readonly string[]).includes(values['time-unit'])
  ) {
    return usage(io, 'import', `--time-unit must be one of ${EPOCH_UNITS.join(', ')}`);
  }
  if (values.calendar !== undefined && !['nyse', '24x7'].includes(values.calendar)) {
    return usage(io, 'import', '--calendar must be nyse or 24x7');
  }
  if (values.timeframe !== undefined) {
    try {
      parseTimeframe(values.timeframe);
    } catch (e) {
      return usage(io, 'import', `--timeframe: ${(e as Error).message}`);
    }
  }
  for (const [option, v] of [
    ['tick', values.tick],
    ['lot', values.lot]
  ] as const) {
    if (v !== undefined && !(DECIMAL_RE.test(v) && /[1-9]/.test(v)))
      return usage(io, 'import', `--${option} must be a positive decimal (0.01, 1), got "${v}"`);
  }
  const store = await ParquetStore.open(values.store ?? DEFAULT_STORE);
  let drawn = false;
  try {
    const meta: Record<string, string> = {};
    if (values.tick) meta.tickSize = values.tick;
    if (values.lot) meta.lotSize = values.lot;
    if (values.venue) meta.venue = values.venue;
    if (values.calendar) meta.calendar = values.calendar;
    const r = await importFile(store, file, {
      format: values.format as ImportFormat,
      symbol: values.symbol,
      meta,
      adjust: values.adjust ?? false,
      fill: (values.fill ?? 'none') as 'none',
      ...(values.tz ? { tz: values.tz as SourceTz } : {}),
      ...(values.date ? { date: values.date } : {}),
      csv: {
        ...(values.stamp ? { stamp: values.stamp as 'open' | 'close' } : {}),
        ...(values['time-unit'] ? { timeUnit: values['time-unit'] as EpochUnit } : {}),
        ...(values.timeframe ? { timeframe: values.timeframe } : {})
      },
      onProgress: (done, total) => {
        // a bar only on a terminal, and only for a long import (≥ PROGRESS_MIN_ROWS rows)
        if (!io.isTTY || total < PROGRESS_MIN_ROWS) return;
        drawn = true;
        const width = 30;
        const frac = Math.min(1, done / total);
        io.err(
          `\r${values.symbol} ${'█'.repeat(Math.round(frac * width)).padEnd(width, '░')} ${(frac * 100).toFixed(0).padStart(3)}%`
        );
      }
    });
    if (drawn) io.err('\n');
    for (const w of r.warnings) io.err(`warning: ${w}`);
    const extra = r.gaps
      ? `, ${r.gaps.gaps} gaps (${r.gaps.missing} missing intervals), ${r.outliers ?? 0} outliers flagged`
      : '';
    io.out(
      `imported ${r.rows} rows of ${r.symbol} into ${r.dataset} (${r.partitions.length} partitions)${extra}`
    );
    return EXIT_OK;
  } finally {
    store.close();
  }
}

async function cmdLs(args: string[], io: DataCliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { store: { type: 'string' }, help: { type: 'boolean', short: 'h' } }
  });
  if (values.help) {
    io.out(HELP.ls);
    return EXIT_OK;
  }
  const store = await ParquetStore.open(values.store ?? DEFAULT_STORE);
  try {
    const rows = await store.list();
    if (rows.length === 0) {
      io.out(`store ${store.root} is empty`);
      return EXIT_OK;
    }
    io.out(['dataset', 'symbol', 'partitions', 'rows', 'first', 'last'].join('\t'));
    for (const r of rows) {
      io.out([r.dataset, r.symbol, r.partitions, r.rows, isoFromNs(r.first), isoFromNs(r.last)].join('\t'));
    }
    return EXIT_OK;
  } finally {
    store.close();
  }
}

async function cmdGet(args: string[], io: DataCliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      symbol: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      timeframe: { type: 'string' },
      store: { type: 'string' },
      session: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    }
  });
  if (values.help) {
    io.out(HELP.get);
    return EXIT_OK;
  }
  if (!values.symbol) return usage(io, 'get', 'missing --symbol');
  if (!values.from || !values.to) return usage(io, 'get', 'missing --from or --to');
  if (values.session && values.session !== 'regular' && values.session !== 'all') {
    return usage(io, 'get', '--session must be regular or all');
  }
  const tf = parseTimeframe(values.timeframe ?? '1d');
  const start = parseTimeArg(values.from, 'start');
  const end = parseTimeArg(values.to, 'end');
  const store = await ParquetStore.open(values.store ?? DEFAULT_STORE);
  try {
    const symbols = values.symbol
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const insts = new Map(
      symbols.map((s) => {
        const m = store.symbolMeta(s);
        const inst = makeInstrument(m);
        return [inst.id, inst];
      })
    );
    // a timeframe that cannot be made is refused here, and a bar the resampler cannot place by the first batch's
    // read: either way before the header, so a failure prints nothing on stdout (not a header over no rows)
    const src = getBars(store, symbols, start, end, tf, {
      session: (values.session ?? 'regular') as 'regular'
    });
    const header = 'instrument,ts_open,ts_event,open,high,low,close,volume';
    let n = 0;
    for await (const batch of src) {
      if (n === 0 && batch.length > 0) io.out(header);
      for (const b of batch) {
        const inst = insts.get(b.instrumentId)!;
        const p = (t: number) => ticksToPrice(inst, t);
        io.out(
          `${b.instrumentId},${isoFromNs(b.tsOpen)},${isoFromNs(b.tsEvent)},${p(b.open)},${p(b.high)},${p(b.low)},${p(b.close)},${lotsToQty(inst, b.volume)}`
        );
        n++;
      }
    }
    if (n === 0) {
      io.out(header);
      io.err(`no ${tf.label} bars for ${symbols.join(',')} in [${values.from}, ${values.to}]`);
    }
    return EXIT_OK;
  } finally {
    store.close();
  }
}

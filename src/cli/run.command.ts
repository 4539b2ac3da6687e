import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRunConfig } from '../config/load.ts';
import { liveConfigSchema } from '../config/schema.ts';
import { parseDuration } from '../core/duration.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs, isoFromNsTrimmed } from '../core/nanos.ts';
import { type BacktestResult, runBacktest } from '../engine/backtest.ts';
import { exposureLine, formatNumber } from '../report/format.ts';
import { formatBenchmarkTable, formatMonteCarloTable, formatSummaryTable } from '../report/summary-table.ts';
import { type CliIo, EXIT_OK } from './io.ts';
import { intOption, speedOption, timeOption, windowOption } from './options.ts';
import { ProgressBar } from './progress.ts';

/** The embedded default configuration, found relative to the package (works from any cwd). */
export const DEFAULT_CONFIG = fileURLToPath(new URL('../../config/backtest.yaml', import.meta.url));
/** The embedded paper-trading configuration (Alpaca paper; `--venue local` replays its data locally). */
export const PAPER_CONFIG = fileURLToPath(new URL('../../config/paper.yaml', import.meta.url));

export const RUN_HELP = `Usage: tradestate run [--mode backtest|paper|live] [--config FILE] [--seed N] [--out DIR] [--speed S]
       tradestate run --mode paper [--venue alpaca|local|fix|local-fix] [--duration D] [--config FILE] [--out DIR]

Run a strategy. With no options, backtests the embedded default (config/backtest.yaml).
--mode paper trades the strategy through the Alpaca client stack: on Alpaca's paper API with the key pair
in APCA_API_KEY_ID / APCA_API_SECRET_KEY, or with --venue local against the built-in Alpaca-compatible
venue replaying the config's data (no network); with --venue fix over a FIX 4.2 session (live.fix) to a
FIX venue, or with --venue local-fix to the built-in FIX 4.2 venue on loopback (config/paper-fix.yaml).
Ctrl-C stops it after cancelling working orders. Ctrl-C (or SIGTERM) stops a backtest after the bar it is on:
its events.jsonl ends with run.stopped, no summary or report is written, and it exits 130 (143 for SIGTERM).

Options:
  --mode MODE     backtest (default), paper or live (live: not available)
  --config FILE   YAML run configuration (default: config/backtest.yaml; paper: config/paper.yaml)
  --venue V       paper mode: alpaca (default, the config's live.venue), local, fix or local-fix
  --duration D    paper mode: stop after D (90s, 5m, 1h, or ms); default: until interrupted
  --metrics-port N  paper mode: serve Prometheus metrics on 127.0.0.1:N/metrics (0: any free port)
  --dashboard-port N  paper mode: serve a live web dashboard on http://127.0.0.1:N/ (0: any free port)
  --seed N        seed for every random choice (default: the config's seed)
  --out DIR       where to write summary.json, events.jsonl, report.html (default: results/<run-id>;
                  paper: results/<config name>-paper, an earlier session's events.jsonl there kept as
                  events.jsonl.1, .2, …)
  --speed S       backtest: fast (default) or N× real time, N a plain decimal, e.g. 1 (real time), 60 (a
                  minute per second) or 0.5
  --snapshot-at T backtest: write every component's state at time T (YYYY-MM-DD: that day's start, UTC;
                  ISO-8601 or integer ns) to snapshot.json
  --from T        backtest: trade only from T on (YYYY-MM-DD, ISO or integer ns); on tick data the
                  messages before T still build the book
  --to T          backtest: stop before T (exclusive; a date includes that day)
  --monte-carlo N backtest: resample the daily returns into N paths (default 1000; 0: none; needs
                  20+ daily returns) and report percentiles of final return and drawdown
  -h, --help      show this help
`;

/** Exit codes of a backtest stopped by a signal: 128 + the signal's number, as a shell reports it. */
export const EXIT_SIGINT = 130;
export const EXIT_SIGTERM = 143;

/** A port option's value (0–65535), or a usage error naming the option. */
function portOption(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) > 65_535) {
    throw new TradestateError(ErrorCode.CLI_USAGE, `${name} must be a port number, got "${v}"`);
  }
  return Number(v);
}

/** `tradestate run …` */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string', default: 'backtest' },
      config: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      speed: { type: 'string' },
      'snapshot-at': { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      venue: { type: 'string' },
      duration: { type: 'string' },
      'metrics-port': { type: 'string' },
      'dashboard-port': { type: 'string' },
      'monte-carlo': { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  });
  if (values.help) {
    io.out(RUN_HELP);
    return EXIT_OK;
  }
  const mode = values.mode;
  if (mode !== 'backtest' && mode !== 'paper' && mode !== 'live') {
    throw new TradestateError(ErrorCode.CLI_USAGE, `--mode must be backtest, paper or live, got "${mode}"`);
  }
  if (mode === 'live') {
    throw new TradestateError(
      ErrorCode.MODE_UNAVAILABLE,
      '--mode live (real money) is deliberately not wired; --mode paper runs the same stack on Alpaca paper',
      { mode }
    );
  }
  if (
    mode === 'paper' &&
    (values.from !== undefined ||
      values.to !== undefined ||
      values['monte-carlo'] !== undefined ||
      values.speed !== undefined ||
      values['snapshot-at'] !== undefined)
  ) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      '--from, --to, --monte-carlo, --speed and --snapshot-at apply to backtests only'
    );
  }
  const mcArg = values['monte-carlo'];
  const monteCarloPaths = mcArg === undefined ? undefined : intOption('monte-carlo', mcArg, 0, 1_000_000);
  const window = windowOption(values);
  if (
    mode === 'backtest' &&
    (values.venue !== undefined ||
      values.duration !== undefined ||
      values['metrics-port'] !== undefined ||
      values['dashboard-port'] !== undefined)
  ) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      '--venue, --duration, --metrics-port and --dashboard-port apply to --mode paper only'
    );
  }
  const mp = portOption('--metrics-port', values['metrics-port']);
  const dp = portOption('--dashboard-port', values['dashboard-port']);
  const venue = values.venue;
  const venues = liveConfigSchema.shape.venue.unwrap().options;
  const isVenue = (v: string): v is (typeof venues)[number] => (venues as readonly string[]).includes(v);
  if (venue !== undefined && !isVenue(venue)) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--venue must be ${venues.slice(0, -1).join(', ')} or ${venues.at(-1)}, got "${venue}"`
    );
  }
  const durationMs = values.duration !== undefined ? parseDuration(values.duration) : undefined;
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed) || Number(values.seed) > 0xffffffff) {
      throw new TradestateError(
        ErrorCode.CLI_USAGE,
        `--seed must be an integer from 0 to 4294967295, got "${values.seed}"`
      );
    }
    seed = Number(values.seed);
  }
  const speed = speedOption(values.speed);
  const at = values['snapshot-at'];
  const snapshotAt = at === undefined ? undefined : timeOption('snapshot-at', at, 'start');
  const configFile = values.config ?? (mode === 'paper' ? PAPER_CONFIG : DEFAULT_CONFIG);
  const config = loadRunConfig(configFile);
  if (mode === 'paper') {
    // the live stack (gateways, HTTP and WebSocket clients, metrics) loads only for a paper session
    const { runPaper } = await import('./paper.command.ts');
    return runPaper(
      {
        config,
        configFile,
        seed: seed ?? config.seed,
        outDir: resolve(values.out ?? `results/${config.name}-paper`),
        ...(venue !== undefined ? { venue } : {}),
        ...(durationMs !== undefined ? { durationMs } : {}),
        ...(mp !== undefined ? { metricsPort: mp } : {}),
        ...(dp !== undefined ? { dashboardPort: dp } : {})
      },
      io
    );
  }
  const { runIdOf } = await import('../engine/backtest.ts');
  const runId = runIdOf(config, seed ?? config.seed, window);
  const outDir = resolve(values.out ?? `results/${runId}`);
  const progress = io.stdout ? new ProgressBar(io.stdout, 'backtest') : undefined;
  const t0 = performance.now();
  // Ctrl-C (SIGINT) or SIGTERM stops the run where it is: its log is written and ends with run.stopped
  const stop = new AbortController();
  const onSignal = (sig: NodeJS.Signals): void => stop.abort(sig);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let result: BacktestResult;
  try {
    result = await runBacktest({
      config,
      configFile,
      ...(seed !== undefined ? { seed } : {}),
      outDir,
      speed,
      ...(snapshotAt !== undefined ? { snapshotAt } : {}),
      window,
      ...(monteCarloPaths !== undefined ? { monteCarloPaths } : {}),
      signal: stop.signal,
      onProgress: (done, total) => progress?.update(done, total)
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  progress?.done();
  if (result.stopped) {
    const { reason, ts } = result.stopped;
    const n = (x: number): string => formatNumber(x, 0);
    io.err(
      `tradestate: backtest stopped by ${reason} at ${isoFromNsTrimmed(ts)} after ${n(result.bars)} bars, ` +
        `${n(result.orders)} orders, ${n(result.fills)} fills; its log up to there is ${outDir}/events.jsonl ` +
        '(no summary or report for an unfinished run)\n'
    );
    return reason === 'SIGTERM' ? EXIT_SIGTERM : EXIT_SIGINT;
  }
  for (const w of result.warnings) io.err(`warning: ${w}\n`);
  const secs = (performance.now() - t0) / 1000;
  io.out(`tradestate backtest ${result.runId} (seed ${result.seed})\n`);
  io.out(formatSummaryTable(result.summary));
  io.out(`\n${exposureLine(result.exposure)}`);
  if (result.benchmark) io.out(`\n\n${formatBenchmarkTable(result.summary, result.benchmark)}`);
  if (result.monteCarlo) io.out(`\n\n${formatMonteCarloTable(result.monteCarlo)}`);
  const n = (x: number): string => formatNumber(x, 0);
  const data =
    result.messages > 0
      ? `${n(result.messages)} messages, ${n(result.quotes)} quotes`
      : `${n(result.bars)} bars`;
  const rate =
    result.messages > 0
      ? `${n(Math.round(result.messages / secs))} messages/s`
      : `${n(Math.round(result.bars / secs))} bars/s`;
  io.out(
    `\n${data}, ${n(result.orders)} orders, ${n(result.fills)} fills, ${n(result.rejected)} rejected, ` +
      `${n(result.events)} events in ${secs.toFixed(2)} s (${rate})\n`
  );
  io.out(`results: ${outDir}/{summary.json,events.jsonl,trades.csv,report.html}\n`);
  if (result.bars === 0 && result.messages === 0) {
    io.err('warning: the data gave the strategy nothing to trade: check data.start/end and --from/--to\n');
  }
  for (const w of noticeWarnings(result)) io.err(`warning: ${w}\n`);
  if (result.snapshot) {
    // asked for after the data: taken at the last bar, and said so
    const early =
      snapshotAt !== undefined && result.snapshot.ts < snapshotAt
        ? ' (the data ends before --snapshot-at)'
        : '';
    io.out(`snapshot at ${isoFromNs(result.snapshot.ts)}${early}: ${outDir}/snapshot.json\n`);
  }
  return EXIT_OK;
}

/**
 * What a run's log says that its table does not, one line each: the kill switch leaving ACTIVE (and the intents
 * discarded after it), each strategy its supervisor saw fail, and intents discarded with no trip to explain them.
 */
export function noticeWarnings(r: Pick<BacktestResult, 'notices'>): string[] {
  const { killSwitch: ks, killSwitchTrips, intentsDiscarded, intentsDiscardedAfterTrip } = r.notices;
  const n = (x: number): string => formatNumber(x, 0);
  const intents = (x: number): string => `${n(x)} ${x === 1 ? 'intent' : 'intents'}`;
  const out: string[] = [];
  if (ks) {
    const what = ks.to === 'HALTED' ? 'tripped' : 'reduced trading to position-reducing orders';
    const more = killSwitchTrips > 1 ? `, ${n(killSwitchTrips - 1)} more after it` : '';
    out.push(
      `kill switch ${what} at ${isoFromNsTrimmed(ks.ts)} (${ks.trigger}: ${ks.reason})${more}; ` +
        `${intents(intentsDiscardedAfterTrip)} discarded after it (see events.jsonl killswitch.*)`
    );
  }
  for (const f of r.notices.strategyFailures) {
    const times = f.failures === 1 ? 'once' : `${n(f.failures)} times`;
    const then = f.escalated
      ? `was restarted ${f.restarts === 1 ? 'once' : `${n(f.restarts)} times`}, then given up on (supervisor.escalated)`
      : `was restarted`;
    out.push(
      `strategy ${f.strategyId} failed ${times} and ${then}; first: ${oneLine(f.firstError)} (see events.jsonl supervisor.child_failed)`
    );
  }
  const unexplained = intentsDiscarded - intentsDiscardedAfterTrip;
  if (unexplained > 0) {
    out.push(
      `${intents(unexplained)} of halted strategies discarded (see events.jsonl strategy.intents_discarded)`
    );
  }
  return out;
}

/** `s` on one line, at most 200 characters. */
function oneLine(s: string): string {
  const line = s.replace(/\s*\n\s*/g, ' ');
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

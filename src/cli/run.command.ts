import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadRunConfig } from '../config/load.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs, nsFromIso } from '../core/nanos.ts';
import { runBacktest } from '../engine/backtest.ts';
import { formatSummaryTable } from '../report/summary-table.ts';
import { type CliIo, EXIT_OK } from './io.ts';
import { ProgressBar } from './progress.ts';

/** The embedded default configuration, found relative to the package (works from any cwd). */
export const DEFAULT_CONFIG = fileURLToPath(new URL('../../config/backtest.yaml', import.meta.url));

export const RUN_HELP = `Usage: tradestate run [--mode backtest|paper|live] [--config FILE] [--seed N] [--out DIR] [--speed S]

Run a strategy. With no options, backtests the embedded default (config/backtest.yaml).

Options:
  --mode MODE     backtest (default), paper or live
  --config FILE   YAML run configuration (default: config/backtest.yaml)
  --seed N        seed for every random choice (default: the config's seed)
  --out DIR       where to write summary.json, events.jsonl, report.html (default: results/<run-id>)
  --speed S       fast (default) or N× real time, e.g. 1 (real time) or 60 (a minute per second)
  --snapshot-at T write every component's state at time T (ISO-8601 or integer ns) to snapshot.json
  -h, --help      show this help
`;

/** `tradestate run …` */
export async function runCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      mode: { type: 'string', default: 'backtest' },
      config: { type: 'string' },
      seed: { type: 'string' },
      out: { type: 'string' },
      speed: { type: 'string', default: 'fast' },
      'snapshot-at': { type: 'string' },
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
  if (mode !== 'backtest') {
    throw new TradestateError(
      ErrorCode.MODE_UNAVAILABLE,
      `--mode ${mode} is not available yet: the gateways exist (Alpaca, FIX 4.2) but the live runner that drives strategies from a live feed through them has not landed`,
      { mode }
    );
  }
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
  const speed = values.speed === 'fast' ? 'fast' : Number(values.speed);
  if (speed !== 'fast' && !(speed > 0 && Number.isFinite(speed))) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--speed must be fast or a positive number, got "${values.speed}"`
    );
  }
  let snapshotAt: bigint | undefined;
  const at = values['snapshot-at'];
  if (at !== undefined) {
    try {
      snapshotAt = /^\d+$/.test(at) ? BigInt(at) : nsFromIso(at);
    } catch {
      throw new TradestateError(
        ErrorCode.CLI_USAGE,
        `--snapshot-at must be ISO-8601 or integer nanoseconds, got "${at}"`
      );
    }
  }
  const configFile = values.config ?? DEFAULT_CONFIG;
  const config = loadRunConfig(configFile);
  const { runIdOf } = await import('../engine/backtest.ts');
  const runId = runIdOf(config, seed ?? config.seed);
  const outDir = resolve(values.out ?? `results/${runId}`);
  const progress = io.stdout ? new ProgressBar(io.stdout, 'backtest') : undefined;
  const t0 = performance.now();
  const result = await runBacktest({
    config,
    configFile,
    ...(seed !== undefined ? { seed } : {}),
    outDir,
    speed,
    ...(snapshotAt !== undefined ? { snapshotAt } : {}),
    onProgress: (done, total) => progress?.update(done, total)
  });
  progress?.done();
  const secs = (performance.now() - t0) / 1000;
  io.out(`tradestate backtest ${result.runId} (seed ${result.seed})\n`);
  io.out(formatSummaryTable(result.summary));
  io.out(
    `\n${result.bars.toLocaleString('en-US')} bars, ${result.orders} orders, ${result.fills} fills, ${result.rejected} rejected, ` +
      `${result.events.toLocaleString('en-US')} events in ${secs.toFixed(2)} s (${Math.round(result.bars / secs).toLocaleString('en-US')} bars/s)\n`
  );
  io.out(`results: ${outDir}/{summary.json,events.jsonl,report.html}\n`);
  if (result.snapshot) io.out(`snapshot at ${isoFromNs(result.snapshot.ts)}: ${outDir}/snapshot.json\n`);
  return EXIT_OK;
}

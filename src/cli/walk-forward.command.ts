import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../core/duration.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs, type Nanos, NS_PER_MS } from '../core/nanos.ts';
import { alignedTable } from '../report/aligned-table.ts';
import { formatPct, formatRatio } from '../report/format.ts';
import { formatBenchmarkTable } from '../report/summary-table.ts';
import { MAX_SWEEP_POINTS, parseParamSpecs, readBaseConfig } from '../sweep/param-grid.ts';
import {
  formatObjective,
  OBJECTIVE_LABELS,
  SWEEP_OBJECTIVES,
  type SweepObjective
} from '../sweep/sweep-runner.ts';
import { runWalkForward, type WalkForwardOutcome, walkForwardJson } from '../sweep/walk-forward-runner.ts';
import { type CliIo, EXIT_FAIL, EXIT_OK } from './io.ts';
import { intOption, paramsLabel, windowOption } from './options.ts';
import { ProgressBar } from './progress.ts';

/** `tradestate walk-forward --help` */
export const WALK_FORWARD_HELP = `Usage: tradestate walk-forward --config FILE --param SPEC [--param SPEC ...] --train D --test D
                              [--step D] [--anchored] [--objective O] [--workers N] [--seed N]
                              [--from T] [--to T] [--out DIR]

Walk-forward optimisation: cut the data's time range into folds; in each, sweep the parameters on the train
(in-sample) window, then backtest the best point on the test (out-of-sample) window that follows. Prints
each fold and the out-of-sample result overall: the folds' test runs chained into one equity curve, and the
walk-forward efficiency (mean out-of-sample / mean in-sample annualised return). The same inputs give the
same walk-forward.json whatever the worker count.

Options:
  --config FILE   YAML run configuration
  --param SPEC    a dotted config path and its values, repeatable, as for tradestate sweep:
                  PATH=V1,V2,... or PATH=START:STOP:STEP; at most ${MAX_SWEEP_POINTS.toLocaleString('en-US')} points
  --train D       length of each train window: 5d (calendar days), 12h, 30m, 90s
  --test D        length of each test window
  --step D        how far each fold moves on (default: --test, test windows back to back)
  --anchored      every train window starts at the beginning and grows (default: rolling, fixed length)
  --objective O   choose by sharpe (default), sortino, totalReturn, calmar, maxDrawdown (lower is better),
                  or against the benchmark (analytics.benchmark): alpha or informationRatio
  --workers N     worker threads of each train sweep (default: one per CPU)
  --seed N        seed of every run (default: each point's config seed)
  --from T        start of the range, YYYY-MM-DD or ISO (default: the data's first bar)
  --to T          end of the range, exclusive; a date includes that day (default: the data's last bar)
  --out DIR       where to write walk-forward.json (default: results/<config name>-walk-forward)
  -h, --help      show this help
`;

/** A positive duration option (unit required) in nanoseconds. */
function durationOption(option: string, text: string): Nanos {
  const ms = parseDuration(text, { option: `--${option}`, unitRequired: true });
  if (ms <= 0)
    throw new TradestateError(ErrorCode.CLI_USAGE, `--${option} must be longer than 0, got "${text}"`);
  return BigInt(ms) * NS_PER_MS;
}

/** `2024-03-04 14:31` (seconds and below shown only when not zero). */
function shortTime(ns: Nanos): string {
  const iso = isoFromNs(ns);
  const tail = iso.slice(16, -1).replace(/^:00\.0+$/, '');
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)}${tail}`;
}

/**
 * The folds as an aligned table (fold, train and test ranges, chosen parameters, in-sample objective,
 * out-of-sample return and Sharpe; a failed fold shows its reason) and the overall line.
 */
export function formatWalkForward(o: WalkForwardOutcome): string {
  const header = [
    'Fold',
    'Train',
    'Test',
    'Best params',
    `IS ${OBJECTIVE_LABELS[o.objective]}`,
    'OOS return',
    'OOS Sharpe'
  ];
  const rows = o.folds.map((f) => [
    String(f.index + 1),
    `${shortTime(f.train.from)} → ${shortTime(f.train.to)}`,
    `${shortTime(f.test.from)} → ${shortTime(f.test.to)}`,
    f.best ? paramsLabel(f.best.params) : '-',
    f.best ? formatObjective(o.objective, f.best.objective) : '-',
    f.oos ? formatPct(f.oos.metrics.totalReturn) : 'failed',
    f.oos ? formatRatio(f.oos.metrics.sharpe) : '-'
  ]);
  // train, test and parameters read left to right
  const lines = [alignedTable(header, rows, new Set([1, 2, 3]))];
  for (const f of o.folds) {
    if (f.error) lines.push(`fold ${f.index + 1} failed: ${f.error.message} [${f.error.code}]`);
  }
  const s = o.summary;
  lines.push(
    '',
    `Out of sample (${s.completed} of ${o.folds.length} folds): return ${formatPct(s.oos.totalReturn)}, ` +
      `Sharpe ${formatRatio(s.oos.sharpe)}, max drawdown ${formatPct(s.oos.maxDrawdown)}, ` +
      `efficiency ${formatPct(s.efficiency)}, positive folds ${formatPct(s.positiveFraction)}`
  );
  if (s.benchmark) lines.push('', formatBenchmarkTable(s.oos, s.benchmark));
  return lines.join('\n');
}

/** `tradestate walk-forward …` */
export async function walkForwardCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      param: { type: 'string', multiple: true },
      train: { type: 'string' },
      test: { type: 'string' },
      step: { type: 'string' },
      anchored: { type: 'boolean', default: false },
      objective: { type: 'string', default: 'sharpe' },
      workers: { type: 'string' },
      seed: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  });
  if (values.help) {
    io.out(WALK_FORWARD_HELP);
    return EXIT_OK;
  }
  const usage = (message: string) => new TradestateError(ErrorCode.CLI_USAGE, message);
  if (values.config === undefined) throw usage('--config FILE is required');
  const specs = values.param ?? [];
  if (specs.length === 0) throw usage('give at least one --param PATH=VALUES to optimise');
  if (values.train === undefined || values.test === undefined) {
    throw usage('--train and --test are required (durations like 5d, 12h, 30m)');
  }
  const train = durationOption('train', values.train);
  const test = durationOption('test', values.test);
  const step = values.step === undefined ? undefined : durationOption('step', values.step);
  const objective = values.objective as SweepObjective;
  if (!SWEEP_OBJECTIVES.includes(objective)) {
    throw usage(`--objective must be one of ${SWEEP_OBJECTIVES.join(', ')}, got "${values.objective}"`);
  }
  const workers = values.workers === undefined ? undefined : intOption('workers', values.workers, 1, 1024);
  const seed = values.seed === undefined ? undefined : intOption('seed', values.seed, 0, 0xffffffff);
  const { from, to } = windowOption(values);
  const axes = parseParamSpecs(specs);
  if (seed !== undefined && axes.some((a) => a.path === 'seed')) {
    throw usage('--seed and --param seed=… contradict each other');
  }

  const configFile = values.config;
  const { raw, config } = readBaseConfig(configFile);
  const outDir = resolve(values.out ?? `results/${config.name}-walk-forward`);
  const progress = io.stdout ? new ProgressBar(io.stdout, 'walk-forward') : undefined;
  const o = await runWalkForward({
    config: raw,
    configFile,
    axes,
    objective,
    folds: { train, test, ...(step !== undefined ? { step } : {}), anchored: values.anchored },
    ...(seed !== undefined ? { seed } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    onProgress: (done, total) => progress?.update(done, total)
  });
  progress?.done();

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'walk-forward.json'), walkForwardJson(o));

  const n = o.folds.length;
  const points = o.folds[0]?.sweep.points ?? 0;
  const ran = o.folds.reduce((k, f) => k + f.sweep.ran + (f.oos ? 1 : 0), 0);
  io.out(
    `tradestate walk-forward ${config.name}: ${n} fold${n === 1 ? '' : 's'} (train ${values.train}, test ${values.test}` +
      `${step !== undefined ? `, step ${values.step}` : ''}${o.spec.anchored ? ', anchored' : ''}), ` +
      `${points} point${points === 1 ? '' : 's'} each, chosen by ${objective}\n`
  );
  io.out(`${formatWalkForward(o)}\n`);
  io.out(
    `\n${ran} backtest${ran === 1 ? '' : 's'} in ${(o.elapsedMs / 1000).toFixed(2)} s on ${o.workers} worker${o.workers === 1 ? '' : 's'}\n`
  );
  io.out(`results: ${outDir}/walk-forward.json\n`);
  if (o.summary.completed === 0) {
    const e = o.folds[0]!.error!;
    io.err(`tradestate: no fold of the walk-forward completed; fold 1: ${e.message} [${e.code}]\n`);
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

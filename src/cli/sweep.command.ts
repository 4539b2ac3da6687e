import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDuration } from '../core/duration.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { alignedTable } from '../report/aligned-table.ts';
import { formatNumber, formatPct, formatRatio } from '../report/format.ts';
import { MAX_SWEEP_POINTS, type ParamAxis, parseParamSpecs, readBaseConfig } from '../sweep/param-grid.ts';
import {
  formatObjective,
  OBJECTIVE_LABELS,
  runSweep,
  SWEEP_OBJECTIVES,
  type SweepObjective,
  type SweepOutcome,
  sweepCsv,
  sweepJson
} from '../sweep/sweep-runner.ts';
import { type CliIo, EXIT_FAIL, EXIT_OK } from './io.ts';
import { intOption, paramsLabel, redisOption, windowOption } from './options.ts';
import { ProgressBar } from './progress.ts';

/** `tradestate sweep --help` */
export const SWEEP_HELP = `Usage: tradestate sweep --config FILE --param SPEC [--param SPEC ...] [--workers N] [--objective O]
                       [--seed N] [--from T] [--to T] [--out DIR] [--top K] [--redis URL [--lease DUR]]

Backtest every combination of the swept parameters on worker threads and rank them. Each point is the
config file with the swept dotted paths set, validated like the file itself; a point that is invalid or
fails is reported and the others run. The same inputs give the same sweep.json whatever the worker count.

Options:
  --config FILE   YAML run configuration to sweep
  --param SPEC    a dotted config path and its values, repeatable: PATH=V1,V2,... (numbers, true/false or
                  strings) or PATH=START:STOP:STEP (inclusive), e.g. strategy.params.fast=5,10,20,
                  strategy.params.slow=50:100:25, execution.slippage.bps=1,2; at most ${MAX_SWEEP_POINTS.toLocaleString('en-US')} points
  --workers N     worker threads (default: one per CPU, never more than points)
  --objective O   rank by sharpe (default), sortino, totalReturn, calmar, maxDrawdown (lower is better),
                  or against the benchmark (analytics.benchmark): alpha or informationRatio
  --seed N        seed of every point (default: each point's config seed)
  --from T        trade only from T on (YYYY-MM-DD, ISO or integer ns), as \`tradestate run --from\`
  --to T          stop before T (exclusive; a date includes that day)
  --out DIR       where to write sweep.json and sweep.csv (default: results/<config name>-sweep)
  --top K         rows of the printed ranking (default 10)
  --redis URL     distribute the points through this Redis server (redis://[user[:pass]@]host[:port][/db])
                  to \`tradestate sweep-worker --redis URL\` processes on any machines, instead of local threads;
                  the workers must see the config file and its data at the same paths
  --lease DUR     with --redis: a point a worker took and has not finished after DUR (e.g. 10m, the default)
                  is handed to another worker (its worker is presumed dead); 3 hand-outs at most
  -h, --help      show this help
`;

/** Column headers for the swept paths: the last segment when that is unambiguous, else the whole path. */
function paramHeaders(axes: readonly ParamAxis[]): string[] {
  const last = axes.map((a) => a.path.split('.').at(-1)!);
  return axes.map((a, i) => (last.filter((l) => l === last[i]).length === 1 ? last[i]! : a.path));
}

/** Objectives the sweep table always shows. */
const SHOWN: readonly SweepObjective[] = ['sharpe', 'totalReturn', 'maxDrawdown'];

/**
 * The top `k` of the ranking as an aligned table: rank, swept values, Sharpe, the objective when it is another,
 * total return, max drawdown, trades.
 */
export function formatSweepTable(s: SweepOutcome, k: number): string {
  const extra = SHOWN.includes(s.objective) ? [] : [s.objective];
  const header = [
    'Rank',
    ...paramHeaders(s.axes),
    'Sharpe',
    ...extra.map((o) => OBJECTIVE_LABELS[o]),
    'Total return',
    'Max drawdown',
    'Trades'
  ];
  const rows = s.ranking.slice(0, k).map((index, n) => {
    const r = s.results[index]!;
    const m = r.metrics!;
    return [
      String(n + 1),
      ...s.axes.map((a) => String(r.params[a.path])),
      formatRatio(m.sharpe),
      ...extra.map((o) => formatObjective(o, m[o])),
      formatPct(m.totalReturn),
      formatPct(m.maxDrawdown),
      formatNumber(m.trades, 0)
    ];
  });
  return alignedTable(header, rows);
}

/** `tradestate sweep …` */
export async function sweepCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      param: { type: 'string', multiple: true },
      workers: { type: 'string' },
      objective: { type: 'string', default: 'sharpe' },
      seed: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      out: { type: 'string' },
      top: { type: 'string', default: '10' },
      redis: { type: 'string' },
      lease: { type: 'string' },
      help: { type: 'boolean', short: 'h' }
    },
    strict: true,
    allowPositionals: false
  });
  if (values.help) {
    io.out(SWEEP_HELP);
    return EXIT_OK;
  }
  if (values.config === undefined)
    throw new TradestateError(ErrorCode.CLI_USAGE, '--config FILE is required');
  const specs = values.param ?? [];
  if (specs.length === 0) {
    throw new TradestateError(ErrorCode.CLI_USAGE, 'give at least one --param PATH=VALUES to sweep');
  }
  const objective = values.objective as SweepObjective;
  if (!SWEEP_OBJECTIVES.includes(objective)) {
    throw new TradestateError(
      ErrorCode.CLI_USAGE,
      `--objective must be one of ${SWEEP_OBJECTIVES.join(', ')}, got "${values.objective}"`
    );
  }
  const workers = values.workers === undefined ? undefined : intOption('workers', values.workers, 1, 1024);
  const seed = values.seed === undefined ? undefined : intOption('seed', values.seed, 0, 0xffffffff);
  const top = intOption('top', values.top, 1, MAX_SWEEP_POINTS);
  const window = windowOption(values);
  const axes = parseParamSpecs(specs);
  if (seed !== undefined && axes.some((a) => a.path === 'seed')) {
    throw new TradestateError(ErrorCode.CLI_USAGE, '--seed and --param seed=… contradict each other');
  }

  if (values.lease !== undefined && values.redis === undefined)
    throw new TradestateError(ErrorCode.CLI_USAGE, '--lease needs --redis');
  if (values.redis !== undefined) redisOption(values.redis);
  const leaseMs = values.lease === undefined ? undefined : parseDuration(values.lease, { option: '--lease' });

  const configFile = values.config;
  const { raw, config } = readBaseConfig(configFile);
  const outDir = resolve(values.out ?? `results/${config.name}-sweep`);
  const progress = io.stdout ? new ProgressBar(io.stdout, 'sweep') : undefined;
  const s = await runSweep({
    config: raw,
    configFile,
    axes,
    objective,
    ...(seed !== undefined ? { seed } : {}),
    ...(window.from !== undefined || window.to !== undefined ? { window } : {}),
    ...(workers !== undefined ? { workers } : {}),
    ...(values.redis !== undefined
      ? { redis: { url: values.redis, ...(leaseMs !== undefined ? { leaseMs } : {}) } }
      : {}),
    onProgress: (done, total) => progress?.update(done, total)
  });
  progress?.done();

  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'sweep.json'), sweepJson(s));
  writeFileSync(join(outDir, 'sweep.csv'), sweepCsv(s));

  const n = s.results.length;
  const ran = s.results.filter((r) => r.counts !== undefined).length;
  const secs = s.elapsedMs / 1000;
  io.out(
    `tradestate sweep ${config.name}: ${n} point${n === 1 ? '' : 's'} (${paramHeaders(axes).join(' × ')}), ranked by ${objective}\n`
  );
  if (s.ranking.length > 0) io.out(`${formatSweepTable(s, top)}\n`);
  const first = s.results.find((r) => r.error !== undefined);
  const why = first
    ? `${s.failed} failed (first: #${first.index} ${paramsLabel(first.params)}: ${first.error!.message} [${first.error!.code}])`
    : 'none failed';
  io.out(
    `\n${ran} backtest${ran === 1 ? '' : 's'} in ${secs.toFixed(2)} s (${(ran / secs).toFixed(1)}/s) on ${s.workers} ` +
      `worker${s.workers === 1 ? '' : 's'}; ${why}\n`
  );
  io.out(`results: ${outDir}/{sweep.json,sweep.csv}\n`);
  if (s.ranking.length === 0) {
    // nothing to rank: a failure, said in the usual one line
    const e = first!.error!;
    io.err(
      `tradestate: no point of the sweep ran; #${first!.index} ${paramsLabel(first!.params)}: ${e.message} [${e.code}]\n`
    );
    return EXIT_FAIL;
  }
  return EXIT_OK;
}

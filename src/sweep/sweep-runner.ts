/**
 * Parameter sweeps: every point of a grid backtested on a pool of worker threads, then ranked. Deterministic:
 * each point's result depends only on its configuration and seed, results are kept in grid order and ties
 * in the ranking go to the lower grid index, so the same inputs give byte-identical {@link sweepJson}
 * whatever the worker count and scheduling.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { RunConfig } from '../config/schema.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { csvField } from '../data/csv.ts';
import { type DataFileDigest, digestRunFiles } from '../data/data-digest.ts';
import { type BacktestWindow, windowJson } from '../engine/backtest.ts';
import { formatPct, formatRatio } from '../report/format.ts';
import { applyParams, assertKnownPath, gridOf, type ParamAxis } from './param-grid.ts';
import { type RedisSweepOptions, runJobsOnRedis } from './redis-sweep.ts';
import {
  errorOf,
  type SweepJob,
  type SweepPointResult,
  startSweepWorker,
  workerDiedResult
} from './sweep.worker.ts';

/**
 * What the ranking sorts by: higher is better, except `maxDrawdown` (lower is better). `alpha` and
 * `informationRatio` are against the run's benchmark (`analytics.benchmark`).
 */
export type SweepObjective =
  | 'sharpe'
  | 'sortino'
  | 'totalReturn'
  | 'calmar'
  | 'maxDrawdown'
  | 'alpha'
  | 'informationRatio';

/** Every {@link SweepObjective}. */
export const SWEEP_OBJECTIVES: readonly SweepObjective[] = [
  'sharpe',
  'sortino',
  'totalReturn',
  'calmar',
  'maxDrawdown',
  'alpha',
  'informationRatio'
];

/** Each objective as a table heading names it. */
export const OBJECTIVE_LABELS: Readonly<Record<SweepObjective, string>> = {
  sharpe: 'Sharpe',
  sortino: 'Sortino',
  totalReturn: 'Total return',
  calmar: 'Calmar',
  maxDrawdown: 'Max drawdown',
  alpha: 'Alpha',
  informationRatio: 'Info ratio'
};

/** An objective's value as tables show it: a percentage for returns, drawdown and alpha, else a ratio. */
export function formatObjective(objective: SweepObjective, v: number | null): string {
  const pct = objective === 'totalReturn' || objective === 'maxDrawdown' || objective === 'alpha';
  return pct ? formatPct(v ?? Number.NaN) : formatRatio(v ?? Number.NaN);
}

/** What {@link runSweep} sweeps, and how. */
export interface SweepOptions {
  /** The raw run configuration (as parsed from YAML, before defaults) that points are written into. */
  readonly config: unknown;
  /** The config file's path: named in errors, and relative data paths resolve against its folder. */
  readonly configFile: string;
  /** Seed of every point; default: each point's configuration's `seed` (so `seed` itself may be swept). */
  readonly seed?: number;
  readonly axes: readonly ParamAxis[];
  /** Worker threads (default `os.availableParallelism()`); never more than there are points to run. */
  readonly workers?: number;
  /** Default `sharpe`. */
  readonly objective?: SweepObjective;
  /** Backtest every point on the bars inside this window only (see {@link BacktestWindow}). */
  readonly window?: BacktestWindow;
  /**
   * Run the points on remote sweep workers through this Redis server instead of local threads
   * (`tradestate sweep-worker`; see {@link runJobsOnRedis}). `workers` is then ignored.
   */
  readonly redis?: RedisSweepOptions;
  /** Called as each point finishes, with the points done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /**
   * @internal Test hooks: the worker running a job in `exitAt` exits (as a crash would); one running a job in
   * `crashAt` dies of an uncaught error; a job in `throwAt` throws an untyped error inside its worker.
   */
  readonly testHooks?: {
    readonly exitAt?: readonly number[];
    readonly crashAt?: readonly number[];
    readonly throwAt?: readonly number[];
  };
}

/** A finished sweep. */
export interface SweepOutcome {
  readonly configFile: string;
  /** The seed given to {@link runSweep}, if any. */
  readonly seed: number | undefined;
  readonly objective: SweepObjective;
  readonly axes: readonly ParamAxis[];
  /** The window given to {@link runSweep}, if any. */
  readonly window: BacktestWindow | undefined;
  /** One per grid point, in grid order (`results[i].index === i`). */
  readonly results: readonly SweepPointResult[];
  /** Indices of the points that ran, best first by the objective, ties by grid index; failed points are left out. */
  readonly ranking: readonly number[];
  /** Points that ended with an error. */
  readonly failed: number;
  /** Worker threads started at the outset; with Redis, the remote workers that sent results. */
  readonly workers: number;
  readonly elapsedMs: number;
}

/** The objective's value for a result, oriented so that higher is better (NaN for a failed point or a null metric). */
function score(r: SweepPointResult, objective: SweepObjective): number {
  const v = r.metrics?.[objective] ?? Number.NaN;
  return objective === 'maxDrawdown' ? -v : v;
}

/**
 * Indices of the points that ran, best first by `objective` (lower `maxDrawdown` is better), equal values
 * in grid order; a non-finite value ranks after every finite one.
 */
export function rankResults(results: readonly SweepPointResult[], objective: SweepObjective): number[] {
  return results
    .filter((r) => r.metrics !== undefined)
    .map((r) => ({ index: r.index, s: score(r, objective) }))
    .sort((a, b) => {
      const fa = Number.isFinite(a.s);
      const fb = Number.isFinite(b.s);
      if (fa !== fb) return fa ? -1 : 1;
      if (fa && a.s !== b.s) return b.s - a.s;
      return a.index - b.index;
    })
    .map((x) => x.index);
}

/**
 * Backtest every point of the grid of `axes` on worker threads and rank them. Each worker runs one job at a
 * time and is handed the next when it reports. A point whose configuration is invalid (the schema or the
 * strategy refuses its values), or whose backtest throws, becomes a result with `error` and the sweep goes
 * on; a worker that dies fails the job it held and is replaced. Workers are terminated at the end and on
 * error.
 *
 * @throws TradestateError `TRD_ERR_CONFIG_INVALID` when an axis names a path the configuration does not have;
 * `TRD_ERR_SWEEP_INVALID` for more than 10,000 points or a worker count that is not a positive integer.
 */
export async function runSweep(opts: SweepOptions): Promise<SweepOutcome> {
  const t0 = performance.now();
  const objective = opts.objective ?? 'sharpe';
  if (!SWEEP_OBJECTIVES.includes(objective)) {
    throw new TradestateError(ErrorCode.SWEEP_INVALID, `unknown objective "${objective}"`, { objective });
  }
  const requested = opts.workers ?? availableParallelism();
  if (!Number.isInteger(requested) || requested < 1) {
    const message = `workers must be a positive integer, got ${requested}`;
    throw new TradestateError(ErrorCode.SWEEP_INVALID, message, { workers: requested });
  }
  for (const a of opts.axes) assertKnownPath(opts.config, a.path, opts.configFile);
  const points = gridOf(opts.axes);
  const results: SweepPointResult[] = new Array(points.length);
  const total = points.length;
  let done = 0;
  const land = (r: SweepPointResult): void => {
    results[r.index] = r;
    opts.onProgress?.(++done, total);
  };

  const exitAt = new Set(opts.testHooks?.exitAt ?? []);
  const crashAt = new Set(opts.testHooks?.crashAt ?? []);
  const throwAt = new Set(opts.testHooks?.throwAt ?? []);
  const jobs: SweepJob[] = [];
  // remote workers check they read the same data and strategy module as here (one digest per distinct pair)
  const digests = new Map<string, readonly DataFileDigest[]>();
  const dataOf = (config: RunConfig): readonly DataFileDigest[] => {
    const key = JSON.stringify([config.data, config.strategy.module]);
    let d = digests.get(key);
    if (d === undefined) digests.set(key, (d = digestRunFiles(config)));
    return d;
  };
  points.forEach((params, index) => {
    try {
      const config = applyParams(opts.config, params, opts.configFile);
      const hook = exitAt.has(index)
        ? 'exit'
        : crashAt.has(index)
          ? 'crash'
          : throwAt.has(index)
            ? 'throw'
            : undefined;
      jobs.push({
        index,
        config,
        configFile: opts.configFile,
        seed: opts.seed ?? config.seed,
        params,
        ...(opts.window ? { window: opts.window } : {}),
        ...(hook ? { hook } : {}),
        ...(opts.redis ? { data: dataOf(config) } : {})
      });
    } catch (e) {
      land({ index, params, error: errorOf(e) });
    }
  });

  let workers = Math.min(requested, jobs.length);
  if (jobs.length > 0) {
    if (opts.redis) workers = await runJobsOnRedis(jobs, land, opts.redis);
    else await runPool(jobs, workers, land);
  }
  return {
    configFile: opts.configFile,
    seed: opts.seed,
    objective,
    axes: opts.axes,
    window: opts.window,
    results,
    ranking: rankResults(results, objective),
    failed: results.filter((r) => r.error !== undefined).length,
    workers,
    elapsedMs: performance.now() - t0
  };
}

/** Run `jobs` on `size` workers, one job per worker at a time; resolves once every job has a result. */
function runPool(
  jobs: readonly SweepJob[],
  size: number,
  land: (r: SweepPointResult) => void
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let next = 0;
    let pending = jobs.length;
    let finished = false;
    const live = new Set<Worker>();
    const stopping: Promise<number>[] = [];

    const finish = (error?: unknown): void => {
      if (finished) return;
      finished = true;
      for (const w of live) stopping.push(w.terminate());
      live.clear();
      void Promise.allSettled(stopping).then(() => (error === undefined ? resolve() : reject(error)));
    };
    const settle = (r: SweepPointResult): void => {
      try {
        land(r);
      } catch (e) {
        finish(e);
        return;
      }
      if (--pending === 0) finish();
    };

    const spawn = (): void => {
      const w = startSweepWorker();
      live.add(w);
      let current: SweepJob | undefined;
      let lastError: Error | undefined;
      const feed = (): void => {
        if (finished) return;
        current = jobs[next];
        if (current) {
          next++;
          w.postMessage(current);
        } else {
          // nothing left for this one: let it go now rather than at the end
          live.delete(w);
          stopping.push(w.terminate());
        }
      };
      w.on('message', (r: SweepPointResult) => {
        if (finished) return;
        if (current === undefined || r.index !== current.index) {
          finish(new Error(`sweep worker answered job ${r.index} while running ${current?.index}`));
          return;
        }
        current = undefined;
        settle(r);
        feed();
      });
      w.on('error', (e) => {
        lastError = e;
      });
      w.on('exit', (code) => {
        if (finished || !live.has(w)) return;
        live.delete(w);
        const job = current;
        current = undefined;
        if (job) settle(workerDiedResult(job, code, lastError));
        if (!finished && next < jobs.length) {
          try {
            spawn();
          } catch (e) {
            finish(e);
          }
        }
      });
      feed();
    };

    try {
      for (let i = 0; i < size; i++) spawn();
    } catch (e) {
      finish(e);
    }
  });
}

/** Replace non-finite numbers (which JSON cannot hold) by the strings `Infinity`, `-Infinity` and `NaN`. */
function finite(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/**
 * The sweep as JSON (`sweep.json`): config file, seed, objective, axes, the window (ISO bounds, only when
 * there is one), every result and the ranking; nothing that depends on timing or the worker count, so the
 * same inputs give the same bytes.
 */
export function sweepJson(s: SweepOutcome): string {
  const doc = {
    configFile: s.configFile,
    seed: s.seed ?? null,
    objective: s.objective,
    axes: s.axes,
    ...(s.window && (s.window.from !== undefined || s.window.to !== undefined)
      ? { window: windowJson(s.window) }
      : {}),
    points: s.results.length,
    failed: s.failed,
    results: s.results,
    ranking: s.ranking
  };
  return `${JSON.stringify(doc, finite, 2)}\n`;
}

const METRIC_COLUMNS = [
  'totalReturn',
  'annualizedReturn',
  'annualizedVolatility',
  'sharpe',
  'sortino',
  'calmar',
  'maxDrawdown',
  'alpha',
  'beta',
  'informationRatio',
  'trades',
  'winRate',
  'endEquity'
] as const;
const COUNT_COLUMNS = ['bars', 'orders', 'fills', 'rejected', 'events'] as const;

/**
 * The sweep as CSV (`sweep.csv`): a header, then one row per point in grid order: index, rank (1 = best,
 * empty for a failed point), the swept values, run id, metrics, counts, error code and message.
 */
export function sweepCsv(s: SweepOutcome): string {
  const rank = new Map(s.ranking.map((index, k) => [index, k + 1] as const));
  const header = [
    'index',
    'rank',
    ...s.axes.map((a) => a.path),
    'runId',
    ...METRIC_COLUMNS,
    ...COUNT_COLUMNS,
    'errorCode',
    'errorMessage'
  ];
  const rows = s.results.map((r) =>
    [
      r.index,
      rank.get(r.index),
      ...s.axes.map((a) => r.params[a.path]),
      r.runId,
      ...METRIC_COLUMNS.map((c) => r.metrics?.[c]),
      ...COUNT_COLUMNS.map((c) => r.counts?.[c]),
      r.error?.code,
      r.error?.message
    ]
      .map(csvField)
      .join(',')
  );
  return `${[header.map(csvField).join(','), ...rows].join('\n')}\n`;
}

/**
 * Walk-forward optimisation: the data range is cut into folds (src/analytics/walk-forward.ts); in each fold a
 * parameter sweep ({@link runSweep}, on its worker pool) runs on the train window, the best point by the
 * sweep's ranking is backtested once on the test window that follows, and the out-of-sample runs are
 * summarised per fold and stitched into one curve. Deterministic: every run depends only on its
 * configuration, seed and window, folds run in order and the sweep's ranking breaks ties by grid index, so
 * the same inputs give byte-identical {@link walkForwardJson} whatever the worker count.
 */
import { dailyCloses } from '../analytics/daily-returns.ts';
import type { PerformanceSummary } from '../analytics/types.ts';
import {
  type TimeRange,
  type WalkForwardFold,
  type WalkForwardFoldResult,
  type WalkForwardSummary,
  walkForwardFolds,
  walkForwardSummary
} from '../analytics/walk-forward.ts';
import { formatDuration } from '../core/duration.ts';
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs, type Nanos, NS_PER_MS } from '../core/nanos.ts';
import { runBacktest } from '../engine/backtest.ts';
import { instrumentsFor, openBars } from '../engine/bar-sources.ts';
import { lobsterTimeRange } from '../engine/lobster-drive.ts';
import { summaryOptionsFor } from '../engine/summary-basis.ts';
import { applyParams, assertKnownPath, type GridPoint, gridSize, type ParamAxis } from './param-grid.ts';
import { errorOf, type SweepCounts, type SweepMetrics } from './sweep.worker.ts';
import { runSweep, SWEEP_OBJECTIVES, type SweepObjective, type SweepOptions } from './sweep-runner.ts';

/** How the range is cut into folds; lengths in nanoseconds. */
export interface WalkForwardSpec {
  /** Length of each train (in-sample) window; anchored: of the first. */
  readonly train: Nanos;
  /** Length of each test (out-of-sample) window. */
  readonly test: Nanos;
  /** How far each fold moves on; default `test`. */
  readonly step?: Nanos;
  /** Train windows all start at the range's start and grow (default: rolling windows of fixed length). */
  readonly anchored?: boolean;
}

/** What {@link runWalkForward} analyses, and how. */
export interface WalkForwardOptions {
  /** The raw run configuration (as parsed from YAML, before defaults) that points are written into. */
  readonly config: unknown;
  /** The config file's path: named in errors, and relative data paths resolve against its folder. */
  readonly configFile: string;
  /** Seed of every run; default: each point's configuration's `seed`. */
  readonly seed?: number;
  readonly axes: readonly ParamAxis[];
  /** What the train sweeps rank by; default `sharpe`. */
  readonly objective?: SweepObjective;
  /** Worker threads of each train sweep (default: one per CPU). */
  readonly workers?: number;
  readonly folds: WalkForwardSpec;
  /** Start of the analysed range (inclusive); default: the data's first bar close. */
  readonly from?: Nanos;
  /** End of the analysed range (exclusive); default: just after the data's last bar close. */
  readonly to?: Nanos;
  /** Called as runs finish: runs done and the total (every fold's sweep points plus its test run). */
  readonly onProgress?: (done: number, total: number) => void;
  /** @internal Test hooks of the train sweep of the fold with that index (see {@link SweepOptions}). */
  readonly testHooks?: { readonly sweeps?: Readonly<Record<number, SweepOptions['testHooks']>> };
}

/** One fold of a finished walk-forward analysis. */
export interface WalkForwardFoldOutcome extends WalkForwardFold {
  readonly status: 'completed' | 'failed';
  /** The train sweep: its size, backtests completed, failures and ranking (grid indices, best first). */
  readonly sweep: {
    readonly points: number;
    readonly ran: number;
    readonly failed: number;
    readonly ranking: readonly number[];
  };
  /** The chosen point (the first of the ranking) and its in-sample run; absent when every point failed. */
  readonly best:
    | {
        readonly index: number;
        readonly params: GridPoint;
        /** Its objective value on the train window. */
        readonly objective: number;
        readonly runId: string;
        readonly metrics: SweepMetrics;
      }
    | undefined;
  /** The chosen point's run on the test window; absent when the fold failed. */
  readonly oos:
    | { readonly runId: string; readonly metrics: PerformanceSummary; readonly counts: SweepCounts }
    | undefined;
  readonly error: { readonly code: string; readonly message: string } | undefined;
}

/** A finished walk-forward analysis. */
export interface WalkForwardOutcome {
  readonly configFile: string;
  readonly seed: number | undefined;
  readonly objective: SweepObjective;
  readonly axes: readonly ParamAxis[];
  readonly spec: Required<WalkForwardSpec>;
  /** The analysed range. */
  readonly range: TimeRange;
  readonly folds: readonly WalkForwardFoldOutcome[];
  /** Per-fold and overall out-of-sample analytics, the stitched equity curve included. */
  readonly summary: WalkForwardSummary;
  /** Most worker threads any fold's sweep started. */
  readonly workers: number;
  readonly elapsedMs: number;
}

/** The first and last bar close of the configured data, read from the bar source once (tick data: its first and last message). */
async function dataRange(config: ReturnType<typeof applyParams>, seed: number): Promise<TimeRange> {
  if (config.data.kind === 'lobster') {
    const range = lobsterTimeRange(config.data);
    if (range === undefined) {
      throw new TradestateError(
        ErrorCode.WALK_FORWARD_INVALID,
        'the configured LOBSTER file has no messages to walk forward over',
        { file: config.data.messages }
      );
    }
    return range;
  }
  const { source } = await openBars(config, instrumentsFor(config), seed);
  let first: Nanos | undefined;
  let last: Nanos | undefined;
  for await (const batch of source) {
    if (batch.length === 0) continue;
    first ??= batch[0]!.tsEvent;
    last = batch.at(-1)!.tsEvent;
  }
  if (first === undefined || last === undefined) {
    throw new TradestateError(
      ErrorCode.WALK_FORWARD_INVALID,
      'the configured data has no bars to walk forward over'
    );
  }
  return { from: first, to: last + 1n };
}

/**
 * Walk forward: cut `[from, to)` into folds, and in each (in order) sweep the grid of `axes` on the train
 * window, take the best point of the sweep's ranking (ties: lower grid index) and backtest it, in process, on
 * the test window. A fold whose every point failed, or whose test run throws, is reported as failed with the
 * reason and the others go on.
 *
 * @throws TradestateError `TRD_ERR_WALK_FORWARD_INVALID` for a fold geometry that does not fit the range (see
 * {@link walkForwardFolds}) or data without bars; `TRD_ERR_CONFIG_INVALID` for an invalid base configuration
 * or an axis the configuration does not have; `TRD_ERR_SWEEP_INVALID` as {@link runSweep}.
 */
export async function runWalkForward(opts: WalkForwardOptions): Promise<WalkForwardOutcome> {
  const t0 = performance.now();
  const objective = opts.objective ?? 'sharpe';
  if (!SWEEP_OBJECTIVES.includes(objective)) {
    throw new TradestateError(ErrorCode.SWEEP_INVALID, `unknown objective "${objective}"`, { objective });
  }
  for (const a of opts.axes) assertKnownPath(opts.config, a.path, opts.configFile);
  const base = applyParams(opts.config, {}, opts.configFile);
  const spec: Required<WalkForwardSpec> = {
    train: opts.folds.train,
    test: opts.folds.test,
    step: opts.folds.step ?? opts.folds.test,
    anchored: opts.folds.anchored ?? false
  };
  const scanned =
    opts.from === undefined || opts.to === undefined
      ? await dataRange(base, opts.seed ?? base.seed)
      : undefined;
  const range: TimeRange = { from: opts.from ?? scanned!.from, to: opts.to ?? scanned!.to };
  const folds = walkForwardFolds({
    from: range.from,
    to: range.to,
    trainNs: spec.train,
    testNs: spec.test,
    stepNs: spec.step,
    anchored: spec.anchored
  });

  const perFold = gridSize(opts.axes) + 1;
  const total = folds.length * perFold;
  const outcomes: WalkForwardFoldOutcome[] = [];
  const results: WalkForwardFoldResult[] = [];
  let workers = 0;
  for (const fold of folds) {
    const hooks = opts.testHooks?.sweeps?.[fold.index];
    const sweep = await runSweep({
      config: opts.config,
      configFile: opts.configFile,
      axes: opts.axes,
      objective,
      window: fold.train,
      ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
      ...(opts.workers !== undefined ? { workers: opts.workers } : {}),
      ...(hooks ? { testHooks: hooks } : {}),
      onProgress: (done) => opts.onProgress?.(fold.index * perFold + done, total)
    });
    workers = Math.max(workers, sweep.workers);
    const sweepInfo = {
      points: sweep.results.length,
      ran: sweep.results.filter((x) => x.counts !== undefined).length,
      failed: sweep.failed,
      ranking: sweep.ranking
    };
    const bestIndex = sweep.ranking[0];
    if (bestIndex === undefined) {
      const first = sweep.results.find((r) => r.error !== undefined);
      const error = {
        code: first?.error?.code ?? ErrorCode.SWEEP_INVALID,
        message:
          `every point of the train sweep failed` +
          (first?.error ? ` (first: #${first.index}: ${first.error.message})` : '')
      };
      outcomes.push({ ...fold, status: 'failed', sweep: sweepInfo, best: undefined, oos: undefined, error });
      results.push({ fold, error });
      opts.onProgress?.((fold.index + 1) * perFold, total);
      continue;
    }
    const r = sweep.results[bestIndex]!;
    const metrics = r.metrics!;
    const best = {
      index: bestIndex,
      params: r.params,
      // a run too short to annualise has no Calmar: NaN, which ranks last and writes as null
      objective: metrics[objective] ?? Number.NaN,
      runId: r.runId!,
      metrics
    };
    const chosen = {
      bestParams: r.params,
      isMetric: best.objective,
      isAnnualizedReturn: metrics.annualizedReturn ?? Number.NaN
    };
    try {
      const config = applyParams(opts.config, r.params, opts.configFile);
      const run = await runBacktest({
        config,
        configFile: opts.configFile,
        seed: opts.seed ?? config.seed,
        window: fold.test,
        monteCarloPaths: 0
      });
      const trips = run.portfolio.tripsForAnalytics();
      outcomes.push({
        ...fold,
        status: 'completed',
        sweep: sweepInfo,
        best,
        oos: {
          runId: run.runId,
          metrics: run.summary,
          counts: {
            bars: run.bars,
            orders: run.orders,
            fills: run.fills,
            rejected: run.rejected,
            events: run.events
          }
        },
        error: undefined
      });
      results.push({
        fold,
        ...chosen,
        oosEquity: run.equity,
        oosTrades: trips,
        ...(run.benchmark && run.benchmarkEquity
          ? {
              oosBenchmark: {
                spec: { kind: run.benchmark.kind, symbols: run.benchmark.symbols },
                equity: run.benchmarkEquity
              }
            }
          : {})
      });
    } catch (e) {
      const error = errorOf(e);
      outcomes.push({ ...fold, status: 'failed', sweep: sweepInfo, best, oos: undefined, error });
      results.push({ fold, ...chosen, error });
    }
    opts.onProgress?.((fold.index + 1) * perFold, total);
  }
  return {
    configFile: opts.configFile,
    seed: opts.seed,
    objective,
    axes: opts.axes,
    spec,
    range,
    folds: outcomes,
    summary: walkForwardSummary(results, summaryOptionsFor(base)),
    workers,
    elapsedMs: performance.now() - t0
  };
}

/** A length in nanoseconds as a duration (`3d`, `12h`), or `<n>ns` when not whole milliseconds. */
function durationText(ns: Nanos): string {
  return ns % NS_PER_MS === 0n ? formatDuration(Number(ns / NS_PER_MS)) : `${ns}ns`;
}

function rangeJson(r: TimeRange): { from: string; to: string } {
  return { from: isoFromNs(r.from), to: isoFromNs(r.to) };
}

/** Replace non-finite numbers (which JSON cannot hold) by the strings `Infinity`, `-Infinity` and `NaN`, as sweep.json does. */
function finite(_k: string, v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/**
 * The analysis as JSON (`walk-forward.json`): inputs (config file, seed, objective, axes, fold lengths,
 * range), every fold (windows, status, the train sweep's ranking, the chosen point and its in-sample
 * metrics, the out-of-sample run's id, metrics and counts, or the error), the overall out-of-sample metrics
 * (and, with a benchmark, the stitched benchmark's metrics and the relative statistics), efficiency and fraction
 * of positive folds, and the stitched out-of-sample curve at UTC-day closes. Times
 * are ISO strings; nothing depends on timing or the worker count.
 */
export function walkForwardJson(o: WalkForwardOutcome): string {
  const s = o.summary;
  const doc = {
    configFile: o.configFile,
    seed: o.seed ?? null,
    objective: o.objective,
    axes: o.axes,
    train: durationText(o.spec.train),
    test: durationText(o.spec.test),
    step: durationText(o.spec.step),
    anchored: o.spec.anchored,
    range: rangeJson(o.range),
    folds: o.folds.map((f) => ({
      index: f.index,
      train: rangeJson(f.train),
      test: rangeJson(f.test),
      status: f.status,
      sweep: f.sweep,
      best: f.best ?? null,
      oos: f.oos ?? null,
      ...(f.error ? { error: f.error } : {})
    })),
    overall: {
      completed: s.completed,
      failed: s.failed,
      efficiency: s.efficiency,
      meanIsAnnualizedReturn: s.meanIsAnnualizedReturn,
      meanOosAnnualizedReturn: s.meanOosAnnualizedReturn,
      positiveFraction: s.positiveFraction,
      oos: s.oos,
      ...(s.benchmark ? { benchmark: s.benchmark } : {}),
      equity: dailyCloses(s.stitched).map((p) => ({ ts: isoFromNs(p.ts), equity: p.equity }))
    }
  };
  return `${JSON.stringify(doc, finite, 2)}\n`;
}

/**
 * Walk-forward analysis, the pure part: the fold geometry (rolling or anchored train windows, each followed by
 * its test window) and the summary of the folds' results (out-of-sample metrics per fold and on the stitched
 * out-of-sample equity curve, walk-forward efficiency). No I/O; the runner is src/sweep/walk-forward-runner.ts.
 */
import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs, type Nanos } from '../core/nanos.ts';
import { type BenchmarkSpec, type BenchmarkSummary, benchmarkSummary } from './benchmark.ts';
import { computeSummary, type SummaryOptions } from './summary.ts';
import type { EquityPoint, PerformanceSummary, RoundTrip } from './types.ts';

/** A half-open time range `[from, to)` in epoch nanoseconds. */
export interface TimeRange {
  readonly from: Nanos;
  readonly to: Nanos;
}

/** One fold: optimise on `train`, then trade the chosen parameters on `test` (which starts where `train` ends). */
export interface WalkForwardFold {
  /** 0, 1, 2, … in time order. */
  readonly index: number;
  readonly train: TimeRange;
  readonly test: TimeRange;
}

/** The geometry of a walk-forward analysis (see {@link walkForwardFolds}). */
export interface WalkForwardFoldSpec {
  /** Start of the analysed range (inclusive). */
  readonly from: Nanos;
  /** End of the analysed range (exclusive). */
  readonly to: Nanos;
  /** Length of each train (in-sample) window; in anchored mode, of the first. */
  readonly trainNs: Nanos;
  /** Length of each test (out-of-sample) window. */
  readonly testNs: Nanos;
  /** How far each fold moves on from the one before; default `testNs` (test windows back to back). */
  readonly stepNs?: Nanos;
  /** Every train window starts at `from` and grows by `stepNs` per fold (default: rolling, fixed length). */
  readonly anchored?: boolean;
}

/** Most folds one walk-forward analysis may have. */
export const MAX_WALK_FORWARD_FOLDS = 1_000;

function invalid(message: string, context: Record<string, unknown>): TradestateError {
  return new TradestateError(ErrorCode.WALK_FORWARD_INVALID, message, context);
}

/**
 * The folds covering `[from, to)`: fold k's test window is `[from + train + k·step, … + test)` and its train
 * window the `train` before it (rolling) or everything from `from` (anchored). Folds whose test window would
 * end after `to` are left out, so every window lies inside `[from, to)` and no test window is empty or cut
 * short. With `step ≥ test` test windows never overlap (`step > test` leaves gaps between them).
 *
 * @throws TradestateError `TRD_ERR_WALK_FORWARD_INVALID` for a train, test or step length that is not
 * positive, an empty range, a range shorter than one train plus one test window, or more than
 * {@link MAX_WALK_FORWARD_FOLDS} folds.
 */
export function walkForwardFolds(spec: WalkForwardFoldSpec): WalkForwardFold[] {
  const { from, to, trainNs, testNs } = spec;
  const stepNs = spec.stepNs ?? testNs;
  for (const [name, v] of [
    ['train', trainNs],
    ['test', testNs],
    ['step', stepNs]
  ] as const) {
    if (v <= 0n) throw invalid(`walk-forward ${name} length must be positive, got ${v} ns`, { [name]: v });
  }
  if (from >= to) {
    throw invalid(`walk-forward range is empty: from ${isoFromNs(from)} is not before to ${isoFromNs(to)}`, {
      from,
      to
    });
  }
  if (from + trainNs + testNs > to) {
    throw invalid(
      `walk-forward range ${isoFromNs(from)} to ${isoFromNs(to)} is too short for one fold (train + test)`,
      { from, to, trainNs, testNs }
    );
  }
  const count = (to - from - trainNs - testNs) / stepNs + 1n;
  if (count > BigInt(MAX_WALK_FORWARD_FOLDS)) {
    throw invalid(`walk-forward would have ${count} folds, more than the ${MAX_WALK_FORWARD_FOLDS} allowed`, {
      folds: count
    });
  }
  const folds: WalkForwardFold[] = [];
  for (let k = 0; k < Number(count); k++) {
    const testFrom = from + trainNs + BigInt(k) * stepNs;
    folds.push({
      index: k,
      train: { from: spec.anchored ? from : testFrom - trainNs, to: testFrom },
      test: { from: testFrom, to: testFrom + testNs }
    });
  }
  return folds;
}

/** What one fold gave: the parameters its train sweep chose and their out-of-sample run, or why it failed. */
export interface WalkForwardFoldResult {
  readonly fold: WalkForwardFold;
  /** The chosen parameters (dotted config path → value); absent when the fold failed before choosing. */
  readonly bestParams?: Readonly<Record<string, number | boolean | string>>;
  /** The objective's value of the chosen point on the train window. */
  readonly isMetric?: number;
  /** The chosen point's annualised return on the train window (for the walk-forward efficiency). */
  readonly isAnnualizedReturn?: number;
  /** The equity curve of the chosen parameters on the test window; present exactly when the fold completed. */
  readonly oosEquity?: readonly EquityPoint[];
  /** Their closed round trips on the test window. */
  readonly oosTrades?: readonly RoundTrip[];
  /** The run's benchmark on the test window, point for point with `oosEquity` (none when the run had none). */
  readonly oosBenchmark?: { readonly spec: BenchmarkSpec; readonly equity: readonly EquityPoint[] };
  /** Why the fold failed. */
  readonly error?: { readonly code: string; readonly message: string };
}

/** One fold in a {@link WalkForwardSummary}. */
export interface WalkForwardFoldSummary {
  readonly index: number;
  readonly train: TimeRange;
  readonly test: TimeRange;
  readonly status: 'completed' | 'failed';
  readonly bestParams: Readonly<Record<string, number | boolean | string>> | undefined;
  readonly isMetric: number | undefined;
  readonly isAnnualizedReturn: number | undefined;
  /** Metrics of the out-of-sample run ({@link computeSummary} of its equity and trades); completed folds only. */
  readonly oosMetrics: PerformanceSummary | undefined;
  readonly error: { readonly code: string; readonly message: string } | undefined;
}

/** The walk-forward analysis as a whole. */
export interface WalkForwardSummary {
  readonly folds: readonly WalkForwardFoldSummary[];
  readonly completed: number;
  readonly failed: number;
  /** The completed folds' out-of-sample equity curves chained into one (see {@link stitchEquity}). */
  readonly stitched: readonly EquityPoint[];
  /** Metrics of the stitched curve with every completed fold's out-of-sample round trips. */
  readonly oos: PerformanceSummary;
  /**
   * The stitched curve against the folds' benchmark curves stitched the same way (so the benchmark too restarts
   * from where the strategy's last fold ended, window by window); undefined unless every completed fold has one.
   */
  readonly benchmark: BenchmarkSummary | undefined;
  /** Mean out-of-sample annualised return of the completed folds (NaN when there is none). */
  readonly meanOosAnnualizedReturn: number;
  /** Mean in-sample annualised return of the chosen points of the completed folds (NaN when there is none). */
  readonly meanIsAnnualizedReturn: number;
  /**
   * Walk-forward efficiency: mean out-of-sample over mean in-sample annualised return. NaN when it means
   * nothing: no completed fold, or a mean in-sample return that is not positive.
   */
  readonly efficiency: number;
  /** Fraction of the completed folds whose out-of-sample total return is positive (NaN when none completed). */
  readonly positiveFraction: number;
}

/**
 * Chain equity curves into one, each continuing where the one before ended: curve k is rescaled so that its
 * base (its last point at or before the previous curve's last time, else its first point) equals the
 * previous curve's last equity; its points after that time are kept. Back-to-back curves thus start at the
 * level the one before ended, and overlapping ones (test windows with step < test) count each stretch of time
 * once, so the result stays in time order. The first curve is kept as it is; curves with fewer than two
 * points (no bar traded) or a non-positive base are skipped.
 */
export function stitchEquity(curves: readonly (readonly EquityPoint[])[]): EquityPoint[] {
  const out: EquityPoint[] = [];
  for (const curve of curves) {
    if (curve.length < 2) continue;
    const last = out.at(-1);
    if (last === undefined) {
      out.push(...curve);
      continue;
    }
    let base = curve[0]!;
    for (const p of curve) if (p.ts <= last.ts) base = p;
    if (!(base.equity > 0)) continue;
    const scale = last.equity / base.equity;
    for (const p of curve) {
      if (p.ts > last.ts) out.push({ ts: p.ts, equity: p === base ? last.equity : p.equity * scale });
    }
  }
  return out;
}

/**
 * The completed folds' benchmark curves stitched like their equity curves, summarised against `stitched`; undefined
 * when a fold has no benchmark or the two stitched curves do not share their instants.
 */
function stitchedBenchmark(
  ok: readonly WalkForwardFoldResult[],
  stitched: readonly EquityPoint[],
  opts: SummaryOptions
): BenchmarkSummary | undefined {
  const spec = ok[0]?.oosBenchmark?.spec;
  if (spec === undefined || ok.some((r) => r.oosBenchmark === undefined)) return undefined;
  const curve = stitchEquity(ok.map((r) => r.oosBenchmark!.equity));
  if (curve.length !== stitched.length || curve.some((p, i) => p.ts !== stitched[i]!.ts)) return undefined;
  return benchmarkSummary(spec, stitched, curve, opts);
}

/** Mean of the finite values; NaN when there is none. */
function finiteMean(xs: readonly (number | null | undefined)[]): number {
  const f = xs.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return f.length === 0 ? Number.NaN : f.reduce((a, b) => a + b, 0) / f.length;
}

/**
 * Summarise a walk-forward analysis from its folds' results (in fold order): per fold the chosen parameters,
 * their in-sample objective and their out-of-sample metrics; overall, the metrics of the stitched
 * out-of-sample equity curve, the walk-forward efficiency and the fraction of folds that made money out of
 * sample. A fold completed when it has an out-of-sample equity curve and no error; failed folds are listed
 * and otherwise left out. `opts` annualises as the runs' own summaries do (the data's calendar).
 */
export function walkForwardSummary(
  results: readonly WalkForwardFoldResult[],
  opts: SummaryOptions = {}
): WalkForwardSummary {
  const folds: WalkForwardFoldSummary[] = results.map((r) => {
    const done = r.error === undefined && r.oosEquity !== undefined;
    return {
      index: r.fold.index,
      train: r.fold.train,
      test: r.fold.test,
      status: done ? 'completed' : 'failed',
      bestParams: r.bestParams,
      isMetric: r.isMetric,
      isAnnualizedReturn: r.isAnnualizedReturn,
      oosMetrics: done ? computeSummary(r.oosEquity!, r.oosTrades ?? [], opts) : undefined,
      error: done ? undefined : (r.error ?? { code: ErrorCode.WALK_FORWARD_INVALID, message: 'no result' })
    };
  });
  const ok = results.filter((_, i) => folds[i]!.status === 'completed');
  const okSummaries = folds.filter((f) => f.status === 'completed');
  const stitched = stitchEquity(ok.map((r) => r.oosEquity!));
  const oos = computeSummary(
    stitched,
    ok.flatMap((r) => r.oosTrades ?? []),
    opts
  );
  const benchmark = stitchedBenchmark(ok, stitched, opts);
  const meanOos = finiteMean(okSummaries.map((f) => f.oosMetrics!.annualizedReturn));
  const meanIs = finiteMean(ok.map((r) => r.isAnnualizedReturn));
  const efficiency = Number.isFinite(meanOos) && meanIs > 0 ? meanOos / meanIs : Number.NaN;
  const positive = okSummaries.filter((f) => f.oosMetrics!.totalReturn > 0).length;
  return {
    folds,
    completed: okSummaries.length,
    failed: folds.length - okSummaries.length,
    stitched,
    oos,
    benchmark,
    meanOosAnnualizedReturn: meanOos,
    meanIsAnnualizedReturn: meanIs,
    efficiency: Number.isFinite(efficiency) ? efficiency : Number.NaN,
    positiveFraction: okSummaries.length === 0 ? Number.NaN : positive / okSummaries.length
  };
}

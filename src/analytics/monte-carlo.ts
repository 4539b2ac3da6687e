import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { MIN_TAIL_RETURNS } from './types.ts';
import { quantileSorted } from './value-at-risk.ts';

/** Options of {@link bootstrapReturns}. */
export interface BootstrapOptions {
  /** Number of simulated paths (positive integer). */
  readonly paths: number;
  /** Periods per path; default the length of the sample. */
  readonly horizon?: number;
  /** Percentiles to report, each in [0, 100]; default `[5, 25, 50, 75, 95]`. */
  readonly percentiles?: readonly number[];
}

/** Final return and maximum drawdown at one percentile of the simulated paths. */
export interface BootstrapPercentile {
  readonly percentile: number;
  /** Compounded return of the path, fraction. */
  readonly finalReturn: number;
  /** Maximum drawdown of the path, positive fraction. */
  readonly maxDrawdown: number;
}

/** Distribution of bootstrapped outcomes; the arrays are sorted ascending and hold one value per path. */
export interface BootstrapResult {
  readonly finalReturns: readonly number[];
  readonly maxDrawdowns: readonly number[];
  /** Percentiles of each distribution taken independently (linear interpolation). */
  readonly percentiles: readonly BootstrapPercentile[];
  /** Fraction of paths ending with a loss. */
  readonly probabilityOfLoss: number;
}

/**
 * Monte Carlo i.i.d. bootstrap of periodic (e.g. daily) returns: each path draws `horizon` returns with
 * replacement using the injected seeded {@link Rng}, compounds them from 1 and records its final return and
 * maximum drawdown (equity saturates at ±`Number.MAX_VALUE`, so an overflowing path is a huge gain, not a NaN).
 * The same seed gives the same result. An empty sample yields all-zero outcomes. Throws `TRD_ERR_NUMBER_INVALID`
 * for a non-positive or non-integer `paths`, a negative or non-integer `horizon`, or a percentile outside [0, 100].
 */
export function bootstrapReturns(
  returns: readonly number[],
  rng: Rng,
  opts: BootstrapOptions
): BootstrapResult {
  const horizon = opts.horizon ?? returns.length;
  const pcts = opts.percentiles ?? [5, 25, 50, 75, 95];
  if (!Number.isSafeInteger(opts.paths) || opts.paths <= 0) {
    throw new TradestateError(
      ErrorCode.NUMBER_INVALID,
      `paths must be a positive integer, got ${opts.paths}`,
      {
        paths: opts.paths
      }
    );
  }
  if (!Number.isSafeInteger(horizon) || horizon < 0) {
    throw new TradestateError(
      ErrorCode.NUMBER_INVALID,
      `horizon must be a non-negative integer, got ${horizon}`,
      {
        horizon
      }
    );
  }
  for (const p of pcts) {
    if (!(p >= 0 && p <= 100)) {
      throw new TradestateError(ErrorCode.NUMBER_INVALID, `percentile must be in [0, 100], got ${p}`, {
        percentile: p
      });
    }
  }
  const n = returns.length;
  const finals: number[] = [];
  const dds: number[] = [];
  for (let k = 0; k < opts.paths; k++) {
    let eq = 1;
    let peak = 1;
    let mdd = 0;
    if (n > 0) {
      for (let t = 0; t < horizon; t++) {
        // saturates at ±Number.MAX_VALUE, so a path of huge returns stays a huge gain with finite drawdowns
        eq = Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, eq * (1 + returns[rng.int(n)]!)));
        if (eq > peak) peak = eq;
        else if (peak > 0) mdd = Math.max(mdd, (peak - eq) / peak);
      }
    }
    finals.push(eq - 1);
    dds.push(mdd);
  }
  finals.sort((a, b) => a - b);
  dds.sort((a, b) => a - b);
  return {
    finalReturns: finals,
    maxDrawdowns: dds,
    percentiles: pcts.map((p) => ({
      percentile: p,
      finalReturn: quantileSorted(finals, p / 100),
      maxDrawdown: quantileSorted(dds, p / 100)
    })),
    probabilityOfLoss: finals.filter((r) => r < 0).length / finals.length
  };
}

/** A run's Monte Carlo block: its daily returns bootstrapped into `paths` alternative histories of its length. */
export interface MonteCarloSummary {
  readonly method: 'bootstrap-daily-returns';
  readonly paths: number;
  /** Daily returns drawn per path: as many as the run had. */
  readonly horizon: number;
  /** Final return and maximum drawdown at the 5th, 25th, 50th, 75th and 95th percentiles. */
  readonly percentiles: readonly BootstrapPercentile[];
  /** Fraction of paths ending with a loss. */
  readonly probabilityOfLoss: number;
}

/**
 * Bootstrap a run's daily returns ({@link bootstrapReturns}) into a {@link MonteCarloSummary}; undefined with
 * fewer than {@link MIN_TAIL_RETURNS} returns (with less, the paths only replay a handful of days and the 5th
 * percentile lies outside them) or no paths.
 */
export function monteCarloSummary(
  dailyReturns: readonly number[],
  rng: Rng,
  paths: number
): MonteCarloSummary | undefined {
  if (paths === 0 || dailyReturns.length < MIN_TAIL_RETURNS) return undefined;
  const r = bootstrapReturns(dailyReturns, rng, { paths });
  return {
    method: 'bootstrap-daily-returns',
    paths,
    horizon: dailyReturns.length,
    percentiles: r.percentiles,
    probabilityOfLoss: r.probabilityOfLoss
  };
}

import { mean, STD_EPSILON, sampleStd } from './moments.ts';
import { computeSummary, ratioSeries, type SummaryOptions } from './summary.ts';
import type { EquityPoint, PerformanceSummary } from './types.ts';

/**
 * A buy-and-hold benchmark: the starting equity split equally over `symbols`, each bought at its first price
 * (its first bar's close, or first mid: the first moment a strategy could have traded it) and held to the end,
 * with no costs. Until its first price a symbol's share is held as cash. Plain and allocation-free per mark.
 */
export class BuyAndHold {
  readonly #index = new Map<string, number>();
  readonly #first: Float64Array;
  readonly #last: Float64Array;
  readonly #start: number;

  constructor(symbols: readonly string[], startEquity: number) {
    for (const [i, s] of symbols.entries()) this.#index.set(s, i);
    this.#first = new Float64Array(symbols.length).fill(Number.NaN);
    this.#last = new Float64Array(symbols.length).fill(Number.NaN);
    this.#start = startEquity;
  }

  /** A new price of `instrumentId` (ignored unless it is one of the symbols; a price ≤ 0 is ignored). */
  mark(instrumentId: string, px: number): void {
    const i = this.#index.get(instrumentId);
    if (i === undefined || !(px > 0)) return;
    if (Number.isNaN(this.#first[i]!)) this.#first[i] = px;
    this.#last[i] = px;
  }

  /** The benchmark's equity now. */
  value(): number {
    const n = this.#first.length;
    if (n === 0) return this.#start;
    let growth = 0;
    for (let i = 0; i < n; i++) {
      const f = this.#first[i]!;
      growth += Number.isNaN(f) ? 1 : this.#last[i]! / f;
    }
    return (this.#start * growth) / n;
  }
}

/**
 * A strategy measured against a benchmark, from the two equity curves' returns on the ratios' basis (daily, or
 * intraday for a run within a day or two). `null` where the data cannot say: fewer than two returns, a benchmark
 * that never moves (beta, alpha, correlation), a strategy that never moves (correlation), or returns that never
 * differ (information ratio).
 */
export interface RelativeStats {
  /** Jensen's alpha, annualised (× periods per year): mean excess return not explained by beta, fraction. */
  readonly alpha: number | null;
  /** Covariance with the benchmark's returns over their variance. */
  readonly beta: number | null;
  /** Pearson correlation of the two return series. */
  readonly correlation: number | null;
  /** Standard deviation of the active returns (strategy − benchmark), annualised, fraction. */
  readonly trackingError: number | null;
  /** Annualised mean active return over the tracking error. */
  readonly informationRatio: number | null;
}

/** Which buy-and-hold benchmark: of every symbol of the data in equal parts, or of one symbol. */
export interface BenchmarkSpec {
  readonly kind: 'equal-weight' | 'symbol';
  readonly symbols: readonly string[];
}

/** What a run is measured against: how the benchmark is made, its own statistics and the relative ones. */
export interface BenchmarkSummary extends BenchmarkSpec {
  /** The benchmark curve's own statistics (no trades: the trade fields are zero). */
  readonly metrics: PerformanceSummary;
  readonly relative: RelativeStats;
}

const NONE: RelativeStats = {
  alpha: null,
  beta: null,
  correlation: null,
  trackingError: null,
  informationRatio: null
};

/**
 * {@link RelativeStats} of `strategy` against `benchmark`, two equity curves sampled at the same instants (the
 * benchmark curve is recorded next to the equity curve). `opts` as for {@link computeSummary}; its `riskFree` is
 * taken out of both returns for alpha.
 */
export function relativeStats(
  strategy: readonly EquityPoint[],
  benchmark: readonly EquityPoint[],
  opts: SummaryOptions = {}
): RelativeStats {
  const s = ratioSeries(strategy, opts);
  const b = ratioSeries(benchmark, opts);
  const n = s.returns.length;
  if (n < 2 || b.returns.length !== n) return NONE;
  const ppy = s.periodsPerYear;
  const ms = mean(s.returns);
  const mb = mean(b.returns);
  let cov = 0;
  let vb = 0;
  let vs = 0;
  const active = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const ds = s.returns[i]! - ms;
    const db = b.returns[i]! - mb;
    cov += ds * db;
    vb += db * db;
    vs += ds * ds;
    active[i] = s.returns[i]! - b.returns[i]!;
  }
  cov /= n - 1;
  const sdB = Math.sqrt(vb / (n - 1));
  const sdS = Math.sqrt(vs / (n - 1));
  const sdA = sampleStd(active);
  const rf = (opts.riskFree ?? 0) / ppy;
  const beta = sdB > STD_EPSILON ? cov / (sdB * sdB) : null;
  return {
    alpha: beta === null ? null : (ms - rf - beta * (mb - rf)) * ppy,
    beta,
    correlation: beta === null || !(sdS > STD_EPSILON) ? null : cov / (sdS * sdB),
    trackingError: sdA * Math.sqrt(ppy),
    informationRatio: sdA > STD_EPSILON ? (mean(active) / sdA) * Math.sqrt(ppy) : null
  };
}

/** The {@link BenchmarkSummary} of a run from its equity curve and its benchmark's, sampled at the same instants. */
export function benchmarkSummary(
  spec: BenchmarkSpec,
  strategy: readonly EquityPoint[],
  benchmark: readonly EquityPoint[],
  opts: SummaryOptions = {}
): BenchmarkSummary {
  return {
    ...spec,
    metrics: computeSummary(benchmark, [], opts),
    relative: relativeStats(strategy, benchmark, opts)
  };
}

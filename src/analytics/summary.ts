import { isoFromNsTrimmed } from '../core/nanos.ts';
import { annualizedReturn, calendarDays } from './annualized-return.ts';
import { annualizedVolatility } from './annualized-volatility.ts';
import { calmarRatio } from './calmar-ratio.ts';
import { dailyReturns } from './daily-returns.ts';
import { intradayReturns } from './intraday-returns.ts';
import { maxDrawdown } from './max-drawdown.ts';
import { sharpeRatio } from './sharpe-ratio.ts';
import { sortinoRatio } from './sortino-ratio.ts';
import { totalReturn } from './total-return.ts';
import { tradeStats } from './trade-stats.ts';
import { type EquityPoint, MIN_TAIL_RETURNS, type PerformanceSummary, type RoundTrip } from './types.ts';
import { historicalCvar, historicalVar } from './value-at-risk.ts';

/** Options of {@link computeSummary}. */
export interface SummaryOptions {
  /** Annual risk-free rate (fraction) for Sharpe and Sortino; default 0. */
  readonly riskFree?: number;
  /** Periods per year used to annualise daily-return statistics; default 252. */
  readonly periodsPerYear?: number;
  /** Trading session length (ns) for annualising intraday returns; default 6.5 hours. */
  readonly sessionNs?: bigint;
}

/**
 * Every headline statistic of a run from its time-sorted equity curve (any sampling frequency; return
 * statistics use UTC-day closes, drawdowns the full-resolution curve) and its closed round trips.
 * Empty or degenerate input yields zeros, never NaN; what a run too short for it cannot estimate is `null` (see
 * {@link PerformanceSummary}).
 */
export function computeSummary(
  equity: readonly EquityPoint[],
  trades: readonly RoundTrip[],
  opts: SummaryOptions = {}
): PerformanceSummary {
  const returns = dailyReturns(equity);
  const { returns: ratioReturns, periodsPerYear: ratioPeriods, basis } = ratioSeries(equity, opts, returns);
  const ratioBasisOpts = { riskFree: opts.riskFree ?? 0, periodsPerYear: ratioPeriods };
  const dd = maxDrawdown(equity);
  const days = calendarDays(equity);
  const cagr = days < 1 ? null : annualizedReturn(equity);
  const tail = returns.length >= MIN_TAIL_RETURNS;
  const ts = tradeStats(trades);
  return {
    startEquity: finite(equity[0]?.equity),
    endEquity: finite(equity[equity.length - 1]?.equity),
    totalReturn: totalReturn(equity),
    annualizedReturn: cagr,
    annualizedVolatility: finite(annualizedVolatility(ratioReturns, ratioPeriods)),
    sharpe: sharpeRatio(ratioReturns, ratioBasisOpts),
    sortino: sortinoRatio(ratioReturns, ratioBasisOpts),
    ratioBasis: basis,
    calmar: cagr === null ? null : calmarRatio(cagr, dd.maxDrawdown),
    maxDrawdown: dd.maxDrawdown,
    maxDrawdownPeak: isoOrNull(dd.peakTs),
    maxDrawdownTrough: isoOrNull(dd.troughTs),
    maxDrawdownRecovery: isoOrNull(dd.recoveryTs),
    maxDrawdownDurationDays: dd.maxDurationDays,
    var95: tail ? historicalVar(returns, 0.95) : null,
    cvar95: tail ? historicalCvar(returns, 0.95) : null,
    tradeCount: ts.tradeCount,
    winRate: ts.winRate,
    profitFactor: ts.profitFactor,
    avgTradePnl: finite(ts.avgTradePnl),
    days
  };
}

/** The returns that volatility, Sharpe and Sortino are computed from, and how many of them make a year. */
export interface RatioSeries {
  readonly returns: number[];
  readonly periodsPerYear: number;
  readonly basis: PerformanceSummary['ratioBasis'];
}

/**
 * The return series of an equity curve that its ratios use: daily returns, or, for a run within one or two days
 * (no daily-return series), the curve's own samples annualised as `periodsPerYear` sessions of `sessionNs`. Two
 * curves sampled at the same instants give aligned series on the same basis.
 */
export function ratioSeries(
  equity: readonly EquityPoint[],
  opts: SummaryOptions = {},
  daily: number[] = dailyReturns(equity)
): RatioSeries {
  const periodsPerYear = opts.periodsPerYear ?? 252;
  const intraday = daily.length < 2 ? intradayReturns(equity, opts.sessionNs) : undefined;
  return intraday
    ? {
        returns: intraday.returns,
        periodsPerYear: periodsPerYear * intraday.periodsPerDay,
        basis: 'intraday'
      }
    : { returns: daily, periodsPerYear, basis: 'daily' };
}

function finite(x: number | undefined): number {
  return x !== undefined && Number.isFinite(x) ? x : 0;
}

/** A time as ISO-8601 UTC, without sub-second digits that are zero; null for none. */
function isoOrNull(ns: bigint | undefined): string | null {
  return ns === undefined ? null : isoFromNsTrimmed(ns);
}

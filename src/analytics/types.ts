/** Daily returns needed for a 95% tail statistic (VaR, CVaR, a Monte Carlo percentile): 1 / (1 − 0.95). */
export const MIN_TAIL_RETURNS = 20;

/** One point of an account equity curve. */
export interface EquityPoint {
  /** Epoch nanoseconds. */
  readonly ts: bigint;
  /** Account equity in account currency. */
  readonly equity: number;
}

/** A closed position: entry to flat. */
export interface RoundTrip {
  readonly instrumentId: string;
  readonly side: 'long' | 'short';
  /** Epoch nanoseconds. */
  readonly entryTs: bigint;
  /** Epoch nanoseconds. */
  readonly exitTs: bigint;
  readonly qty: number;
  /** Realised P&L net of commission, in account currency. */
  readonly pnl: number;
}

/**
 * Headline performance statistics of one run. Every field is a finite number except `profitFactor`,
 * `annualizedReturn` and `calmar` (Infinity for a gain that compounds past the largest double over a short
 * span) and the statistics a short run cannot estimate, which are `null` rather than a figure that means
 * nothing: an annual rate (and Calmar) from less than a day, a daily 95% tail from fewer than twenty daily
 * returns.
 */
export interface PerformanceSummary {
  startEquity: number;
  endEquity: number;
  /** Fraction: `end / start - 1`. */
  totalReturn: number;
  /**
   * CAGR over calendar time (365.25 days per year), fraction; `null` for a run that spans less than a day (an
   * hour compounded to a year says nothing: −0.7% in an hour is −100% a year).
   */
  annualizedReturn: number | null;
  /** Sample standard deviation of daily returns × √periodsPerYear, fraction. */
  annualizedVolatility: number;
  sharpe: number;
  sortino: number;
  /**
   * What volatility, Sharpe and Sortino were computed from: `daily` returns, or, for a run with fewer than two
   * daily returns (a tick backtest of an hour), the equity samples' `intraday` returns annualised as 252
   * sessions of 6.5 hours.
   */
  ratioBasis: 'daily' | 'intraday';
  /** Annualised return over maximum drawdown; `null` when {@link annualizedReturn} is. */
  calmar: number | null;
  /** Fraction, positive. */
  maxDrawdown: number;
  /**
   * When the deepest drawdown's peak and trough were and when the peak was regained (ISO-8601 UTC; `null` when
   * there was no drawdown, the recovery also when it never recovered).
   */
  maxDrawdownPeak: string | null;
  maxDrawdownTrough: string | null;
  maxDrawdownRecovery: string | null;
  /**
   * Longest underwater period: peak to recovery (or to end if never recovered), calendar days. It may be another
   * drawdown than the deepest.
   */
  maxDrawdownDurationDays: number;
  /**
   * Daily historical VaR at 95%, fraction, positive = loss; `null` with fewer than {@link MIN_TAIL_RETURNS} daily
   * returns (the 5% tail of fewer than 20 lies below the sample's minimum).
   */
  var95: number | null;
  /** Daily historical CVaR (expected shortfall) at 95%, fraction, positive = loss; `null` as {@link var95}. */
  cvar95: number | null;
  tradeCount: number;
  /** Fraction of trades with pnl > 0. */
  winRate: number;
  /** Gross profit / gross loss; `Infinity` when there are profits and no losses, 0 when no trades. */
  profitFactor: number;
  avgTradePnl: number;
  /** Calendar days from the first to the last equity point (fractional). */
  days: number;
}

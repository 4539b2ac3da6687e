import type { BenchmarkSummary, RelativeStats } from '../analytics/benchmark.ts';
import type { ExposureStats } from '../analytics/exposure.ts';
import type { MonteCarloSummary } from '../analytics/monte-carlo.ts';
import type { PeriodReturns } from '../analytics/period-returns.ts';
import type { InstrumentStats } from '../analytics/trade-stats.ts';
import type { PerformanceSummary } from '../analytics/types.ts';

/** How a metric the run cannot estimate is shown. */
export const NOT_AVAILABLE = 'n/a';

/**
 * `1234567.891` → `1,234,567.89` (fixed `digits`, ASCII, locale-independent); `∞`/`−∞` and `n/a` for non-finite.
 * A magnitude of 1e21 or more (where `toFixed` switches to exponent notation) is written out in full, grouped
 * like the rest, from its shortest round-trip digits (`1.5e21` → `1,500,000,000,000,000,000,000.00`).
 */
export function formatNumber(x: number, digits = 2): string {
  if (Number.isNaN(x)) return NOT_AVAILABLE;
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  const abs = Math.abs(x);
  const fixed =
    abs >= 1e21 ? `${integerDigits(abs)}${digits > 0 ? `.${'0'.repeat(digits)}` : ''}` : abs.toFixed(digits);
  const [int = '0', frac] = fixed.split('.');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const neg = x < 0 && Number(fixed) !== 0;
  return `${neg ? '-' : ''}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/** The digits of a finite `x ≥ 1e21` (an integer, which JavaScript prints as `d.ddde+N`): `1.5e+21` → `15` and 20 zeros. */
function integerDigits(x: number): string {
  const [mantissa = '0', exp = '0'] = String(x).split('e+');
  const [int = '', frac = ''] = mantissa.split('.');
  return `${int}${frac}${'0'.repeat(Math.max(0, Number(exp) - frac.length))}`;
}

/** A fraction as a percentage with 2 decimals: `0.1234` → `12.34%`. */
export function formatPct(x: number): string {
  return Number.isFinite(x) ? `${formatNumber(x * 100, 2)}%` : formatNumber(x);
}

/** A ratio with 2 decimals. */
export function formatRatio(x: number): string {
  return formatNumber(x, 2);
}

/** `2024-01-02T16:18:00Z` as `2024-01-02` (a drawdown's dates in the summary table; summary.json has the times). */
function date(iso: string): string {
  return iso.slice(0, 10);
}

/** One labelled, formatted metric of a {@link PerformanceSummary}. */
export interface SummaryRow {
  readonly key: NumericKey;
  readonly label: string;
  readonly value: string;
}

/** The summary's numeric metrics (some `null` when the run is too short to estimate them). */
type NumericKey = {
  [K in keyof PerformanceSummary]: PerformanceSummary[K] extends number | null ? K : never;
}[keyof PerformanceSummary];

/** The summary's metrics in display order, labelled and formatted (shared by the terminal table and the HTML report). */
export function summaryRows(s: PerformanceSummary): SummaryRow[] {
  const row = (key: NumericKey, label: string, fmt: (x: number) => string): SummaryRow => ({
    key,
    label,
    value: s[key] === null ? NOT_AVAILABLE : fmt(s[key])
  });
  const money = (x: number) => formatNumber(x, 2);
  const int = (x: number) => formatNumber(x, 0);
  // a run within a day (a tick backtest of an hour) keeps its length: 0.042, not 0.0
  const days = (x: number) => formatNumber(x, x !== 0 && Math.abs(x) < 1 ? 3 : 1);
  const basis = s.ratioBasis === 'intraday' ? ' (intraday)' : '';
  return [
    row('startEquity', 'Start equity', money),
    row('endEquity', 'End equity', money),
    row('totalReturn', 'Total return', formatPct),
    row('annualizedReturn', 'Annualized return (CAGR)', formatPct),
    row('annualizedVolatility', `Annualized volatility${basis}`, formatPct),
    row('sharpe', `Sharpe ratio${basis}`, formatRatio),
    row('sortino', `Sortino ratio${basis}`, formatRatio),
    row('calmar', 'Calmar ratio', formatRatio),
    row('maxDrawdown', 'Max drawdown', formatPct),
    {
      key: 'maxDrawdown',
      label: 'Max drawdown peak → trough',
      value:
        s.maxDrawdownPeak === null || s.maxDrawdownTrough === null
          ? NOT_AVAILABLE
          : `${date(s.maxDrawdownPeak)} → ${date(s.maxDrawdownTrough)}${s.maxDrawdownRecovery === null ? ' (open)' : ''}`
    },
    row('maxDrawdownDurationDays', 'Longest underwater (days)', days),
    row('var95', 'VaR 95% (daily)', formatPct),
    row('cvar95', 'CVaR 95% (daily)', formatPct),
    row('tradeCount', 'Trades', int),
    row('winRate', 'Win rate', formatPct),
    row('profitFactor', 'Profit factor', formatRatio),
    row('avgTradePnl', 'Avg trade P&L', money),
    row('days', 'Days', days)
  ];
}

/** Time in the market and gross leverage, as one sentence (the terminal and the HTML report). */
export function exposureLine(e: ExposureStats): string {
  return (
    `Exposure: in the market ${formatPct(e.timeInMarket)} of the time; gross leverage ` +
    `${formatRatio(e.averageLeverage)} on average, ${formatRatio(e.maxLeverage)} at most`
  );
}

/** A captioned table of formatted cells, each row led by its label (shared by the terminal and the HTML report). */
export interface CaptionedRows {
  readonly caption: string;
  readonly header: readonly [string, string, string];
  readonly rows: readonly (readonly [string, string, string])[];
}

/** Strategy and benchmark side by side: the metrics both have, then the strategy's statistics relative to it. */
export function benchmarkRows(s: PerformanceSummary, b: BenchmarkSummary): CaptionedRows {
  const ours = summaryRows(s);
  const theirs = summaryRows(b.metrics);
  const both = (
    ['totalReturn', 'annualizedReturn', 'annualizedVolatility', 'sharpe', 'maxDrawdown'] as const
  ).map((key) => {
    const i = ours.findIndex((r) => r.key === key);
    return [ours[i]!.label, ours[i]!.value, theirs[i]!.value] as const;
  });
  // the relative statistics come from the same returns as Sharpe: daily, or intraday for a run within a day or two
  const basis = s.ratioBasis === 'intraday' ? ' (intraday)' : '';
  const rel = (key: keyof RelativeStats, label: string, fmt: (x: number) => string) => {
    const v = b.relative[key];
    return [`${label}${basis}`, v === null ? NOT_AVAILABLE : fmt(v), ''] as const;
  };
  const held =
    b.symbols.length === 1
      ? `${b.symbols[0]} from its`
      : `${b.symbols.join(', ')} in equal parts from each one's`;
  return {
    caption: `Benchmark: buy and hold of ${held} first price, no costs`,
    header: ['Metric', 'Strategy', 'Benchmark'],
    rows: [
      ...both,
      rel('alpha', 'Alpha (annualized)', formatPct),
      rel('beta', 'Beta', formatRatio),
      rel('correlation', 'Correlation', formatRatio),
      rel('trackingError', 'Tracking error (annualized)', formatPct),
      rel('informationRatio', 'Information ratio', formatRatio)
    ]
  };
}

/**
 * A number as an English ordinal: `1st`, `2nd`, `3rd`, `4th`, `11th`–`13th`, `21st`, `101st`, `112th`; a
 * non-integer takes `th` (`2.5th`).
 */
export function ordinal(n: number): string {
  if (!Number.isInteger(n)) return `${n}th`;
  const last2 = Math.abs(n) % 100;
  const suffix = last2 >= 11 && last2 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][last2 % 10] ?? 'th');
  return `${n}${suffix}`;
}

/** A {@link MonteCarloSummary} as a caption (what was resampled, P(loss)) and a row per percentile. */
export function monteCarloRows(mc: MonteCarloSummary): CaptionedRows {
  return {
    caption:
      `Monte Carlo: ${formatNumber(mc.paths, 0)} paths of ${formatNumber(mc.horizon, 0)} daily returns ` +
      `resampled with replacement; P(loss) ${formatPct(mc.probabilityOfLoss)}`,
    header: ['Percentile', 'Final return', 'Max drawdown'],
    rows: mc.percentiles.map(
      (p) => [ordinal(p.percentile), formatPct(p.finalReturn), formatPct(p.maxDrawdown)] as const
    )
  };
}

/** One formatted cell of a table, with the sign of its value (for colouring). */
export interface SignedCell {
  readonly text: string;
  readonly sign: -1 | 0 | 1;
}

const signed = (x: number, text: string): SignedCell => ({ text, sign: x > 0 ? 1 : x < 0 ? -1 : 0 });
const BLANK: SignedCell = { text: '', sign: 0 };

/** Month columns of {@link monthlyGrid}. */
export const MONTHS = [
  'Jan',
  'Feb',
  'Mar',
  'Apr',
  'May',
  'Jun',
  'Jul',
  'Aug',
  'Sep',
  'Oct',
  'Nov',
  'Dec'
] as const;

/** Monthly returns as a year × month grid with each year's return last; a month without data is blank. */
export function monthlyGrid(r: PeriodReturns): { year: string; months: SignedCell[]; total: SignedCell }[] {
  return r.yearly.map((y) => {
    const months: SignedCell[] = MONTHS.map(() => BLANK);
    for (const m of r.monthly) {
      if (m.period.startsWith(`${y.period}-`))
        months[Number(m.period.slice(5)) - 1] = signed(m.return, formatPct(m.return));
    }
    return { year: y.period, months, total: signed(y.return, formatPct(y.return)) };
  });
}

/** Per-instrument statistics as formatted rows: instrument, trades, win rate, profit factor, net P&L. */
export function instrumentRows(
  stats: readonly InstrumentStats[]
): [string, string, string, string, SignedCell][] {
  return stats.map((s) => [
    s.instrumentId,
    formatNumber(s.tradeCount, 0),
    formatPct(s.winRate),
    formatRatio(s.profitFactor),
    signed(s.netPnl, formatNumber(s.netPnl, 2))
  ]);
}

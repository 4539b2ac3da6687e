import { describe, expect, it } from 'vitest';
import { annualizedReturn, calendarDays } from '../../src/analytics/annualized-return.ts';
import { annualizedVolatility } from '../../src/analytics/annualized-volatility.ts';
import { calmarRatio } from '../../src/analytics/calmar-ratio.ts';
import { dailyCloses, dailyReturns, utcDay } from '../../src/analytics/daily-returns.ts';
import { drawdownSeries, maxDrawdown } from '../../src/analytics/max-drawdown.ts';
import { sharpeRatio } from '../../src/analytics/sharpe-ratio.ts';
import { downsideDeviation, sortinoRatio } from '../../src/analytics/sortino-ratio.ts';
import { totalReturn } from '../../src/analytics/total-return.ts';
import { statsByInstrument, tradeStats } from '../../src/analytics/trade-stats.ts';
import type { RoundTrip } from '../../src/analytics/types.ts';
import { historicalCvar, historicalVar, quantileSorted } from '../../src/analytics/value-at-risk.ts';
import { NS_PER_DAY } from '../../src/core/nanos.ts';
import { at, daily, T0 } from './helpers.ts';

// Reference series: daily closes 100, 110, 99, 99, 118.8
//   returns r = [0.1, -0.1, 0, 0.2]; mean = 0.05
//   deviations 0.05, -0.15, -0.05, 0.15 → Σd² = 0.05 → sample var = 0.05/3, std = √(1/60) ≈ 0.1290994
//   Sharpe = 0.05 / √(1/60) × √252 = √(0.0025 × 60 × 252) = √37.8 ≈ 6.1481705
//   downside dev = √(0.1² / 4) = 0.05 → Sortino = 0.05 / 0.05 × √252 = √252 ≈ 15.8745079
//   max drawdown: peak 110 (day 1) → trough 99 = 11/110 = 0.1; recovered on day 4 (118.8 ≥ 110) → 3 days
//   annualised volatility = √(0.05/3 × 252) = √4.2
const REF = daily([100, 110, 99, 99, 118.8]);

describe('daily returns', () => {
  it('computes simple returns of daily closes, the first close being the base', () => {
    const r = dailyReturns(REF);
    expect(r).toHaveLength(4);
    for (const [i, x] of [0.1, -0.1, 0, 0.2].entries()) expect(r[i]).toBeCloseTo(x, 12);
  });

  it('resamples intraday data to UTC-day closes, with the first point as the base of day one', () => {
    // Day 0: 100 (open) → 105 → 102 (close); day 1: 101 → 103 (close); day 3: 97.85 (close)
    const eq = [
      at(0, -400, 100),
      at(0, -200, 105),
      at(0, 0, 102),
      at(1, -300, 101),
      at(1, 0, 103),
      at(3, 0, 97.85)
    ];
    expect(dailyCloses(eq).map((p) => p.equity)).toEqual([102, 103, 97.85]);
    const r = dailyReturns(eq);
    // 102/100 − 1 = 0.02; 103/102 − 1 = 1/102; 97.85/103 − 1 = −0.05
    expect(r).toHaveLength(3);
    expect(r[0]).toBeCloseTo(0.02, 12);
    expect(r[1]).toBeCloseTo(1 / 102, 12);
    expect(r[2]).toBeCloseTo(-0.05, 12);
  });

  it('buckets by UTC day, flooring negative timestamps', () => {
    expect(utcDay(0n)).toBe(0n);
    expect(utcDay(NS_PER_DAY - 1n)).toBe(0n);
    expect(utcDay(NS_PER_DAY)).toBe(1n);
    expect(utcDay(-1n)).toBe(-1n);
  });

  it('is empty for empty or single-point input and never divides by zero', () => {
    expect(dailyReturns([])).toEqual([]);
    expect(dailyReturns(daily([100]))).toEqual([]);
    expect(dailyReturns(daily([0, 5, 10]))).toEqual([0, 1]);
  });
});

describe('returns and ratios', () => {
  const r = dailyReturns(REF);

  it('total return', () => {
    expect(totalReturn(REF)).toBeCloseTo(0.188, 12);
    expect(totalReturn([])).toBe(0);
    expect(totalReturn(daily([100]))).toBe(0);
    expect(totalReturn(daily([0, 100]))).toBe(0);
  });

  it('annualised return is CAGR over calendar days / 365.25', () => {
    // 100 → 121 over exactly 2 × 365.25 days: √1.21 − 1 = 0.1
    const eq = [
      { ts: T0, equity: 100 },
      { ts: T0 + (73_050n * NS_PER_DAY) / 100n, equity: 121 }
    ];
    expect(calendarDays(eq)).toBeCloseTo(730.5, 9);
    expect(annualizedReturn(eq)).toBeCloseTo(0.1, 12);
    expect(annualizedReturn([eq[0]!])).toBe(0);
    expect(annualizedReturn([eq[0]!, { ...eq[1]!, equity: 0 }])).toBe(-1);
    // 100 → 800 in one day: 8^365.25 ≈ 10^330 is past the largest double, a gain all the same (not 0)
    expect(annualizedReturn([eq[0]!, { ts: T0 + NS_PER_DAY, equity: 800 }])).toBe(Number.POSITIVE_INFINITY);
  });

  it('Sharpe ratio by hand: √37.8, sample std, zero when flat', () => {
    expect(sharpeRatio(r)).toBeCloseTo(Math.sqrt(37.8), 10);
    // risk-free 2.52/yr = 0.01/day: excess mean 0.04, same std → 0.04 × √(60 × 252)
    expect(sharpeRatio(r, { riskFree: 2.52 })).toBeCloseTo(0.04 * Math.sqrt(60 * 252), 10);
    // 12 periods per year: √(0.0025 × 60 × 12) = √1.8
    expect(sharpeRatio(r, { periodsPerYear: 12 })).toBeCloseTo(Math.sqrt(1.8), 10);
    expect(sharpeRatio([0.01, 0.01, 0.01])).toBe(0);
    expect(sharpeRatio([0.01])).toBe(0);
    expect(sharpeRatio([])).toBe(0);
  });

  it('Sortino ratio by hand: √252, downside over all periods, zero without downside', () => {
    expect(downsideDeviation(r)).toBeCloseTo(0.05, 12);
    expect(sortinoRatio(r)).toBeCloseTo(Math.sqrt(252), 10);
    expect(sortinoRatio([0.01, 0.02])).toBe(0);
    expect(sortinoRatio([])).toBe(0);
  });

  it('annualised volatility is √4.2', () => {
    expect(annualizedVolatility(r)).toBeCloseTo(Math.sqrt(4.2), 10);
    expect(annualizedVolatility([0.3])).toBe(0);
  });

  it('Calmar ratio', () => {
    expect(calmarRatio(0.3, 0.15)).toBeCloseTo(2, 12);
    expect(calmarRatio(0.3, 0)).toBe(0);
    // an infinite annual rate ranks first, not last
    expect(calmarRatio(Number.POSITIVE_INFINITY, 0.5)).toBe(Number.POSITIVE_INFINITY);
    expect(calmarRatio(Number.NaN, 0.5)).toBe(0);
  });
});

describe('max drawdown', () => {
  it('depth and recovery duration of the reference series', () => {
    const dd = maxDrawdown(REF);
    expect(dd.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(dd.peakTs).toBe(T0 + NS_PER_DAY);
    expect(dd.troughTs).toBe(T0 + 2n * NS_PER_DAY);
    expect(dd.recoveryTs).toBe(T0 + 4n * NS_PER_DAY);
    expect(dd.maxDurationDays).toBe(3);
    expect(drawdownSeries(REF).map((x) => Number(x.toFixed(12)))).toEqual([0, 0, 0.1, 0.1, 0]);
  });

  it('an unrecovered drawdown lasts until the last point', () => {
    // peak 120 on day 1, 90 on day 3 (25%), still 100 on day 10 → 9 days underwater
    const dd = maxDrawdown(daily([100, 120, 90, 100], [0, 1, 3, 10]));
    expect(dd.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(dd.recoveryTs).toBeUndefined();
    expect(dd.maxDurationDays).toBe(9);
  });

  it('duration is the longest underwater period, not that of the deepest drawdown', () => {
    // 20% dip day 0 → 2 (recovered at equal peak 100 on day 2); then 5% dip from day 2 to day 12
    const dd = maxDrawdown(daily([100, 80, 100, 95, 96, 101], [0, 1, 2, 3, 10, 12]));
    expect(dd.maxDrawdown).toBeCloseTo(0.2, 12);
    expect(dd.recoveryTs).toBe(T0 + 2n * NS_PER_DAY);
    expect(dd.maxDurationDays).toBe(10);
  });

  it('measures fractional calendar days for intraday data', () => {
    const dd = maxDrawdown([at(0, 0, 100), at(0, 60, 90), at(0, 720, 100)]);
    expect(dd.maxDurationDays).toBeCloseTo(0.5, 12);
  });

  it('is zero for empty, single and monotone curves', () => {
    for (const eq of [[], daily([5]), daily([1, 2, 3])]) {
      const dd = maxDrawdown(eq);
      expect(dd.maxDrawdown).toBe(0);
      expect(dd.maxDurationDays).toBe(0);
      expect(dd.peakTs).toBeUndefined();
    }
  });
});

describe('value at risk', () => {
  it('interpolated historical VaR and CVaR by hand', () => {
    // sorted [−0.1, 0, 0.1, 0.2]; h = 3 × 0.05 = 0.15 → q = −0.1 + 0.15 × 0.1 = −0.085
    const r = [0.1, -0.1, 0, 0.2];
    expect(historicalVar(r)).toBeCloseTo(0.085, 12);
    // tail ≤ q: [−0.1] → CVaR 0.1
    expect(historicalCvar(r)).toBeCloseTo(0.1, 12);
  });

  it('at 21 observations the 5% quantile is exactly the second worst', () => {
    const r = Array.from({ length: 21 }, (_, i) => (i - 10) / 100); // −0.10 … 0.10
    expect(quantileSorted(r, 0.05)).toBe(-0.09);
    // an exact rank is that value, infinite or not; between a finite value and Infinity, Infinity
    const tail = [1, 2, Number.POSITIVE_INFINITY];
    expect([0.5, 0.75, 1].map((p) => quantileSorted(tail, p))).toEqual([2, Infinity, Infinity]);
    expect(historicalVar(r, 0.95)).toBe(0.09);
    expect(historicalCvar(r, 0.95)).toBeCloseTo(0.095, 12);
    expect(historicalVar(r, 0.5)).toBe(0);
  });

  it('is zero for an empty sample', () => {
    expect(historicalVar([])).toBe(0);
    expect(historicalCvar([])).toBe(0);
  });
});

describe('trade stats', () => {
  const trip = (pnl: number): RoundTrip => ({
    instrumentId: 'X@SIM',
    side: 'long',
    entryTs: T0,
    exitTs: T0 + 1n,
    qty: 1,
    pnl
  });

  it('count, win rate, profit factor and average', () => {
    // pnl 10, −5, 20, −15, 0: wins 2/5, gross profit 30 / loss 20 = 1.5, average 10/5 = 2
    const s = tradeStats([10, -5, 20, -15, 0].map(trip));
    expect(s).toMatchObject({ tradeCount: 5, wins: 2, losses: 2, grossProfit: 30, grossLoss: 20 });
    expect(s.winRate).toBeCloseTo(0.4, 12);
    expect(s.profitFactor).toBeCloseTo(1.5, 12);
    expect(s.avgTradePnl).toBeCloseTo(2, 12);
  });

  it('profit factor is Infinity without losses and 0 without trades', () => {
    expect(tradeStats([trip(3), trip(1)]).profitFactor).toBe(Number.POSITIVE_INFINITY);
    const none = tradeStats([]);
    expect(none).toMatchObject({ tradeCount: 0, winRate: 0, profitFactor: 0, avgTradePnl: 0 });
    expect(tradeStats([trip(0)]).profitFactor).toBe(0);
  });
});

describe('statsByInstrument', () => {
  const trip = (instrumentId: string, pnl: number): RoundTrip => ({
    instrumentId,
    side: 'long',
    entryTs: 0n,
    exitTs: 1n,
    qty: 1,
    pnl
  });

  it('summarises each instrument’s closed trades, in id order', () => {
    const s = statsByInstrument([
      trip('B@X', 10),
      trip('A@X', -4),
      trip('B@X', -5),
      trip('A@X', -1),
      trip('C@X', 3)
    ]);
    expect(s).toEqual([
      { instrumentId: 'A@X', tradeCount: 2, winRate: 0, profitFactor: 0, netPnl: -5 },
      { instrumentId: 'B@X', tradeCount: 2, winRate: 0.5, profitFactor: 2, netPnl: 5 },
      { instrumentId: 'C@X', tradeCount: 1, winRate: 1, profitFactor: Number.POSITIVE_INFINITY, netPnl: 3 }
    ]);
    expect(statsByInstrument([])).toEqual([]);
  });
});

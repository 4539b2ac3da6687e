import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dailyReturns } from '../../src/analytics/daily-returns.ts';
import { drawdownSeries, maxDrawdown } from '../../src/analytics/max-drawdown.ts';
import { computeSummary } from '../../src/analytics/summary.ts';
import type { EquityPoint, PerformanceSummary, RoundTrip } from '../../src/analytics/types.ts';
import { historicalCvar, historicalVar } from '../../src/analytics/value-at-risk.ts';
import { isoFromNs } from '../../src/core/nanos.ts';
import { daily, fromReturns, T0 } from './helpers.ts';

const trip = (pnl: number): RoundTrip => ({
  instrumentId: 'X@SIM',
  side: 'short',
  entryTs: T0,
  exitTs: T0 + 1n,
  qty: 1,
  pnl
});

/** Daily returns in whole basis points, so a non-constant sample has a standard deviation far above noise. */
const returnsArb = fc.array(
  fc.integer({ min: -2000, max: 2000 }).map((bp) => bp / 10_000),
  { minLength: 0, maxLength: 120 }
);

function relClose(a: number, b: number): boolean {
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

/** A summary's metrics that are always numbers, apart from its basis, the ones that may be null and the drawdown's dates. */
function parts(s: PerformanceSummary) {
  const {
    ratioBasis,
    annualizedReturn,
    calmar,
    var95,
    cvar95,
    maxDrawdownPeak,
    maxDrawdownTrough,
    maxDrawdownRecovery,
    ...numbers
  } = s;
  const dates = [maxDrawdownPeak, maxDrawdownTrough, maxDrawdownRecovery];
  return { ratioBasis, annualizedReturn, calmar, var95, cvar95, dates, numbers };
}

describe('computeSummary', () => {
  it('assembles every statistic of the hand-computed reference series', () => {
    // See statistics.test.ts for the derivations of these values.
    const s = computeSummary(daily([100, 110, 99, 99, 118.8]), [10, -5, 20, -15, 0].map(trip));
    expect(s.startEquity).toBe(100);
    expect(s.endEquity).toBe(118.8);
    expect(s.totalReturn).toBeCloseTo(0.188, 12);
    expect(s.annualizedReturn).toBeCloseTo(1.188 ** (365.25 / 4) - 1, 0);
    expect(s.sharpe).toBeCloseTo(Math.sqrt(37.8), 10);
    expect(s.sortino).toBeCloseTo(Math.sqrt(252), 10);
    expect(s.annualizedVolatility).toBeCloseTo(Math.sqrt(4.2), 10);
    expect(s.maxDrawdown).toBeCloseTo(0.1, 12);
    expect(s.calmar).toBeCloseTo(s.annualizedReturn! / 0.1, 0);
    expect(s.maxDrawdownDurationDays).toBe(3);
    // the deepest drawdown: its peak (day 1, 110), trough (day 2, 99) and recovery (day 4, 118.8), as dates
    const day = (i: number) => isoFromNs(daily([100, 110, 99, 99, 118.8])[i]!.ts).replace(/\.?0*Z$/, 'Z');
    expect([s.maxDrawdownPeak, s.maxDrawdownTrough, s.maxDrawdownRecovery]).toEqual([day(1), day(2), day(4)]);
    expect(s.maxDrawdownPeak).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // never recovered: no recovery date; never below a peak: no dates at all
    expect(computeSummary(daily([100, 110, 99]), []).maxDrawdownRecovery).toBeNull();
    expect(computeSummary(daily([100, 101, 102]), [])).toMatchObject({
      maxDrawdownPeak: null,
      maxDrawdownTrough: null,
      maxDrawdownRecovery: null
    });
    // four daily returns have no 5% tail (statistics.test.ts computes it from the same four: 0.085, 0.1)
    expect([s.var95, s.cvar95]).toEqual([null, null]);
    expect(s).toMatchObject({ tradeCount: 5, days: 4 });
    expect(s.winRate).toBeCloseTo(0.4, 12);
    expect(s.profitFactor).toBeCloseTo(1.5, 12);
    expect(s.avgTradePnl).toBeCloseTo(2, 12);
  });

  it('reports the daily 95% VaR and CVaR from twenty daily returns on, null below', () => {
    const rs = Array.from({ length: 20 }, (_, i) => ((i * 7) % 20) / 1000 - 0.01);
    const full = computeSummary(fromReturns(rs), []);
    expect(full.var95).toBeCloseTo(historicalVar(rs, 0.95), 15);
    expect(full.cvar95).toBeCloseTo(historicalCvar(rs, 0.95), 15);
    expect(full.var95).toBeGreaterThan(0);
    const short = computeSummary(fromReturns(rs.slice(0, 19)), []);
    expect([short.var95, short.cvar95]).toEqual([null, null]);
  });

  it('passes riskFree and periodsPerYear through', () => {
    const eq = daily([100, 110, 99, 99, 118.8]);
    expect(computeSummary(eq, [], { periodsPerYear: 12 }).sharpe).toBeCloseTo(Math.sqrt(1.8), 10);
    expect(computeSummary(eq, [], { riskFree: 2.52 }).sharpe).toBeCloseTo(0.04 * Math.sqrt(60 * 252), 10);
  });

  it('a run within a day (a tick backtest) gets its ratios from the per-sample returns, annualised as 252 sessions of 6.5 h', () => {
    // one hour sampled every second, alternating +2 bp and −1 bp
    const eq: EquityPoint[] = [{ ts: T0, equity: 1_000_000 }];
    const rs: number[] = [];
    for (let i = 1; i <= 3600; i++) {
      const r = i % 2 ? 0.0002 : -0.0001;
      rs.push(r);
      eq.push({ ts: T0 + BigInt(i) * 1_000_000_000n, equity: eq[i - 1]!.equity * (1 + r) });
    }
    const s = computeSummary(eq, []);
    const m = rs.reduce((a, b) => a + b, 0) / rs.length;
    const sd = Math.sqrt(rs.reduce((a, b) => a + (b - m) ** 2, 0) / (rs.length - 1));
    const ppy = 252 * 23_400; // seconds in 252 sessions of 6.5 hours
    expect(s.ratioBasis).toBe('intraday');
    expect(s.sharpe).toBeCloseTo((m / sd) * Math.sqrt(ppy), 6);
    expect(s.annualizedVolatility).toBeCloseTo(sd * Math.sqrt(ppy), 9);
    // an hour compounded to a year is no annual rate: CAGR and Calmar are null, not −100% or +10,000%
    expect([s.annualizedReturn, s.calmar, s.var95, s.cvar95]).toEqual([null, null, null, null]);
    expect(s.totalReturn).toBeGreaterThan(0);
    // the same curve over several days keeps the daily basis
    expect(computeSummary(daily([100, 110, 99, 99, 118.8]), []).ratioBasis).toBe('daily');
    // a curve with two points has nothing to compute from either way
    expect(computeSummary(eq.slice(0, 2), []).sharpe).toBe(0);
  });

  it('returns zeros or null, never NaN, for empty and degenerate input', () => {
    const cases: EquityPoint[][] = [[], daily([100]), daily([100, 100, 100]), daily([0, 0]), daily([-5, 10])];
    for (const eq of cases) {
      const s = computeSummary(eq, []);
      const { ratioBasis, annualizedReturn, calmar, var95, cvar95, dates, numbers } = parts(s);
      expect(ratioBasis).toBe('daily');
      // a drawdown's dates, when it has one, are dates
      for (const d of dates) expect(d === null || /^\d{4}-\d\d-\d\dT[\d:]+Z$/.test(d), String(d)).toBe(true);
      for (const [k, v] of Object.entries(numbers)) expect(Number.isFinite(v), `${k}=${v}`).toBe(true);
      // under twenty daily returns: no tail; under a day: no annual rate
      expect([var95, cvar95]).toEqual([null, null]);
      if (s.days < 1) expect([annualizedReturn, calmar]).toEqual([null, null]);
      else expect(Number.isFinite(annualizedReturn) && Number.isFinite(calmar)).toBe(true);
      expect(s.sharpe).toBe(0);
      expect(s.profitFactor).toBe(0);
    }
    const empty = parts(computeSummary([], []));
    expect(Object.values(empty.numbers).every((v) => v === 0)).toBe(true);
    expect([empty.annualizedReturn, empty.calmar, empty.var95, empty.cvar95]).toEqual([
      null,
      null,
      null,
      null
    ]);
    expect(empty.dates).toEqual([null, null, null]);
  });

  it('property: max drawdown is in [0, 1] for positive equity and equals the deepest point of the underwater curve', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0.01, max: 1e9, noNaN: true }), { maxLength: 200 }), (values) => {
        const eq = daily(values);
        const dd = maxDrawdown(eq).maxDrawdown;
        expect(dd).toBeGreaterThanOrEqual(0);
        expect(dd).toBeLessThanOrEqual(1);
        expect(dd).toBe(Math.max(0, ...drawdownSeries(eq)));
      })
    );
  });

  it('property: scaling equity by a positive constant leaves return-based statistics unchanged', () => {
    fc.assert(
      fc.property(returnsArb, fc.double({ min: 0.001, max: 1e6, noNaN: true }), (returns, c) => {
        const eq = fromReturns(returns);
        const scaled = eq.map((p) => ({ ts: p.ts, equity: p.equity * c }));
        const a = computeSummary(eq, []);
        const b = computeSummary(scaled, []);
        for (const k of [
          'totalReturn',
          'annualizedReturn',
          'annualizedVolatility',
          'sharpe',
          'sortino',
          'calmar',
          'maxDrawdown',
          'maxDrawdownDurationDays',
          'var95',
          'cvar95',
          'days'
        ] as const) {
          const [x, y] = [a[k], b[k]];
          expect(x === null ? y === null : y !== null && relClose(x, y), `${k}: ${x} vs ${y}`).toBe(true);
        }
      })
    );
  });

  it('property: CVaR is at least VaR, and both are zero-free of NaN', () => {
    fc.assert(
      fc.property(returnsArb, fc.constantFrom(0.9, 0.95, 0.99), (returns, conf) => {
        const v = historicalVar(returns, conf);
        const cv = historicalCvar(returns, conf);
        expect(Number.isNaN(v) || Number.isNaN(cv)).toBe(false);
        expect(cv).toBeGreaterThanOrEqual(v - 1e-12);
      })
    );
  });

  it('property: daily returns of a daily curve compound back to its total return', () => {
    fc.assert(
      fc.property(returnsArb, (returns) => {
        const eq = fromReturns(returns);
        const r = dailyReturns(eq);
        expect(r).toHaveLength(returns.length);
        const compounded = r.reduce((acc, x) => acc * (1 + x), 1) - 1;
        expect(relClose(compounded, computeSummary(eq, []).totalReturn)).toBe(true);
      })
    );
  });
});

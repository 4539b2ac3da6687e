import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BuyAndHold, relativeStats } from '../../src/analytics/benchmark.ts';
import { intradayReturns } from '../../src/analytics/intraday-returns.ts';
import { at, fromReturns } from './helpers.ts';

const returnsArb = (n: number) =>
  fc.array(
    fc.integer({ min: -500, max: 500 }).map((bp) => bp / 10_000),
    { minLength: n, maxLength: n }
  );

/** Two return series of one length (3–60), each with some spread. */
const pairArb = fc
  .integer({ min: 3, max: 60 })
  .chain((n) => fc.tuple(returnsArb(n), returnsArb(n)))
  .filter(([s, b]) => new Set(s).size > 1 && new Set(b).size > 1);

function relClose(a: number | null, b: number): boolean {
  return a !== null && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
}

describe('BuyAndHold', () => {
  it('splits the start equally, buys each symbol at its first price and holds it; cash until then', () => {
    const h = new BuyAndHold(['A', 'B'], 1000);
    expect(h.value()).toBe(1000);
    h.mark('A', 100);
    h.mark('C', 5); // not one of them
    expect(h.value()).toBe(1000);
    h.mark('A', 150); // A +50%, B still cash
    expect(h.value()).toBe(1250);
    h.mark('B', 40);
    h.mark('B', 0); // not a price
    h.mark('B', 30); // B −25%
    expect(h.value()).toBe(500 * 1.5 + 500 * 0.75);
    expect(new BuyAndHold([], 1000).value()).toBe(1000);
  });
});

describe('relativeStats: the strategy against its benchmark', () => {
  it('matches the hand-computed example', () => {
    const b = [0.01, -0.02, 0.03, 0.0];
    const s = [0.02, -0.01, 0.01, 0.02];
    const r = relativeStats(fromReturns(s), fromReturns(b));
    // mean s 0.01, mean b 0.005; Σ dsdb 0.0005, Σ db² 0.0013, Σ ds² 0.0006; active [.01 .01 −.02 .02], var 0.0003
    expect(r.beta).toBeCloseTo(5 / 13, 12);
    expect(r.correlation).toBeCloseTo(0.0005 / Math.sqrt(0.0013 * 0.0006), 12);
    expect(r.alpha).toBeCloseTo((0.01 - (5 / 13) * 0.005) * 252, 12);
    expect(r.trackingError).toBeCloseTo(Math.sqrt(0.0003 * 252), 12);
    expect(r.informationRatio).toBeCloseTo((0.005 / Math.sqrt(0.0003)) * Math.sqrt(252), 12);
  });

  it('against itself: beta and correlation 1, no alpha, no tracking error, no information ratio', () => {
    fc.assert(
      fc.property(pairArb, ([s]) => {
        const r = relativeStats(fromReturns(s), fromReturns(s));
        expect(relClose(r.beta, 1)).toBe(true);
        expect(relClose(r.correlation, 1)).toBe(true);
        expect(Math.abs(r.alpha!)).toBeLessThan(1e-12);
        expect(r.trackingError).toBe(0);
        expect(r.informationRatio).toBeNull();
      })
    );
  });

  it('beta and alpha are the slope and intercept (× periods a year) of the least-squares line of s on b', () => {
    fc.assert(
      fc.property(pairArb, ([s, b]) => {
        const n = s.length;
        let sx = 0;
        let sy = 0;
        let sxy = 0;
        let sxx = 0;
        for (let i = 0; i < n; i++) {
          sx += b[i]!;
          sy += s[i]!;
          sxy += b[i]! * s[i]!;
          sxx += b[i]! * b[i]!;
        }
        const slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
        const intercept = (sy - slope * sx) / n;
        const r = relativeStats(fromReturns(s), fromReturns(b), { periodsPerYear: 365 });
        expect(r.beta).toBeCloseTo(slope, 8);
        expect(r.alpha).toBeCloseTo(intercept * 365, 8);
        expect(Math.abs(r.correlation!)).toBeLessThanOrEqual(1 + 1e-12);
      })
    );
  });

  it('a levered copy of the benchmark has beta k and correlation ±1', () => {
    fc.assert(
      fc.property(pairArb, fc.constantFrom(-1, 0.5, 2, 3), ([, b], k) => {
        const r = relativeStats(fromReturns(b.map((x) => k * x)), fromReturns(b));
        expect(relClose(r.beta, k)).toBe(true);
        expect(relClose(r.correlation, Math.sign(k))).toBe(true);
      })
    );
  });

  it('takes the risk-free rate out of both: a flat strategy (cash) has alpha −rf and beta 0', () => {
    const r = relativeStats(fromReturns([0, 0, 0, 0, 0]), fromReturns([0.01, -0.01, 0.02, 0, 0.01]), {
      riskFree: 0.04
    });
    expect(r.beta).toBe(0);
    expect(r.alpha).toBeCloseTo(-0.04, 12);
    expect(r.correlation).toBeNull(); // the strategy never moves
  });

  it('cannot say anything from fewer than two returns, nor beta, alpha or correlation of a flat benchmark', () => {
    const none = { alpha: null, beta: null, correlation: null, trackingError: null, informationRatio: null };
    expect(relativeStats(fromReturns([0.01]), fromReturns([0.02]))).toEqual(none);
    expect(relativeStats([], [])).toEqual(none);
    const flat = relativeStats(fromReturns([0.01, -0.02, 0.03]), fromReturns([0, 0, 0]));
    expect([flat.alpha, flat.beta, flat.correlation]).toEqual([null, null, null]);
    expect(flat.trackingError).toBeGreaterThan(0);
    expect(flat.informationRatio).not.toBeNull();
  });

  it('a run within a day uses the intraday returns, annualised like its Sharpe ratio', () => {
    const s = [1000, 1001, 1000.5, 1002, 1001, 1003].map((e, i) => at(0, i, e));
    const b = [1000, 1002, 1001, 1003, 1000, 1004].map((e, i) => at(0, i, e));
    const r = relativeStats(s, b, { sessionNs: 390n * 60_000_000_000n });
    const rs = intradayReturns(s)!.returns;
    const rb = intradayReturns(b)!.returns;
    const active = rs.map((x, i) => x - rb[i]!);
    const m = active.reduce((a, x) => a + x, 0) / active.length;
    const sd = Math.sqrt(active.reduce((a, x) => a + (x - m) ** 2, 0) / (active.length - 1));
    // one-minute steps: 390 a session, 252 sessions a year
    expect(r.trackingError).toBeCloseTo(sd * Math.sqrt(252 * 390), 12);
    expect(r.informationRatio).toBeCloseTo((m / sd) * Math.sqrt(252 * 390), 9);
  });
});

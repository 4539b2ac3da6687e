import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { benchmarkSummary, relativeStats } from '../../src/analytics/benchmark.ts';
import { computeSummary } from '../../src/analytics/summary.ts';
import type { EquityPoint, RoundTrip } from '../../src/analytics/types.ts';
import {
  MAX_WALK_FORWARD_FOLDS,
  stitchEquity,
  type WalkForwardFold,
  type WalkForwardFoldResult,
  walkForwardFolds,
  walkForwardSummary
} from '../../src/analytics/walk-forward.ts';
import { NS_PER_DAY, NS_PER_HOUR } from '../../src/core/nanos.ts';
import { caught } from '../support/caught.ts';
import { daily, fromReturns, T0 } from './helpers.ts';

const D = NS_PER_DAY;
/** 365.25 days: what annualisation counts as a year. */
const YEAR = 365n * D + D / 4n;
/** Each value within 1e-9 of the expected one. */
function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((x, i) => {
    expect(x, `#${i}`).toBeCloseTo(expected[i]!, 9);
  });
}
/** Fold windows in whole days after T0, for readable expectations. */
const days = (folds: readonly WalkForwardFold[]) =>
  folds.map((f) => [
    [Number((f.train.from - T0) / D), Number((f.train.to - T0) / D)],
    [Number((f.test.from - T0) / D), Number((f.test.to - T0) / D)]
  ]);

describe('walkForwardFolds', () => {
  it('rolls fixed-length train windows, each followed by its test window, test windows back to back', () => {
    const folds = walkForwardFolds({ from: T0, to: T0 + 10n * D, trainNs: 4n * D, testNs: 2n * D });
    expect(folds.map((f) => f.index)).toEqual([0, 1, 2]);
    expect(days(folds)).toEqual([
      [
        [0, 4],
        [4, 6]
      ],
      [
        [2, 6],
        [6, 8]
      ],
      [
        [4, 8],
        [8, 10]
      ]
    ]);
  });

  it('anchored: every train window starts at from and grows', () => {
    const folds = walkForwardFolds({
      from: T0,
      to: T0 + 10n * D,
      trainNs: 4n * D,
      testNs: 2n * D,
      anchored: true
    });
    expect(days(folds).map(([train]) => train)).toEqual([
      [0, 4],
      [0, 6],
      [0, 8]
    ]);
    expect(days(folds).map(([, test]) => test)).toEqual([
      [4, 6],
      [6, 8],
      [8, 10]
    ]);
  });

  it('step ≠ test: gaps between test windows (step > test) or overlaps (step < test)', () => {
    const gaps = walkForwardFolds({
      from: T0,
      to: T0 + 12n * D,
      trainNs: 3n * D,
      testNs: 1n * D,
      stepNs: 3n * D
    });
    expect(days(gaps).map(([, test]) => test)).toEqual([
      [3, 4],
      [6, 7],
      [9, 10]
    ]);
    const overlaps = walkForwardFolds({
      from: T0,
      to: T0 + 7n * D,
      trainNs: 3n * D,
      testNs: 2n * D,
      stepNs: 1n * D
    });
    expect(days(overlaps)).toEqual([
      [
        [0, 3],
        [3, 5]
      ],
      [
        [1, 4],
        [4, 6]
      ],
      [
        [2, 5],
        [5, 7]
      ]
    ]);
  });

  it('a test window ending exactly at to is kept; a partial last fold is dropped', () => {
    const exact = walkForwardFolds({ from: T0, to: T0 + 6n * D, trainNs: 4n * D, testNs: 2n * D });
    expect(days(exact)).toEqual([
      [
        [0, 4],
        [4, 6]
      ]
    ]);
    // one nanosecond short of a second fold, then one nanosecond more
    const short = walkForwardFolds({ from: T0, to: T0 + 8n * D - 1n, trainNs: 4n * D, testNs: 2n * D });
    expect(short).toHaveLength(1);
    expect(short.at(-1)!.test.to).toBeLessThanOrEqual(T0 + 8n * D - 1n);
    expect(walkForwardFolds({ from: T0, to: T0 + 8n * D, trainNs: 4n * D, testNs: 2n * D })).toHaveLength(2);
    // sub-day lengths and a non-aligned start
    const hours = walkForwardFolds({
      from: T0 + 7n,
      to: T0 + 7n + 30n * NS_PER_HOUR,
      trainNs: 12n * NS_PER_HOUR,
      testNs: 6n * NS_PER_HOUR
    });
    expect(hours.map((f) => f.test.from - T0 - 7n)).toEqual([12n, 18n, 24n].map((h) => h * NS_PER_HOUR));
    expect(hours.at(-1)!.test.to).toBe(T0 + 7n + 30n * NS_PER_HOUR);
  });

  it('refuses non-positive lengths, an empty range, one too short for a fold, and too many folds', () => {
    const base = { from: T0, to: T0 + 10n * D, trainNs: 4n * D, testNs: 2n * D };
    for (const bad of [
      { ...base, trainNs: 0n },
      { ...base, testNs: -1n },
      { ...base, stepNs: 0n },
      { ...base, to: T0 },
      { ...base, to: T0 + 6n * D - 1n },
      { ...base, to: T0 + 10_000n * D, trainNs: 1n, testNs: 1n * NS_PER_HOUR }
    ]) {
      expect(
        caught(() => walkForwardFolds(bad)).code,
        JSON.stringify(bad, (_k, v) => (typeof v === 'bigint' ? String(v) : v))
      ).toBe('TRD_ERR_WALK_FORWARD_INVALID');
    }
    // exactly the maximum is allowed
    expect(
      walkForwardFolds({ from: 0n, to: BigInt(MAX_WALK_FORWARD_FOLDS) + 1n, trainNs: 1n, testNs: 1n })
    ).toHaveLength(MAX_WALK_FORWARD_FOLDS);
  });

  it('property: folds ordered, train right before test, all inside [from, to), tests disjoint when step ≥ test', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
        fc.bigInt({ min: 1n, max: 1000n }),
        fc.bigInt({ min: 1n, max: 300n }),
        fc.bigInt({ min: 1n, max: 300n }),
        fc.option(fc.bigInt({ min: 1n, max: 300n }), { nil: undefined }),
        fc.boolean(),
        (from, span, trainNs, testNs, stepNs, anchored) => {
          const to = from + span;
          const spec = { from, to, trainNs, testNs, anchored, ...(stepNs !== undefined ? { stepNs } : {}) };
          if (trainNs + testNs > span) {
            expect(caught(() => walkForwardFolds(spec)).code).toBe('TRD_ERR_WALK_FORWARD_INVALID');
            return;
          }
          const step = stepNs ?? testNs;
          const folds = walkForwardFolds(spec);
          expect(folds.length).toBeGreaterThan(0);
          folds.forEach((f, k) => {
            expect(f.index).toBe(k);
            expect(f.train.from).toBeGreaterThanOrEqual(from);
            expect(f.train.from).toBeLessThan(f.train.to);
            expect(f.train.to).toBe(f.test.from);
            expect(f.test.to - f.test.from).toBe(testNs);
            expect(f.test.to).toBeLessThanOrEqual(to);
            expect(f.train.to - f.train.from).toBe(anchored ? trainNs + BigInt(k) * step : trainNs);
            if (anchored) expect(f.train.from).toBe(from);
            const prev = folds[k - 1];
            if (prev) {
              expect(f.test.from - prev.test.from).toBe(step);
              if (step >= testNs) expect(f.test.from).toBeGreaterThanOrEqual(prev.test.to);
            }
          });
          // maximal: one more fold would not fit
          expect(folds.at(-1)!.test.to + step).toBeGreaterThan(to);
        }
      )
    );
  });
});

describe('stitchEquity', () => {
  it('starts each curve where the one before ended and keeps time order', () => {
    const a = daily([100, 110], [0, 1]);
    const b = daily([50, 45, 54], [2, 3, 4]);
    const s = stitchEquity([a, b]);
    expect(s.map((p) => Number((p.ts - T0) / D))).toEqual([0, 1, 2, 3, 4]);
    expectClose(
      s.map((p) => p.equity),
      [100, 110, 110, 99, 118.8]
    );
  });

  it('skips curves with no bars; overlapping curves count the overlap once', () => {
    const a = daily([100, 110, 121], [0, 1, 2]);
    const empty: EquityPoint[] = [{ ts: 0n, equity: 100 }];
    // b covers days 1..3; its value at day 2 (a's end) is the base, only day 3 is new
    const b = daily([100, 200, 100, 150], [0, 1, 2, 3]).slice(1);
    const s = stitchEquity([empty, a, empty, b]);
    expect(s.map((p) => Number((p.ts - T0) / D))).toEqual([0, 1, 2, 3]);
    expect(s.at(-1)!.equity).toBeCloseTo(121 * 1.5, 9);
  });
});

describe('walkForwardSummary', () => {
  const fold = (k: number): WalkForwardFold => ({
    index: k,
    train: { from: T0 + BigInt(k) * 2n * D, to: T0 + BigInt(k + 1) * 2n * D },
    test: { from: T0 + BigInt(k + 1) * 2n * D, to: T0 + BigInt(k + 2) * 2n * D }
  });
  const trip = (pnl: number): RoundTrip => ({
    instrumentId: 'X@SIM',
    side: 'long',
    entryTs: T0,
    exitTs: T0 + 1n,
    qty: 1,
    pnl
  });

  it('per-fold OOS metrics, stitched overall metrics, efficiency and the fraction of positive folds', () => {
    // each test run lasts exactly one year (365.25 days), so its annualised return is its total return
    const year = (k: number, from: number, to: number): EquityPoint[] => [
      { ts: T0 + BigInt(k) * YEAR, equity: from },
      { ts: T0 + BigInt(k + 1) * YEAR, equity: to }
    ];
    const oos0 = year(0, 1000, 1100); // +10 %
    const oos1 = year(1, 1000, 900); // −10 %
    const oos2 = year(2, 1000, 1050); // +5 %
    const results: WalkForwardFoldResult[] = [
      {
        fold: fold(0),
        bestParams: { fast: 3 },
        isMetric: 2,
        isAnnualizedReturn: 0.4,
        oosEquity: oos0,
        oosTrades: [trip(100)]
      },
      {
        fold: fold(1),
        bestParams: { fast: 5 },
        isMetric: 1,
        isAnnualizedReturn: 0.2,
        oosEquity: oos1,
        oosTrades: [trip(-100)]
      },
      {
        fold: fold(2),
        bestParams: { fast: 3 },
        isMetric: 3,
        isAnnualizedReturn: 0.3,
        oosEquity: oos2,
        oosTrades: []
      },
      { fold: fold(3), error: { code: 'TRD_ERR_SWEEP_WORKER_FAILED', message: 'every point failed' } }
    ];
    const s = walkForwardSummary(results);
    expect([s.completed, s.failed]).toEqual([3, 1]);
    expect(s.folds.map((f) => f.status)).toEqual(['completed', 'completed', 'completed', 'failed']);
    expect(s.folds[1]!.bestParams).toEqual({ fast: 5 });
    expect(s.folds[2]!.isMetric).toBe(3);
    expect(s.folds[0]!.oosMetrics).toEqual(computeSummary(oos0, [trip(100)]));
    expect(s.folds[3]!.oosMetrics).toBeUndefined();
    expect(s.folds[3]!.error!.code).toBe('TRD_ERR_SWEEP_WORKER_FAILED');

    // 1000 → 1100 → 990 → 1039.5, chained
    // fold k starts at the instant fold k−1 ended: that shared point is the base, not repeated
    expect(s.stitched.map((p) => Number((p.ts - T0) / YEAR))).toEqual([0, 1, 2, 3]);
    expectClose(
      s.stitched.map((p) => p.equity),
      [1000, 1100, 990, 1039.5]
    );
    expect(s.oos.totalReturn).toBeCloseTo(1.1 * 0.9 * 1.05 - 1, 12);
    expect(s.oos).toEqual(computeSummary(s.stitched, [trip(100), trip(-100)]));
    expect(s.oos.tradeCount).toBe(2);

    expectClose(
      s.folds.map((f) => f.oosMetrics?.annualizedReturn ?? 0),
      [0.1, -0.1, 0.05, 0]
    );
    const meanOos = (0.1 - 0.1 + 0.05) / 3;
    expect(s.meanOosAnnualizedReturn).toBeCloseTo(meanOos, 12);
    // the stitched curve spans three years: 1.1 · 0.9 · 1.05 over 3 years
    expect(s.oos.annualizedReturn).toBeCloseTo((1.1 * 0.9 * 1.05) ** (1 / 3) - 1, 12);
    expect(s.meanIsAnnualizedReturn).toBeCloseTo(0.3, 12);
    expect(s.efficiency).toBeCloseTo(0.05 / 3 / 0.3, 12);
    expect(s.positiveFraction).toBeCloseTo(2 / 3, 12);
  });

  it('annualises the folds and the stitched curve as it is told (a round-the-clock market: 365 days a year)', () => {
    const oos = fromReturns([0.01, -0.02, 0.015, 0.005, -0.01]);
    const results: WalkForwardFoldResult[] = [{ fold: fold(0), isAnnualizedReturn: 0.1, oosEquity: oos }];
    const crypto = { periodsPerYear: 365 };
    const s = walkForwardSummary(results, crypto);
    expect(s.folds[0]!.oosMetrics).toEqual(computeSummary(oos, [], crypto));
    expect(s.oos).toEqual(computeSummary(s.stitched, [], crypto));
    expect(s.oos.sharpe / walkForwardSummary(results).oos.sharpe).toBeCloseTo(Math.sqrt(365 / 252), 12);
  });

  it("stitches the folds' benchmark curves like their equity curves and measures the stitched run against them", () => {
    const spec = { kind: 'symbol', symbols: ['SPY@SIM'] } as const;
    const rs = [0.01, -0.02, 0.015, 0.005, -0.01, 0.02, 0.003];
    const bs = [0.005, -0.01, 0.01, 0.002, -0.004, 0.012, 0.001];
    // two folds back to back: the second starts at the instant the first ended
    const eq = fromReturns(rs);
    const bm = fromReturns(bs);
    const tail = (c: typeof eq, k: number) => c.slice(k).map((p) => ({ ts: p.ts, equity: p.equity * 3 }));
    const results: WalkForwardFoldResult[] = [
      { fold: fold(0), oosEquity: eq.slice(0, 4), oosBenchmark: { spec, equity: bm.slice(0, 4) } },
      { fold: fold(1), oosEquity: tail(eq, 3), oosBenchmark: { spec, equity: tail(bm, 3) } }
    ];
    const s = walkForwardSummary(results);
    // the stitched curves are the unbroken ones (each fold rescaled to where the one before ended)
    expectClose(
      s.stitched.map((p) => p.equity),
      eq.map((p) => p.equity)
    );
    const whole = benchmarkSummary(spec, eq, bm);
    const b = s.benchmark!;
    expect([b.kind, b.symbols]).toEqual([spec.kind, spec.symbols]);
    expect(b.metrics.totalReturn).toBeCloseTo(whole.metrics.totalReturn, 12);
    expect(b.metrics.sharpe!).toBeCloseTo(whole.metrics.sharpe!, 10);
    const want = relativeStats(eq, bm);
    for (const k of ['alpha', 'beta', 'correlation', 'trackingError', 'informationRatio'] as const)
      expect(b.relative[k]!).toBeCloseTo(want[k]!, 10);
    // a fold without a benchmark: none overall
    const partial = walkForwardSummary([results[0]!, { ...results[1]!, oosBenchmark: undefined }]);
    expect(partial.benchmark).toBeUndefined();
    expect(walkForwardSummary([results[0]!]).benchmark).toBeDefined();
  });

  it('is NaN-safe: no completed fold, a non-positive or non-finite in-sample mean', () => {
    const none = walkForwardSummary([{ fold: fold(0), error: { code: 'X', message: 'x' } }]);
    expect([none.completed, none.failed]).toEqual([0, 1]);
    expect(none.efficiency).toBeNaN();
    expect(none.positiveFraction).toBeNaN();
    expect(none.meanOosAnnualizedReturn).toBeNaN();
    expect(none.stitched).toEqual([]);
    expect(none.oos.totalReturn).toBe(0);
    expect(walkForwardSummary([]).efficiency).toBeNaN();

    const up = daily([1000, 1010], [2, 3]);
    const zeroIs = walkForwardSummary([{ fold: fold(0), isAnnualizedReturn: 0, oosEquity: up }]);
    expect(zeroIs.efficiency).toBeNaN();
    expect(zeroIs.positiveFraction).toBe(1);
    const negIs = walkForwardSummary([{ fold: fold(0), isAnnualizedReturn: -0.2, oosEquity: up }]);
    expect(negIs.efficiency).toBeNaN();
    // a NaN in-sample value is left out of the mean rather than poisoning it
    const mixed = walkForwardSummary([
      { fold: fold(0), isAnnualizedReturn: Number.NaN, oosEquity: up },
      { fold: fold(1), isAnnualizedReturn: 0.5, oosEquity: daily([1000, 1010], [4, 5]) }
    ]);
    expect(mixed.meanIsAnnualizedReturn).toBe(0.5);
    expect(Number.isFinite(mixed.efficiency)).toBe(true);
    // a fold that traded no bar (a test window over a weekend) completes with a zero return, not a positive one
    const flat = walkForwardSummary([
      { fold: fold(0), isAnnualizedReturn: 0.1, oosEquity: [{ ts: 0n, equity: 1000 }] }
    ]);
    expect(flat.completed).toBe(1);
    expect(flat.positiveFraction).toBe(0);
    // but it spans no time, so it has no annual rate to set against the in-sample one
    expect(flat.folds[0]!.oosMetrics!.annualizedReturn).toBeNull();
    expect(flat.meanOosAnnualizedReturn).toBeNaN();
    expect(flat.efficiency).toBeNaN();
  });
});

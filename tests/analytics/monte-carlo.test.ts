import { describe, expect, it } from 'vitest';
import { bootstrapReturns, monteCarloSummary } from '../../src/analytics/monte-carlo.ts';
import { MIN_TAIL_RETURNS } from '../../src/analytics/types.ts';
import { isTradestateError } from '../../src/core/errors.ts';
import { Rng } from '../../src/core/rng.ts';

const SAMPLE = [0.01, -0.02, 0.015, 0.003, -0.007, 0.02, -0.01, 0.005];

describe('bootstrapReturns', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const a = bootstrapReturns(SAMPLE, new Rng(7), { paths: 200 });
    const b = bootstrapReturns(SAMPLE, new Rng(7), { paths: 200 });
    const c = bootstrapReturns(SAMPLE, new Rng(8), { paths: 200 });
    expect(a).toEqual(b);
    expect(a.finalReturns).not.toEqual(c.finalReturns);
  });

  it('produces sorted distributions, ordered percentiles and outcomes within the sample bounds', () => {
    const h = SAMPLE.length;
    const res = bootstrapReturns(SAMPLE, new Rng(1), { paths: 500, percentiles: [5, 50, 95] });
    expect(res.finalReturns).toHaveLength(500);
    for (let i = 1; i < 500; i++) {
      expect(res.finalReturns[i]!).toBeGreaterThanOrEqual(res.finalReturns[i - 1]!);
      expect(res.maxDrawdowns[i]!).toBeGreaterThanOrEqual(res.maxDrawdowns[i - 1]!);
    }
    // every path compounds h draws: bounded by all-worst and all-best
    expect(res.finalReturns[0]!).toBeGreaterThanOrEqual(0.98 ** h - 1 - 1e-12);
    expect(res.finalReturns[499]!).toBeLessThanOrEqual(1.02 ** h - 1 + 1e-12);
    expect(res.maxDrawdowns[0]!).toBeGreaterThanOrEqual(0);
    expect(res.maxDrawdowns[499]!).toBeLessThanOrEqual(1 - 0.98 ** h + 1e-12);
    const [p5, p50, p95] = res.percentiles;
    expect(p5!.finalReturn).toBeLessThan(p50!.finalReturn);
    expect(p50!.finalReturn).toBeLessThan(p95!.finalReturn);
    expect(p5!.maxDrawdown).toBeLessThanOrEqual(p95!.maxDrawdown);
    expect(res.probabilityOfLoss).toBeGreaterThan(0);
    expect(res.probabilityOfLoss).toBeLessThan(1);
  });

  it('a constant sample gives a degenerate distribution computed by hand', () => {
    // 1.01^3 − 1 = 0.030301 on every path, no drawdown
    const res = bootstrapReturns([0.01], new Rng(3), { paths: 10, horizon: 3 });
    for (const r of res.finalReturns) expect(r).toBeCloseTo(0.030301, 12);
    expect(res.maxDrawdowns.every((d) => d === 0)).toBe(true);
    expect(res.percentiles.map((p) => p.percentile)).toEqual([5, 25, 50, 75, 95]);
    expect(res.probabilityOfLoss).toBe(0);
    // −10% then −10%: final −19%, drawdown 19%
    const down = bootstrapReturns([-0.1], new Rng(3), { paths: 2, horizon: 2 });
    expect(down.finalReturns[0]).toBeCloseTo(-0.19, 12);
    expect(down.maxDrawdowns[0]).toBeCloseTo(0.19, 12);
    expect(down.probabilityOfLoss).toBe(1);
  });

  it('paths of huge returns saturate at the largest double: a huge gain, finite drawdowns, ordered percentiles', () => {
    // every path compounds at least ×1.1 each step; two 1e200 draws overflow a double
    const res = bootstrapReturns([1e200, 1e200, 0.1], new Rng(1), { paths: 50, horizon: 3 });
    expect(res.finalReturns.every((x) => x > 0.33)).toBe(true);
    expect(res.finalReturns.at(-1)).toBe(Number.MAX_VALUE - 1);
    expect(res.maxDrawdowns.every((d) => d === 0)).toBe(true);
    for (const [a, b] of res.percentiles.slice(1).map((p, i) => [res.percentiles[i]!, p] as const))
      expect(b.finalReturn).toBeGreaterThanOrEqual(a.finalReturn);
    expect(res.probabilityOfLoss).toBe(0);
  });

  it('an empty sample yields zeros; bad options throw a typed error', () => {
    const res = bootstrapReturns([], new Rng(1), { paths: 3 });
    expect(res.finalReturns).toEqual([0, 0, 0]);
    for (const opts of [
      { paths: 0 },
      { paths: 1.5 },
      { paths: 1, horizon: -1 },
      { paths: 1, percentiles: [101] }
    ]) {
      try {
        bootstrapReturns(SAMPLE, new Rng(1), opts);
        expect.unreachable();
      } catch (e) {
        expect(isTradestateError(e, 'TRD_ERR_NUMBER_INVALID')).toBe(true);
      }
    }
  });
});

describe('monteCarloSummary', () => {
  const returns = Array.from({ length: 30 }, (_, i) => SAMPLE[i % SAMPLE.length]!);

  it('is the bootstrap of the run’s own length, without the per-path arrays', () => {
    const mc = monteCarloSummary(returns, new Rng(3), 400)!;
    const full = bootstrapReturns(returns, new Rng(3), { paths: 400 });
    expect(mc).toEqual({
      method: 'bootstrap-daily-returns',
      paths: 400,
      horizon: 30,
      percentiles: full.percentiles,
      probabilityOfLoss: full.probabilityOfLoss
    });
    expect(mc.percentiles.map((p) => p.percentile)).toEqual([5, 25, 50, 75, 95]);
  });

  it('gives nothing for no paths or fewer daily returns than are worth resampling', () => {
    expect(monteCarloSummary(returns, new Rng(3), 0)).toBeUndefined();
    expect(monteCarloSummary(returns.slice(0, MIN_TAIL_RETURNS - 1), new Rng(3), 100)).toBeUndefined();
    expect(monteCarloSummary(returns.slice(0, MIN_TAIL_RETURNS), new Rng(3), 100)).toBeDefined();
  });
});

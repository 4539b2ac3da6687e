import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollingStats } from '../../src/indicators/rolling-stats.indicator.ts';

/** Mean and sample standard deviation of `xs`, the slow way. */
function naive(xs: readonly number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const ss = xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  return { mean, std: Math.sqrt(ss / (xs.length - 1)) };
}

describe('RollingStats', () => {
  it('is NaN until the window is full, then the window’s mean and sample std', () => {
    const s = new RollingStats(3);
    s.update(1);
    s.update(2);
    expect(s.ready).toBe(false);
    expect(s.mean).toBeNaN();
    expect(s.std).toBeNaN();
    expect(s.zScore(5)).toBeNaN();
    s.update(6);
    expect(s.mean).toBe(3);
    expect(s.std).toBeCloseTo(Math.sqrt(7), 12); // deviations −2, −1, 3 → 14 / 2
    s.update(10); // window 2, 6, 10
    expect(s.mean).toBe(6);
    expect(s.std).toBe(4);
    expect(s.zScore(14)).toBe(2);
  });

  it('a flat window has std 0: z-score 0 at its mean, ±Infinity off it (never NaN)', () => {
    const s = new RollingStats(4);
    for (let i = 0; i < 10; i++) s.update(10_050);
    expect(s.std).toBe(0);
    expect(s.zScore(10_050)).toBe(0);
    expect(s.zScore(10_051)).toBe(Number.POSITIVE_INFINITY);
    expect(s.zScore(10_049)).toBe(Number.NEGATIVE_INFINITY);
  });

  it('an outlier leaving the window leaves no rounding behind (the property below found 113515, 1, 2, 1)', () => {
    const s = new RollingStats(3);
    for (const x of [113_515, 1, 2, 1]) s.update(x);
    expect(s.mean).toBeCloseTo(4 / 3, 12);
    expect(s.std).toBeCloseTo(Math.sqrt(1 / 3), 12);
    for (const x of [50_000_000, 7, 7, 7]) s.update(x);
    expect(s.std).toBe(0);
    expect(s.zScore(7)).toBe(0);
  });

  it('matches the naive window over long random series of tick prices (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 50_000_000 }), { minLength: 1, maxLength: 400 }),
        (period, xs) => {
          const s = new RollingStats(period);
          for (let i = 0; i < xs.length; i++) {
            s.update(xs[i]!);
            if (i + 1 < period) continue;
            const w = naive(xs.slice(i + 1 - period, i + 1));
            expect(Math.abs(s.mean - w.mean)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(w.mean)));
            expect(Math.abs(s.std - w.std)).toBeLessThanOrEqual(1e-6 * Math.max(1, w.std));
          }
        }
      )
    );
  });

  it('stays accurate after a million updates (no drift from the sliding update)', () => {
    const s = new RollingStats(50);
    const xs: number[] = [];
    let x = 10_000_000;
    for (let i = 0; i < 1_000_000; i++) {
      x += ((i * 7919) % 13) - 6;
      s.update(x);
      xs.push(x);
    }
    const w = naive(xs.slice(-50));
    expect(s.mean).toBeCloseTo(w.mean, 4);
    expect(s.std).toBeCloseTo(w.std, 4);
  });

  it('does not drift on long runs: the window is summed again every period updates', () => {
    // prices far from 0 with a small spread make each sliding step's rounding large next to Σ(x − mean)²;
    // without the periodic re-sum the error of std grew to 1e-5 here (1.7e-2 after 3e6 updates near 5e6)
    const w = 20;
    const s = new RollingStats(w);
    const xs: number[] = [];
    let worst = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = 1e9 + ((i * 7919) % 13) - 6 + ((i * 104_729) % 7);
      s.update(x);
      xs.push(x);
      if (i >= w && i % 50 === 0) {
        const want = naive(xs.slice(-w));
        worst = Math.max(worst, Math.abs(s.std - want.std) / want.std);
      }
    }
    expect(worst).toBeLessThan(1e-7);
  });

  it('rejects a period that is not an integer ≥ 2', () => {
    for (const p of [0, 1, 2.5, Number.NaN]) expect(() => new RollingStats(p)).toThrow(RangeError);
  });
});

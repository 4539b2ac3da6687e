import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RollingRegression } from '../../src/indicators/rolling-regression.indicator.ts';

function ols(xs: readonly number[], ys: readonly number[]): { beta: number; alpha: number } {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const beta = sxy / sxx;
  return { beta, alpha: my - beta * mx };
}

describe('RollingRegression', () => {
  it('recovers an exact line, and follows it when the line changes (old points leave the window)', () => {
    const r = new RollingRegression(5);
    for (let i = 0; i < 4; i++) r.update(i, 3 + 2 * i);
    expect(r.ready).toBe(false);
    expect(r.beta).toBeNaN();
    r.update(4, 11);
    expect(r.beta).toBeCloseTo(2, 12);
    expect(r.alpha).toBeCloseTo(3, 12);
    for (let i = 5; i < 10; i++) r.update(i, -1 - 0.5 * i); // five new points: the old line is gone
    expect(r.beta).toBeCloseTo(-0.5, 12);
    expect(r.alpha).toBeCloseTo(-1, 12);
  });

  it('β is NaN when x does not vary in the window', () => {
    const r = new RollingRegression(3);
    for (let i = 0; i < 5; i++) r.update(7, i);
    expect(r.beta).toBeNaN();
  });

  it('β is NaN once x has been flat for a whole window after varying (no rounding residue), and recovers', () => {
    // a leg that stops trading (halt, stale feed) after moving: the sliding update left Σ(x − mx)² at a rounding
    // residue, and β = Σxy / Σxx at a made-up finite value (−5e14 here)
    let seed = 12_345;
    const rnd = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    const w = 20;
    const r = new RollingRegression(w);
    const xs: number[] = [];
    const ys: number[] = [];
    const add = (x: number, y: number) => {
      r.update(x, y);
      xs.push(x);
      ys.push(y);
    };
    for (let i = 0; i < 1000; i++)
      add(
        Math.log(10_000 + Math.round((rnd() - 0.5) * 400)),
        Math.log(20_000 + Math.round((rnd() - 0.5) * 400))
      );
    const flat = Math.log(10_037);
    for (let i = 0; i < w; i++) {
      add(flat, Math.log(20_000 + Math.round((rnd() - 0.5) * 400)));
      if (i < w - 1) expect(r.beta, `x flat for ${i + 1} of ${w}`).not.toBeNaN();
    }
    expect(r.beta).toBeNaN();
    expect(r.alpha).toBeNaN();
    add(flat, Math.log(20_111)); // still flat
    expect(r.beta).toBeNaN();
    // x moves again: β is the window's OLS slope
    for (let i = 0; i < 5; i++) add(Math.log(10_037 + 3 * (i + 1)), Math.log(20_074 + 7 * (i + 1)));
    const want = ols(xs.slice(-w), ys.slice(-w));
    expect(Math.abs(r.beta - want.beta)).toBeLessThanOrEqual(1e-9 * Math.abs(want.beta));
  });

  it('stays accurate on long runs (the window is summed again every period updates)', () => {
    const w = 30;
    const r = new RollingRegression(w);
    const xs: number[] = [];
    const ys: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const x = 1e9 + ((i * 7919) % 13) + ((i * 104_729) % 7);
      const y = 2e9 + 2 * x + ((i * 31) % 5);
      r.update(x, y);
      xs.push(x);
      ys.push(y);
    }
    const want = ols(xs.slice(-w), ys.slice(-w));
    expect(Math.abs(r.beta - want.beta)).toBeLessThanOrEqual(1e-9 * Math.abs(want.beta));
  });

  it('matches OLS on the window for random log-price pairs (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 30 }),
        fc.array(
          fc.tuple(fc.double({ min: 1, max: 10, noNaN: true }), fc.double({ min: 1, max: 10, noNaN: true })),
          { minLength: 3, maxLength: 200 }
        ),
        (period, pairs) => {
          const r = new RollingRegression(period);
          pairs.forEach(([x, y], i) => {
            r.update(x, y);
            if (i + 1 < period) return;
            const w = pairs.slice(i + 1 - period, i + 1);
            const xs = w.map((p) => p[0]);
            const sxx = xs.reduce((a, v) => a + (v - xs.reduce((s, u) => s + u, 0) / xs.length) ** 2, 0);
            if (sxx < 1e-6) return; // near-degenerate windows: β is ill-conditioned either way
            const want = ols(
              xs,
              w.map((p) => p[1])
            );
            expect(Math.abs(r.beta - want.beta)).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want.beta)));
            expect(Math.abs(r.alpha - want.alpha)).toBeLessThanOrEqual(
              1e-6 * Math.max(1, Math.abs(want.alpha))
            );
          });
        }
      )
    );
  });

  it('rejects a period that is not an integer ≥ 2', () => {
    for (const p of [1, 0, 3.5]) expect(() => new RollingRegression(p)).toThrow(RangeError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RateOfChange } from '../../src/indicators/rate-of-change.indicator.ts';

describe('RateOfChange', () => {
  it('is x_t / x_{t−period} − 1 once period + 1 values were seen', () => {
    const r = new RateOfChange(2);
    expect(r.update(100)).toBeNaN();
    expect(r.update(105)).toBeNaN();
    expect(r.ready).toBe(false);
    expect(r.update(110)).toBeCloseTo(0.1, 15);
    expect(r.update(126)).toBeCloseTo(0.2, 15);
    expect(r.ready).toBe(true);
    expect(r.value).toBeCloseTo(0.2, 15);
  });

  it('matches the definition on random series (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 1, maxLength: 200 }),
        (period, xs) => {
          const r = new RateOfChange(period);
          xs.forEach((x, i) => {
            const v = r.update(x);
            if (i < period) expect(v).toBeNaN();
            else expect(v).toBe(x / xs[i - period]! - 1);
          });
        }
      )
    );
  });

  it('rejects a period that is not a positive integer', () => {
    for (const p of [0, -1, 1.5]) expect(() => new RateOfChange(p)).toThrow(RangeError);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sma } from '../../src/indicators/sma.indicator.ts';

describe('Sma', () => {
  it('is NaN until period values, then the exact average of the last period values', () => {
    const s = new Sma(3);
    expect(s.update(10)).toBeNaN();
    expect(s.update(20)).toBeNaN();
    expect(s.update(30)).toBe(20);
    expect(s.update(70)).toBe(40);
  });

  it('equals the naive average on integer tick series (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 1, maxLength: 300 }),
        (period, xs) => {
          const s = new Sma(period);
          xs.forEach((x, i) => {
            const v = s.update(x);
            if (i + 1 < period) expect(v).toBeNaN();
            else expect(v).toBe(xs.slice(i + 1 - period, i + 1).reduce((a, b) => a + b, 0) / period);
          });
        }
      )
    );
  });

  it('rejects a period that is not a positive integer', () => {
    for (const p of [0, 2.5, -3]) expect(() => new Sma(p)).toThrow(RangeError);
  });
});

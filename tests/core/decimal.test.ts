import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addTimes, divRound, divRoundHalfEven, formatDecimal, parseDecimal } from '../../src/core/decimal.ts';
import { isTradestateError } from '../../src/core/errors.ts';
import { makeInstrument, priceToTicks, ticksToPrice } from '../../src/core/instrument.ts';

describe('decimal', () => {
  it('parses and formats exactly', () => {
    expect(parseDecimal('12.3400')).toEqual({ mantissa: 123400n, scale: 4 });
    expect(formatDecimal(-5n, 3)).toBe('-0.005');
  });

  it('rejects exponents and junk with a typed error', () => {
    for (const bad of ['1e5', '', 'NaN', '1.2.3', ' 1']) {
      try {
        parseDecimal(bad);
        expect.unreachable();
      } catch (e) {
        expect(isTradestateError(e, 'TRD_ERR_NUMBER_INVALID')).toBe(true);
      }
    }
  });

  it('adds a multiple exactly, at the larger scale', () => {
    const r = addTimes(parseDecimal('14850.4851'), parseDecimal('150.0049'), -99n);
    expect(formatDecimal(r.mantissa, r.scale)).toBe('0.0000');
    expect(addTimes(parseDecimal('1.5'), parseDecimal('0.25'), 3n)).toEqual({ mantissa: 225n, scale: 2 });
  });

  it('rounds half to even', () => {
    expect(divRoundHalfEven(5n, 2n)).toBe(2n);
    expect(divRoundHalfEven(7n, 2n)).toBe(4n);
    expect(divRoundHalfEven(-5n, 2n)).toBe(-2n);
    expect(divRoundHalfEven(-7n, 2n)).toBe(-4n);
  });

  it('rounds down, up or half-even on request, for either sign', () => {
    const all = (n: bigint, d: bigint) => [
      divRound(n, d, 'floor'),
      divRound(n, d, 'ceil'),
      divRound(n, d, 'half-even')
    ];
    expect(all(7n, 2n)).toEqual([3n, 4n, 4n]);
    expect(all(-7n, 2n)).toEqual([-4n, -3n, -4n]);
    expect(all(7n, -2n)).toEqual([-4n, -3n, -4n]);
    expect(all(6n, 3n)).toEqual([2n, 2n, 2n]);
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }),
        fc.bigInt({ min: 1n, max: 10n ** 6n }),
        (n, d) => {
          const [lo, hi, near] = all(n, d) as [bigint, bigint, bigint];
          expect(lo * d <= n && n < (lo + 1n) * d).toBe(true);
          expect(hi - lo).toBe(n % d === 0n ? 0n : 1n);
          expect(near === lo || near === hi).toBe(true);
        }
      )
    );
  });

  it('price ↔ ticks round-trips for any tick-aligned price', () => {
    const inst = makeInstrument({
      symbol: 'X',
      venue: 'SIM',
      tickSize: '0.05',
      lotSize: '1',
      currency: 'USD'
    });
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), (ticks) => {
        expect(priceToTicks(inst, ticksToPrice(inst, ticks))).toBe(ticks);
      })
    );
    expect(() => priceToTicks(inst, '1.03')).toThrowError(/not a multiple/);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradestateError } from '../../src/core/errors.ts';
import {
  formatMoney,
  makeInstrument,
  moneyFromDecimal,
  moneyFromNumber,
  priceToTicks,
  priceToTicksRounded,
  qtyToLots,
  qtyToLotsRounded,
  ticksToPrice
} from '../../src/core/instrument.ts';
import { codeOf } from '../support/caught.ts';

describe('moneyFromNumber', () => {
  it('is the decimal the float is written as, rounded half-even at 10^-8', () => {
    expect(moneyFromNumber(0.1)).toBe(10_000_000n);
    expect(moneyFromNumber(-2.5)).toBe(-250_000_000n);
    expect(moneyFromNumber(123_456_789_012.34567)).toBe(12_345_678_901_234_567_000n); // x × 1e8 in floats: …566_976
    expect(moneyFromNumber(0.000000005)).toBe(0n); // half → even (0); Math.round took it up
    expect(moneyFromNumber(0.000000015)).toBe(2n);
    expect(moneyFromNumber(1e-7)).toBe(10n); // written with an exponent
    expect(moneyFromNumber(-0)).toBe(0n);
  });

  it('agrees with moneyFromDecimal on every number written with up to 8 decimals', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), (m) => {
        const text = formatMoney(m);
        expect(moneyFromNumber(Number(text))).toBe(moneyFromDecimal(text));
      })
    );
  });

  it('refuses a non-finite amount or one of 1e21 or more, typed', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, -1e21, 1e21]) {
      expect(codeOf(() => moneyFromNumber(bad))).toBe('TRD_ERR_NUMBER_INVALID');
    }
  });
});

describe('moneyFromDecimal', () => {
  it('is exact up to 8 decimals and rounds half-even beyond', () => {
    expect(moneyFromDecimal('100012.3456')).toBe(10_001_234_560_000n);
    expect(moneyFromDecimal('-0.5')).toBe(-50_000_000n);
    expect(moneyFromDecimal('0')).toBe(0n);
    expect(moneyFromDecimal('0.000000005')).toBe(0n); // half → even (0)
    expect(moneyFromDecimal('0.000000015')).toBe(2n); // half → even (2)
    expect(moneyFromDecimal('0.0000000151')).toBe(2n);
  });

  it('round-trips through formatMoney', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), (m) => {
        expect(moneyFromDecimal(formatMoney(m))).toBe(m);
      })
    );
  });

  it('rejects what is not a plain decimal with a typed error', () => {
    for (const bad of ['1e3', '', '$5', '1,000.00']) {
      expect(() => moneyFromDecimal(bad)).toThrow();
      try {
        moneyFromDecimal(bad);
      } catch (e) {
        expect(isTradestateError(e, 'TRD_ERR_NUMBER_INVALID')).toBe(true);
      }
    }
  });
});

describe('qtyToLotsRounded', () => {
  const milli = makeInstrument({
    symbol: 'B',
    venue: 'X',
    tickSize: '0.01',
    lotSize: '0.001',
    currency: 'USD'
  });
  const hundred = makeInstrument({
    symbol: 'H',
    venue: 'X',
    tickSize: '0.01',
    lotSize: '100',
    currency: 'USD'
  });

  it('puts a volume onto the lot, ties to even, and says whether it was on it', () => {
    expect(qtyToLotsRounded(milli, '1.2345')).toEqual({ lots: 1234, exact: false }); // 1234.5 → 1234
    expect(qtyToLotsRounded(milli, '1.2355')).toEqual({ lots: 1236, exact: false }); // 1235.5 → 1236
    expect(qtyToLotsRounded(milli, '1.23451')).toEqual({ lots: 1235, exact: false });
    expect(qtyToLotsRounded(milli, '2.5')).toEqual({ lots: 2500, exact: true });
    expect(qtyToLotsRounded(hundred, '250')).toEqual({ lots: 2, exact: false }); // 2.5 → 2
    expect(qtyToLotsRounded(hundred, '300.00')).toEqual({ lots: 3, exact: true });
  });

  it('agrees with qtyToLots on the lot, and refuses what is out of range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), (lots) => {
        const q = (BigInt(lots) * 100n).toString();
        expect(qtyToLotsRounded(hundred, q)).toEqual({ lots: qtyToLots(hundred, q), exact: true });
      })
    );
    expect(codeOf(() => qtyToLotsRounded(milli, '1e999999999999999'))).toBe('TRD_ERR_NUMBER_INVALID');
    expect(() => qtyToLotsRounded(milli, `${Number.MAX_SAFE_INTEGER}`)).toThrow(/safe integer/);
  });
});

describe('priceToTicksRounded', () => {
  const cent = makeInstrument({ symbol: 'SPY', venue: 'X', tickSize: '0.01', lotSize: '1', currency: 'USD' });
  const nickel = makeInstrument({ symbol: 'N', venue: 'X', tickSize: '0.05', lotSize: '1', currency: 'USD' });

  it('puts a sub-penny price onto the tick: nearest with ties to even, or down, or up', () => {
    // Alpaca's documented SPY bar: o 388.985, l 388.975 (both ties)
    expect(priceToTicksRounded(cent, '388.985')).toEqual({ ticks: 38_898, exact: false });
    expect(priceToTicksRounded(cent, '388.975')).toEqual({ ticks: 38_898, exact: false });
    expect(priceToTicksRounded(cent, '388.9851').ticks).toBe(38_899);
    expect(priceToTicksRounded(cent, '388.985', 'floor').ticks).toBe(38_898);
    expect(priceToTicksRounded(cent, '388.981', 'ceil').ticks).toBe(38_899);
    expect(priceToTicksRounded(cent, '389.13')).toEqual({ ticks: 38_913, exact: true });
    expect(priceToTicksRounded(nickel, '1.025')).toEqual({ ticks: 20, exact: false }); // 20.5 → 20
    expect(priceToTicksRounded(nickel, '1.075').ticks).toBe(22); // 21.5 → 22
    expect(priceToTicksRounded(cent, '-0.005', 'floor').ticks).toBe(-1);
  });

  it('agrees with priceToTicks on the tick, and brackets the price off it', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 0, max: 99_999 }), (ticks, frac) => {
        const on = ticksToPrice(nickel, ticks);
        expect(priceToTicksRounded(nickel, on)).toEqual({ ticks: priceToTicks(nickel, on), exact: true });
        const off = `${ticksToPrice(cent, ticks)}${String(frac).padStart(5, '0')}`; // 5 more digits
        const [lo, hi, near] = (['floor', 'ceil', 'half-even'] as const).map(
          (m) => priceToTicksRounded(cent, off, m).ticks
        ) as [number, number, number];
        expect([lo, hi]).toEqual(
          ticks >= 0 ? [ticks, frac === 0 ? ticks : ticks + 1] : [frac === 0 ? ticks : ticks - 1, ticks]
        );
        expect(near === lo || near === hi).toBe(true);
      })
    );
  });

  it('refuses what is not a plain decimal, and prices beyond the safe range, with typed errors', () => {
    for (const bad of ['1e3', '', 'abc']) {
      expect(() => priceToTicksRounded(cent, bad)).toThrow();
      try {
        priceToTicksRounded(cent, bad);
      } catch (e) {
        expect(isTradestateError(e, 'TRD_ERR_NUMBER_INVALID')).toBe(true);
      }
    }
    expect(() => priceToTicksRounded(cent, '1'.repeat(20))).toThrow(/safe integer/);
  });
});

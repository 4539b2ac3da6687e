import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTradestateError } from '../../src/core/errors.ts';
import { formatMoney, moneyFromDecimal } from '../../src/core/instrument.ts';

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

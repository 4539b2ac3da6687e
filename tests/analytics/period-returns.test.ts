import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { periodReturns, returnsByPeriod } from '../../src/analytics/period-returns.ts';
import { totalReturn } from '../../src/analytics/total-return.ts';
import type { EquityPoint } from '../../src/analytics/types.ts';
import { NS_PER_DAY, NS_PER_HOUR, nsFromIso } from '../../src/core/nanos.ts';

const at = (iso: string, equity: number): EquityPoint => ({ ts: nsFromIso(iso), equity });

describe('periodReturns', () => {
  // 100 at the start; January ends at 110, February at 99, nothing in March, April at 118.8; then 2025
  const curve = [
    at('2024-01-02T14:30:00Z', 100),
    at('2024-01-15T21:00:00Z', 104),
    at('2024-01-31T21:00:00Z', 110),
    at('2024-02-29T21:00:00Z', 99),
    at('2024-04-01T21:00:00Z', 120),
    at('2024-04-30T23:59:59Z', 118.8),
    at('2025-01-02T21:00:00Z', 130.68)
  ];

  it('compounds each UTC month from the previous month’s last equity (the first from the start)', () => {
    const m = periodReturns(curve, 'month');
    expect(m.map((x) => x.period)).toEqual(['2024-01', '2024-02', '2024-04', '2025-01']);
    const r = m.map((x) => x.return);
    expect(r[0]).toBeCloseTo(0.1, 12);
    expect(r[1]).toBeCloseTo(-0.1, 12);
    expect(r[2]).toBeCloseTo(0.2, 12);
    expect(r[3]).toBeCloseTo(0.1, 12);
  });

  it('years compound their months; all periods compound to the total return', () => {
    const y = periodReturns(curve, 'year');
    expect(y.map((x) => x.period)).toEqual(['2024', '2025']);
    expect(y[0]!.return).toBeCloseTo(1.1 * 0.9 * 1.2 - 1, 12);
    expect(y[1]!.return).toBeCloseTo(0.1, 12);
    expect(returnsByPeriod(curve)).toEqual({ monthly: periodReturns(curve, 'month'), yearly: y });
    expect(periodReturns([], 'month')).toEqual([]);
    expect(periodReturns([curve[0]!], 'year')).toEqual([{ period: '2024', return: 0 }]);
  });

  it('property: compounding the months gives each year and the total return', () => {
    const T = nsFromIso('2023-11-20T00:00:00Z');
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.integer({ min: 1, max: 200 }), fc.double({ min: -0.2, max: 0.2, noNaN: true })),
          {
            minLength: 1,
            maxLength: 150
          }
        ),
        (steps) => {
          let ts = T;
          let eq = 1000;
          const curve: EquityPoint[] = [{ ts, equity: eq }];
          for (const [hours, r] of steps) {
            ts += BigInt(hours) * 5n * NS_PER_HOUR;
            eq *= 1 + r;
            curve.push({ ts, equity: eq });
          }
          const months = periodReturns(curve, 'month');
          const years = periodReturns(curve, 'year');
          const compound = (xs: readonly { return: number }[]) =>
            xs.reduce((a, x) => a * (1 + x.return), 1) - 1;
          expect(compound(months)).toBeCloseTo(totalReturn(curve), 9);
          expect(compound(years)).toBeCloseTo(totalReturn(curve), 9);
          for (const y of years) {
            expect(compound(months.filter((m) => m.period.startsWith(y.period)))).toBeCloseTo(y.return, 9);
          }
          expect(months.length).toBeLessThanOrEqual(Number((ts - T) / (28n * NS_PER_DAY)) + 2);
        }
      )
    );
  });
});

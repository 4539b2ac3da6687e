import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import { priceTextToTicks } from '../../src/data/csv.ts';

const X = makeInstrument({ symbol: 'X', venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' });

describe('priceTextToTicks', () => {
  it('takes a price on the tick exactly, and rounds one off it to the nearest tick, ties to even, on the decimal', () => {
    expect(priceTextToTicks(X, '12.34')).toBe(1234);
    expect(priceTextToTicks(X, '12.3449')).toBe(1234);
    expect(priceTextToTicks(X, '12.3451')).toBe(1235);
    // ties go to the even tick
    expect(['10.005', '10.015', '10.025', '10.035'].map((p) => priceTextToTicks(X, p))).toEqual([
      1000, 1002, 1002, 1004
    ]);
    // just past a tie, in the tenth decimal (a float scaled by 1e9 lost it and called it a tie)
    expect(priceTextToTicks(X, '10.0050000001')).toBe(1001);
    expect(priceTextToTicks(X, '10.0049999999')).toBe(1000);
  });
});

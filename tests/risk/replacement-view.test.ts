import { describe, expect, it } from 'vitest';
import { ReplacementRiskView } from '../../src/risk/replacement-view.ts';
import { type RiskView, worstCaseExposure } from '../../src/risk/risk-view.ts';

/** Two instruments: X (index 0) long 4 with 6 bought and 2 sold working, Y (index 1) short 3 with 5 sold working. */
const base: RiskView = {
  now: () => 7n,
  tradingState: () => 'ACTIVE',
  position: (id) => (id === 'X' ? 4 : -3),
  openBuyQty: (id) => (id === 'X' ? 6 : 0),
  openSellQty: (id) => (id === 'X' ? 2 : 5),
  grossExposure: () => worstCaseExposure(4, 6, 2) + worstCaseExposure(-3, 0, 5),
  // one tick × one lot is 0.5 currency on both
  grossNotional: () => (worstCaseExposure(4, 6, 2) * 100 + worstCaseExposure(-3, 0, 5) * 50) * 0.5,
  equity: () => 12_345,
  mid: (id) => (id === 'X' ? 100 : 50),
  bestOwnBid: () => 99,
  bestOwnAsk: () => 101
};

describe('ReplacementRiskView', () => {
  it('leaves the replaced order out of its side and instrument only', () => {
    const v = new ReplacementRiskView(base, 'X', 0, 'buy', 5, 0.5);
    expect([
      v.openBuyQty('X', 0),
      v.openSellQty('X', 0),
      v.openBuyQty('Y', 1),
      v.openSellQty('Y', 1)
    ]).toEqual([1, 2, 0, 5]);
    const s = new ReplacementRiskView(base, 'Y', 1, 'sell', 5, 0.5);
    expect([s.openSellQty('Y', 1), s.openBuyQty('X', 0), s.openSellQty('X', 0)]).toEqual([0, 6, 2]);
  });

  it('recomputes gross exposure for that instrument: |4 + 6| → |4 + 1| on X, Y unchanged', () => {
    const v = new ReplacementRiskView(base, 'X', 0, 'buy', 5, 0.5);
    expect(base.grossExposure()).toBe(10 + 8);
    expect(v.grossExposure()).toBe(5 + 8);
    // and gross notional, X valued at its mid 100: (10 → 5) × 100 × 0.5 less
    expect(base.grossNotional()).toBe((10 * 100 + 8 * 50) * 0.5);
    expect(v.grossNotional()).toBe((5 * 100 + 8 * 50) * 0.5);
    expect(v.equity()).toBe(12_345);
  });

  it('passes everything else through', () => {
    const v = new ReplacementRiskView(base, 'X', 0, 'buy', 5, 0.5);
    expect([
      v.now(),
      v.tradingState(),
      v.position('Y', 1),
      v.mid('X', 0),
      v.bestOwnBid('s', 'X', 0),
      v.bestOwnAsk('s', 'X', 0)
    ]).toEqual([7n, 'ACTIVE', -3, 100, 99, 101]);
  });
});

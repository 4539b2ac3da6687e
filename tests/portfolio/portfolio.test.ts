import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MONEY_ONE, makeInstrument } from '../../src/core/instrument.ts';
import { Portfolio } from '../../src/portfolio/portfolio.ts';

const inst = makeInstrument({ symbol: 'X', venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' });
const map = new Map([[inst.id, inst]]);
const cash = 100_000n * MONEY_ONE;

describe('Portfolio', () => {
  it('tracks average price, realized and unrealized P&L, commissions and cash exactly', () => {
    const p = new Portfolio(cash, map);
    p.applyFill(inst.id, 'buy', 100, 10000, MONEY_ONE, 1n); // 100 @ 100.00, $1 commission
    p.applyFill(inst.id, 'buy', 100, 11000, MONEY_ONE, 2n); // avg 105.00
    p.applyFill(inst.id, 'sell', 50, 12000, MONEY_ONE, 3n); // realize 50 × 15.00 = 750
    const pos = p.position(inst.id)!;
    expect(pos.qty).toBe(150);
    expect(pos.realized).toBe(750n * MONEY_ONE);
    expect(pos.commission).toBe(3n * MONEY_ONE);
    p.mark(inst.id, 10000); // 150 × (100 − 105) = −750
    expect(p.unrealized(inst.id)).toBe(-750n * MONEY_ONE);
    expect(p.cash).toBe(
      cash - 10_000n * MONEY_ONE - 11_000n * MONEY_ONE + 6_000n * MONEY_ONE - 3n * MONEY_ONE
    );
    expect(p.equity()).toBe(cash + 750n * MONEY_ONE - 750n * MONEY_ONE - 3n * MONEY_ONE);
  });

  it('records a round trip on flat and splits a reversal into two trips', () => {
    const p = new Portfolio(cash, map);
    p.applyFill(inst.id, 'buy', 10, 10000, 0n, 1n);
    p.applyFill(inst.id, 'sell', 30, 10100, 0n, 2n); // close long (+10.00), open short 20
    p.applyFill(inst.id, 'buy', 20, 10050, 0n, 3n); // cover short (+10.00)
    expect(p.trips.map((t) => [t.side, t.qty, t.pnl])).toEqual([
      ['long', 10, 10n * MONEY_ONE],
      ['short', 20, 10n * MONEY_ONE]
    ]);
    expect(p.position(inst.id)?.qty).toBe(0);
  });

  it('a reversal splits its commission between the trip it closes and the one it opens, by quantity', () => {
    const p = new Portfolio(cash, map);
    p.applyFill(inst.id, 'buy', 10, 10000, MONEY_ONE, 1n); // $1
    p.applyFill(inst.id, 'sell', 30, 10100, 3n * MONEY_ONE, 2n); // $3: 10 lots close the long, 20 open the short
    p.applyFill(inst.id, 'buy', 20, 10050, 2n * MONEY_ONE, 3n); // $2
    // long: +10.00 − 1 − 1 (its third of the $3); short: +10.00 − 2 − 2
    expect(p.trips.map((t) => t.pnl)).toEqual([8n * MONEY_ONE, 6n * MONEY_ONE]);
    // a third of $1 each way, rounded half-even: the parts add up to the commission
    const q = new Portfolio(cash, map);
    q.applyFill(inst.id, 'buy', 1, 10000, 0n, 1n);
    q.applyFill(inst.id, 'sell', 3, 10000, MONEY_ONE, 2n);
    q.applyFill(inst.id, 'buy', 2, 10000, 0n, 3n);
    const [a, b] = q.trips.map((t) => t.pnl);
    expect(a! + b!).toBe(-MONEY_ONE);
    expect(q.commissions()).toBe(MONEY_ONE);
  });

  it('a round trip carries its average entry and exit prices, over the fills that grew and shrank it', () => {
    const p = new Portfolio(cash, map);
    p.applyFill(inst.id, 'buy', 10, 10000, 0n, 1n);
    p.applyFill(inst.id, 'buy', 30, 10040, 0n, 2n); // entry (10 × 100 + 30 × 100.40) / 40 = 100.30
    p.applyFill(inst.id, 'sell', 20, 10100, 0n, 3n);
    p.applyFill(inst.id, 'buy', 10, 10200, 0n, 4n); // grows it again (30 held): entry over 50 lots
    p.applyFill(inst.id, 'sell', 60, 10300, 0n, 5n); // exits 30, and opens a 30 short at 103.00
    p.applyFill(inst.id, 'buy', 30, 10250, 0n, 6n);
    const [long, short] = p.trips;
    expect(long).toMatchObject({ side: 'long', qty: 40 });
    expect(long!.entryPx).toBeCloseTo((10 * 10000 + 30 * 10040 + 10 * 10200) / 50, 10);
    expect(long!.exitPx).toBeCloseTo((20 * 10100 + 30 * 10300) / 50, 10);
    // the reversal's remainder starts the next trip at the reversing fill's price
    expect(short).toMatchObject({ side: 'short', qty: 30, entryPx: 10300, exitPx: 10250 });
  });

  it('property: without commission, equity = start cash + realized + unrealized', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            buy: fc.boolean(),
            qty: fc.integer({ min: 1, max: 500 }),
            px: fc.integer({ min: 1, max: 100_000 })
          }),
          { maxLength: 40 }
        ),
        fc.integer({ min: 1, max: 100_000 }),
        (fills, mark) => {
          const p = new Portfolio(cash, map);
          for (const [i, f] of fills.entries())
            p.applyFill(inst.id, f.buy ? 'buy' : 'sell', f.qty, f.px, 0n, BigInt(i));
          p.mark(inst.id, mark);
          // rounding of pro-rata cost is at most 1 unit (1e-8) per reduction
          const diff = p.equity() - (cash + p.realized() + p.unrealized(inst.id));
          expect(diff < 0n ? -diff : diff).toBeLessThanOrEqual(BigInt(fills.length));
        }
      )
    );
  });
});

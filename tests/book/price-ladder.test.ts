import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PriceLadder } from '../../src/book/price-ladder.ts';

function prices(l: PriceLadder): number[] {
  const out: number[] = [];
  for (let i = 0; i < l.count; i++) out.push(l.price[l.slotAt(i)]!);
  return out;
}

describe('PriceLadder', () => {
  it('keeps bids best-first descending and asks best-first ascending', () => {
    const bids = new PriceLadder(true, 2);
    const asks = new PriceLadder(false, 2);
    for (const p of [100, 105, 95, 101, 99]) {
      bids.findOrCreate(p);
      asks.findOrCreate(p);
    }
    expect(prices(bids)).toEqual([105, 101, 100, 99, 95]);
    expect(prices(asks)).toEqual([95, 99, 100, 101, 105]);
    expect(bids.bestPrice()).toBe(105);
    expect(asks.bestPrice()).toBe(95);
  });

  it('finds existing levels, removes any level and recycles slots', () => {
    const l = new PriceLadder(true, 2);
    const s100 = l.findOrCreate(100);
    expect(l.findOrCreate(100)).toBe(s100);
    l.findOrCreate(90);
    l.findOrCreate(80);
    l.removeSlot(l.find(90));
    expect(prices(l)).toEqual([100, 80]);
    expect(l.find(90)).toBe(-1);
    const again = l.findOrCreate(85);
    expect(prices(l)).toEqual([100, 85, 80]);
    expect(again).toBeLessThan(3); // a recycled slot, no growth
  });

  it('depth writes the best n levels into caller arrays', () => {
    const l = new PriceLadder(false);
    for (const [p, q] of [
      [10, 1],
      [12, 2],
      [11, 3]
    ] as const) {
      l.qty[l.findOrCreate(p)] = q;
    }
    const px = new Float64Array(5);
    const qty = new Float64Array(5);
    expect(l.depth(2, px, qty)).toBe(2);
    expect([...px.subarray(0, 2)]).toEqual([10, 11]);
    expect([...qty.subarray(0, 2)]).toEqual([1, 3]);
    expect(l.depth(10, px, qty)).toBe(3);
    expect(l.depthQty(2)).toBe(4);
  });

  it('matches a sorted reference under random adds and removes (both sides, deep and shallow)', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -40, max: 40 })), { maxLength: 300 }),
        (isBid, ops) => {
          const l = new PriceLadder(isBid, 2);
          const ref = new Set<number>();
          for (const [add, p] of ops) {
            if (add) {
              l.findOrCreate(p);
              ref.add(p);
            } else if (ref.has(p)) {
              l.removeSlot(l.find(p));
              ref.delete(p);
            } else expect(l.find(p)).toBe(-1);
          }
          const expected = [...ref].sort((a, b) => (isBid ? b - a : a - b));
          expect(prices(l)).toEqual(expected);
        }
      ),
      { numRuns: 200 }
    );
  });

  it('takes any power-of-two window from 1,024 ticks and refuses others', () => {
    for (const w of [1000, 512, 3000, 1 << 25])
      expect(() => new PriceLadder(true, 2, w)).toThrow(/power of two/);
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: -3_000, max: 3_000 })), { maxLength: 200 }),
        (isBid, ops) => {
          const l = new PriceLadder(isBid, 2, 1024); // levels well past both edges of a narrow window
          const ref = new Set<number>();
          for (const [add, p] of ops) {
            if (add) {
              l.findOrCreate(p);
              ref.add(p);
            } else if (ref.has(p)) {
              l.removeSlot(l.find(p));
              ref.delete(p);
            }
          }
          expect(prices(l)).toEqual([...ref].sort((a, b) => (isBid ? b - a : a - b)));
        }
      ),
      { numRuns: 100 }
    );
  });
});

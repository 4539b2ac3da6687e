import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { L2Book } from '../../src/book/l2-book.ts';
import { BookSide } from '../../src/book/side.ts';
import { bestQuoteVenue } from '../../src/routing/best-quote.router.ts';
import { planSmartRoute } from '../../src/routing/smart-order.router.ts';
import type { VenueLiquidity } from '../../src/routing/venue-book.ts';

function book(asks: [number, number][], bids: [number, number][] = []): L2Book {
  const b = new L2Book();
  for (const [p, q] of asks) b.set(BookSide.ASK, p, q);
  for (const [p, q] of bids) b.set(BookSide.BID, p, q);
  return b;
}

// A three-venue book for one symbol (prices in cents).
const venues: VenueLiquidity[] = [
  {
    venue: 'XNAS',
    takerFeeBps: 3,
    book: book(
      [
        [10001, 300],
        [10002, 500]
      ],
      [[9999, 200]]
    )
  },
  {
    venue: 'ARCA',
    takerFeeBps: 0.5,
    book: book(
      [
        [10001, 200],
        [10003, 1000]
      ],
      [[9998, 900]]
    )
  },
  { venue: 'IEX', takerFeeBps: 0, book: book([[10002, 400]], [[9999, 100]]) }
];

describe('routing', () => {
  it('best quote: lowest ask after fees for a buy, highest bid after fees for a sell', () => {
    // ARCA and XNAS both show 100.01; ARCA's fee is lower
    expect(bestQuoteVenue('buy', venues)).toBe('ARCA');
    // XNAS and IEX both bid 99.99; IEX has no fee
    expect(bestQuoteVenue('sell', venues)).toBe('IEX');
    expect(bestQuoteVenue('buy', [])).toBeUndefined();
  });

  it('smart routing splits a large buy across venues by displayed depth and fees', () => {
    const plan = planSmartRoute('buy', 1000, venues);
    // effective prices (×10^6): ARCA 100.01+0.5bp = 10001.50 < IEX 100.02+0 = 10002.00 < ARCA 100.03+0.5bp = 10003.50
    // < XNAS 100.01+3bp = 10004.00: a 3 bp fee on $100 is 3 cents, so XNAS's better displayed price loses
    expect(plan.slices).toEqual([
      { venue: 'ARCA', qty: 600, limitPx: 10003 },
      { venue: 'IEX', qty: 400, limitPx: 10002 }
    ]);
    expect(plan.unrouted).toBe(0);
    expect(plan.notionalTicks).toBe(200 * 10001 + 400 * 10002 + 400 * 10003);
  });

  it('never routes beyond the limit or more than is displayed', () => {
    const plan = planSmartRoute('buy', 5000, venues, { limitPx: 10001 });
    expect(plan.slices.reduce((a, s) => a + s.qty, 0)).toBe(500);
    expect(plan.unrouted).toBe(4500);
    // sell: IEX 99.99 (no fee) > ARCA 99.98 − 0.5bp > XNAS 99.99 − 3bp
    const sell = planSmartRoute('sell', 250, venues);
    expect(sell.slices).toEqual([
      { venue: 'IEX', qty: 100, limitPx: 9999 },
      { venue: 'ARCA', qty: 150, limitPx: 9998 }
    ]);
  });

  it('smart routing refuses a qty that is not a positive integer, and a bad maxLevels or limitPx', () => {
    // −100 was planned as a slice of −100 lots; 2.5 levels threw a raw RangeError
    const refused = (f: () => unknown, context: object) =>
      expect(f).toThrow(expect.objectContaining({ code: 'TRD_ERR_ORDER_INVALID', context }));
    for (const qty of [-100, 0, Number.NaN, 2.5, Number.POSITIVE_INFINITY])
      refused(() => planSmartRoute('buy', qty, venues), { qty });
    for (const maxLevels of [2.5, -1, 0, Number.NaN])
      refused(() => planSmartRoute('buy', 100, venues, { maxLevels }), { maxLevels });
    refused(() => planSmartRoute('sell', 100, venues, { limitPx: Number.NaN }), { limitPx: Number.NaN });
    expect(planSmartRoute('buy', 100, venues, { maxLevels: 1 }).unrouted).toBe(0);
  });

  it('property: routed + unrouted = requested, and no slice exceeds the depth displayed within its limit', () => {
    const level = fc.tuple(fc.integer({ min: 9000, max: 11000 }), fc.integer({ min: 1, max: 1000 }));
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ asks: fc.array(level, { maxLength: 8 }), fee: fc.integer({ min: 0, max: 50 }) }),
          { minLength: 1, maxLength: 4 }
        ),
        fc.integer({ min: 1, max: 5000 }),
        (vs, qty) => {
          const liq = vs.map((v, i) => ({ venue: `V${i}`, takerFeeBps: v.fee / 10, book: book(v.asks) }));
          const plan = planSmartRoute('buy', qty, liq);
          const routed = plan.slices.reduce((a, s) => a + s.qty, 0);
          expect(routed + plan.unrouted).toBe(qty);
          for (const s of plan.slices) {
            const v = liq.find((l) => l.venue === s.venue)!;
            let shown = 0;
            const px = new Float64Array(20);
            const sz = new Float64Array(20);
            const n = v.book.asks.depth(20, px, sz);
            for (let i = 0; i < n; i++) if (px[i]! <= s.limitPx) shown += sz[i]!;
            expect(s.qty).toBeLessThanOrEqual(shown);
          }
        }
      ),
      { numRuns: 200 }
    );
  });
});

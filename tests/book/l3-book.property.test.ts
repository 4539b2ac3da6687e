import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditL3Book } from '../../src/book/book-audit.ts';
import { L3Book, type L3BookSnapshot } from '../../src/book/l3-book.ts';
import { BookSide } from '../../src/book/side.ts';

interface RefOrder {
  side: BookSide;
  px: number;
  qty: number;
  prio: number;
}

/** The obvious model: a map of orders with a priority stamp; levels and FIFO derived by sorting. */
function refSnapshot(ref: Map<number, RefOrder>): L3BookSnapshot {
  const side = (s: BookSide) => {
    const os = [...ref.entries()].filter(([, o]) => o.side === s);
    const prices = [...new Set(os.map(([, o]) => o.px))].sort((a, b) => (s === BookSide.BID ? b - a : a - b));
    return prices.map((price) => {
      const at = os.filter(([, o]) => o.px === price).sort((a, b) => a[1].prio - b[1].prio);
      return {
        price,
        qty: at.reduce((t, [, o]) => t + o.qty, 0),
        orders: at.map(([id, o]) => ({ id, qty: o.qty, owner: 0 }))
      };
    });
  };
  return { bids: side(BookSide.BID), asks: side(BookSide.ASK) };
}

const op = fc.oneof(
  fc.record({
    k: fc.constant('add' as const),
    id: fc.integer({ min: 1, max: 60 }),
    side: fc.constantFrom(BookSide.BID, BookSide.ASK),
    px: fc.integer({ min: 90, max: 110 }),
    qty: fc.integer({ min: 1, max: 50 })
  }),
  fc.record({ k: fc.constant('cancel' as const), id: fc.integer({ min: 1, max: 60 }) }),
  fc.record({
    k: fc.constant('reduce' as const),
    id: fc.integer({ min: 1, max: 60 }),
    qty: fc.integer({ min: 1, max: 60 })
  }),
  fc.record({
    k: fc.constant('modify' as const),
    id: fc.integer({ min: 1, max: 60 }),
    qty: fc.integer({ min: 0, max: 60 }),
    dpx: fc.integer({ min: -2, max: 2 })
  })
);

describe('L3Book properties', () => {
  it('random order flow: equals the reference model (levels = sum of orders, FIFO by priority) at every step', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 250, size: 'max' }), (ops) => {
        const book = new L3Book(2);
        const ref = new Map<number, RefOrder>();
        let prio = 0;
        for (const o of ops) {
          const cur = ref.get(o.id);
          switch (o.k) {
            case 'add':
              if (cur) expect(() => book.add(o.id, o.side, o.px, o.qty)).toThrow();
              else {
                book.add(o.id, o.side, o.px, o.qty);
                ref.set(o.id, { side: o.side, px: o.px, qty: o.qty, prio: prio++ });
              }
              break;
            case 'cancel':
              expect(book.cancel(o.id)).toBe(cur ? cur.qty : -1);
              ref.delete(o.id);
              break;
            case 'reduce':
              if (!cur) expect(book.reduce(o.id, o.qty)).toBe(-1);
              else if (o.qty > cur.qty) expect(() => book.reduce(o.id, o.qty)).toThrow();
              else {
                expect(book.reduce(o.id, o.qty)).toBe(cur.qty - o.qty);
                cur.qty -= o.qty;
                if (cur.qty === 0) ref.delete(o.id);
              }
              break;
            case 'modify': {
              if (!cur) {
                expect(book.modify(o.id, o.qty, 100)).toBe(false);
                break;
              }
              const px = cur.px + o.dpx;
              book.modify(o.id, o.qty, px);
              if (o.qty === 0) ref.delete(o.id);
              else {
                const keeps = px === cur.px && o.qty <= cur.qty;
                ref.set(o.id, { side: cur.side, px, qty: o.qty, prio: keeps ? cur.prio : prio++ });
              }
              break;
            }
          }
          expect(book.orderCount).toBe(ref.size);
        }
        expect(auditL3Book(book)).toEqual([]);
        expect(book.snapshot()).toEqual(refSnapshot(ref));
        // queue position = quantity of older orders at the same price
        for (const [id, o] of ref) {
          let ahead = 0;
          for (const p of ref.values())
            if (p.side === o.side && p.px === o.px && p.prio < o.prio) ahead += p.qty;
          expect(book.queuePosition(id)).toBe(ahead);
        }
      }),
      { numRuns: 300 }
    );
  });
});

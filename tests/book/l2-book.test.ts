import { describe, expect, it } from 'vitest';
import { auditL2Book } from '../../src/book/book-audit.ts';
import { L2Book } from '../../src/book/l2-book.ts';
import { BookSide } from '../../src/book/side.ts';
import { isTradestateError } from '../../src/core/errors.ts';

const { BID, ASK } = BookSide;

describe('L2Book', () => {
  it('sets absolute level sizes, removes at 0, ignores deletes of absent levels', () => {
    const b = new L2Book();
    b.set(BID, 100, 5);
    b.set(BID, 101, 2);
    b.set(ASK, 103, 7);
    b.set(BID, 100, 9); // absolute, not additive
    expect(b.bestBid()).toBe(101);
    expect(b.qtyAt(BID, 100)).toBe(9);
    b.set(BID, 101, 0);
    expect(b.bestBid()).toBe(100);
    b.set(ASK, 150, 0); // unknown level: fine
    expect(b.asks.count).toBe(1);
    expect(auditL2Book(b)).toEqual([]);
  });

  it('rejects negative and fractional sizes with a typed error', () => {
    const b = new L2Book();
    for (const q of [-1, 0.5, Number.NaN]) {
      try {
        b.set(ASK, 10, q);
        expect.unreachable();
      } catch (e) {
        expect(isTradestateError(e, 'TRD_ERR_BOOK_INVALID_UPDATE')).toBe(true);
      }
    }
  });

  it('snapshots and reloads, depth(n) and crossing', () => {
    const b = new L2Book();
    b.loadSnapshot({
      bids: [
        { price: 10, qty: 1 },
        { price: 9, qty: 2 }
      ],
      asks: [{ price: 11, qty: 3 }]
    });
    expect(b.snapshot()).toEqual({
      bids: [
        { price: 10, qty: 1 },
        { price: 9, qty: 2 }
      ],
      asks: [{ price: 11, qty: 3 }]
    });
    const px = [0, 0, 0];
    const q = [0, 0, 0];
    expect(b.depth(BID, 3, px, q)).toBe(2);
    expect(px.slice(0, 2)).toEqual([10, 9]);
    expect(b.isCrossed()).toBe(false);
    b.set(BID, 11, 1);
    expect(b.isCrossed()).toBe(true);
  });
});

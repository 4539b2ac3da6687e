import { describe, expect, it } from 'vitest';
import { auditL3Book } from '../../src/book/book-audit.ts';
import { L3Book } from '../../src/book/l3-book.ts';
import { BookSide } from '../../src/book/side.ts';
import { isTradestateError } from '../../src/core/errors.ts';

const { BID, ASK } = BookSide;

function expectCode(fn: () => unknown, code: string): void {
  try {
    fn();
  } catch (e) {
    expect(isTradestateError(e)).toBe(true);
    expect((e as { code: string }).code).toBe(code);
    return;
  }
  expect.unreachable(`expected ${code}`);
}

function sample(): L3Book {
  const b = new L3Book(2); // tiny capacity: exercises growth
  b.add(1, BID, 100, 10);
  b.add(2, BID, 100, 5);
  b.add(3, BID, 99, 7);
  b.add(4, ASK, 101, 3);
  b.add(5, ASK, 103, 4);
  b.add(6, ASK, 101, 6);
  return b;
}

describe('L3Book', () => {
  it('aggregates orders into levels with O(1) best bid/ask', () => {
    const b = sample();
    expect(b.bestBid()).toBe(100);
    expect(b.bestBidQty()).toBe(15);
    expect(b.bestAsk()).toBe(101);
    expect(b.bestAskQty()).toBe(9);
    expect(b.orderCount).toBe(6);
    expect(b.isCrossed()).toBe(false);
    expect(auditL3Book(b)).toEqual([]);
  });

  it('depth(n) writes into caller-provided arrays', () => {
    const b = sample();
    const px = new Float64Array(4);
    const q = new Float64Array(4);
    expect(b.depth(BID, 4, px, q)).toBe(2);
    expect([...px.subarray(0, 2)]).toEqual([100, 99]);
    expect([...q.subarray(0, 2)]).toEqual([15, 7]);
    expect(b.depth(ASK, 1, px, q)).toBe(1);
    expect(px[0]).toBe(101);
  });

  it('execute / partial cancel keep priority; the order leaves at zero', () => {
    const b = sample();
    expect(b.execute(1, 4)).toBe(6);
    expect(b.queuePosition(2)).toBe(6);
    expect(b.reduce(1, 6)).toBe(0);
    expect(b.has(1)).toBe(false);
    expect(b.queuePosition(2)).toBe(0);
    expect(b.bestBidQty()).toBe(5);
    expect(auditL3Book(b)).toEqual([]);
  });

  it('cancel removes the order and empties the level', () => {
    const b = sample();
    expect(b.cancel(4)).toBe(3);
    expect(b.cancel(6)).toBe(6);
    expect(b.bestAsk()).toBe(103);
    expect(b.cancel(4)).toBe(-1);
    expect(auditL3Book(b)).toEqual([]);
  });

  it('modify: a size reduction keeps priority, a size increase or price change loses it', () => {
    const b = sample();
    b.modify(1, 8, 100); // reduce: still first
    expect(b.queuePosition(1)).toBe(0);
    expect(b.queuePosition(2)).toBe(8);
    b.modify(1, 9, 100); // increase: to the back
    expect(b.queuePosition(1)).toBe(5);
    expect(b.queuePosition(2)).toBe(0);
    b.modify(2, 5, 99); // price change: back of the 99 queue
    expect(b.queuePosition(2)).toBe(7);
    expect(b.priceOf(2)).toBe(99);
    expect(b.bestBidQty()).toBe(9);
    expect(b.modify(77, 1, 1)).toBe(false);
    expect(auditL3Book(b)).toEqual([]);
  });

  it('queue position is the quantity ahead at the same level', () => {
    const b = sample();
    b.add(7, BID, 100, 2);
    expect(b.queuePosition(1)).toBe(0);
    expect(b.queuePosition(2)).toBe(10);
    expect(b.queuePosition(7)).toBe(15);
    expect(b.queuePosition(3)).toBe(0);
    expect(b.queuePosition(999)).toBe(-1);
  });

  it('rejects duplicates, bad sizes and over-reductions with typed errors (book unchanged)', () => {
    const b = sample();
    expectCode(() => b.add(1, ASK, 120, 1), 'TRD_ERR_DUPLICATE_ORDER_ID');
    expectCode(() => b.add(9, ASK, 120, 0), 'TRD_ERR_BOOK_INVALID_UPDATE');
    expectCode(() => b.add(9, ASK, 120, 1.5), 'TRD_ERR_BOOK_INVALID_UPDATE');
    expectCode(() => b.add(9, ASK, 120.5, 1), 'TRD_ERR_BOOK_INVALID_UPDATE');
    expectCode(() => b.reduce(1, 11), 'TRD_ERR_BOOK_INVALID_UPDATE');
    expect(b.reduce(12345, 1)).toBe(-1);
    expect(b.qtyOf(1)).toBe(10);
    expect(b.orderCount).toBe(6);
    expect(auditL3Book(b)).toEqual([]);
  });

  it('snapshot and loadSnapshot round-trip order by order, queue order included', () => {
    const b = sample();
    b.add(8, ASK, 101, 1, 42);
    const snap = b.snapshot();
    expect(snap.asks[0]).toEqual({
      price: 101,
      qty: 10,
      orders: [
        { id: 4, qty: 3, owner: 0 },
        { id: 6, qty: 6, owner: 0 },
        { id: 8, qty: 1, owner: 42 }
      ]
    });
    const c = new L3Book();
    c.loadSnapshot(snap);
    expect(c.snapshot()).toEqual(snap);
    expect(auditL3Book(c)).toEqual([]);
  });

  it('clear empties everything and the book is reusable', () => {
    const b = sample();
    b.clear();
    expect(b.orderCount).toBe(0);
    expect(Number.isNaN(b.bestBid())).toBe(true);
    b.add(1, BID, 5, 5);
    expect(b.bestBid()).toBe(5);
    expect(auditL3Book(b)).toEqual([]);
  });

  it('detects a crossed book', () => {
    const b = sample();
    b.add(10, BID, 101, 1);
    expect(b.isCrossed()).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { SyncStatus, UpdateVerdict } from '../../src/book/book-sequencer.ts';
import { SequencedL3Book } from '../../src/book/sequenced-l3-book.ts';
import { BookSide } from '../../src/book/side.ts';

const { BID, ASK } = BookSide;
const SNAP = {
  bids: [{ price: 100, qty: 5, orders: [{ id: 1, qty: 5, owner: 0 }] }],
  asks: [
    {
      price: 101,
      qty: 7,
      orders: [
        { id: 2, qty: 3, owner: 0 },
        { id: 3, qty: 4, owner: 0 }
      ]
    }
  ]
};

describe('SequencedL3Book', () => {
  it('snapshot then contiguous order-by-order updates', () => {
    const b = new SequencedL3Book('X');
    b.applySnapshot(10, SNAP);
    expect(b.begin(11)).toBe(UpdateVerdict.APPLY);
    b.add(4, BID, 100, 2);
    expect(b.begin(12)).toBe(UpdateVerdict.APPLY);
    b.reduce(2, 3); // execution: order 2 leaves
    expect(b.begin(13)).toBe(UpdateVerdict.APPLY);
    b.modify(4, 1, 100);
    expect(b.begin(12)).toBe(UpdateVerdict.STALE);
    expect(b.book.bestAskQty()).toBe(4);
    expect(b.book.bestBidQty()).toBe(6);
    expect(b.book.queuePosition(4)).toBe(5);
  });

  it('a gap clears the book and reads throw until the next snapshot', () => {
    const b = new SequencedL3Book('X');
    b.applySnapshot(10, SNAP);
    expect(b.begin(12)).toBe(UpdateVerdict.GAP);
    expect(b.status).toBe(SyncStatus.RESYNC);
    expect(() => b.book).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_SEQUENCE_GAP' }));
    expect(() => b.add(9, ASK, 105, 1)).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_NOT_SYNCED' }));
    b.applySnapshot(20, SNAP);
    expect(b.book.orderCount).toBe(3);
  });

  it('an update for an unknown order is a sync failure', () => {
    const b = new SequencedL3Book('X');
    b.applySnapshot(1, SNAP);
    b.begin(2);
    expect(() => b.cancel(77)).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_UNKNOWN_ORDER' }));
    expect(b.status).toBe(SyncStatus.RESYNC);
  });

  it.each([
    [
      'add of an order id already resting',
      (b: SequencedL3Book) => b.add(2, ASK, 102, 1),
      'TRD_ERR_DUPLICATE_ORDER_ID'
    ],
    [
      'add with a non-positive quantity',
      (b: SequencedL3Book) => b.add(9, BID, 99, 0),
      'TRD_ERR_BOOK_INVALID_UPDATE'
    ],
    [
      'modify to a negative quantity',
      (b: SequencedL3Book) => b.modify(3, -1, 101),
      'TRD_ERR_BOOK_INVALID_UPDATE'
    ]
  ] as const)('a refused %s inside an applied update invalidates the book', (_, op, code) => {
    const b = new SequencedL3Book('X');
    b.applySnapshot(1, SNAP);
    expect(b.begin(2)).toBe(UpdateVerdict.APPLY);
    expect(() => op(b)).toThrow(expect.objectContaining({ code }));
    expect(b.status).toBe(SyncStatus.RESYNC);
    expect(() => b.book).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_SEQUENCE_GAP' }));
    expect(b.begin(3)).toBe(UpdateVerdict.NOT_SYNCED);
  });

  it('a snapshot with a bad order is refused without leaving the old book readable', () => {
    const b = new SequencedL3Book('X');
    b.applySnapshot(1, SNAP);
    const dup = { ...SNAP, bids: [{ price: 100, qty: 5, orders: [{ id: 2, qty: 5, owner: 0 }] }] };
    expect(() => b.applySnapshot(9, dup)).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_DUPLICATE_ORDER_ID' })
    );
    expect(b.status).not.toBe(SyncStatus.SYNCED);
    expect(b.begin(2)).toBe(UpdateVerdict.NOT_SYNCED);
  });
});

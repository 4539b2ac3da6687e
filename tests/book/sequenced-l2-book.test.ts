import { describe, expect, it } from 'vitest';
import { SyncStatus, UpdateVerdict } from '../../src/book/book-sequencer.ts';
import { SequencedL2Book } from '../../src/book/sequenced-l2-book.ts';
import { BookSide } from '../../src/book/side.ts';

const { BID, ASK } = BookSide;

describe('SequencedL2Book', () => {
  it('snapshot then incremental updates', () => {
    const b = new SequencedL2Book('T');
    b.applySnapshot(100, { bids: [{ price: 10, qty: 5 }], asks: [{ price: 12, qty: 5 }] });
    expect(b.begin(101, 101)).toBe(UpdateVerdict.APPLY);
    b.set(BID, 11, 3);
    expect(b.end()).toBe(true);
    expect(b.book.bestBid()).toBe(11);
  });

  it('a gap clears the book and reading it throws until the next snapshot', () => {
    const b = new SequencedL2Book('T');
    b.applySnapshot(100, { bids: [{ price: 10, qty: 5 }], asks: [{ price: 12, qty: 5 }] });
    expect(b.begin(103, 103)).toBe(UpdateVerdict.GAP);
    expect(b.status).toBe(SyncStatus.RESYNC);
    expect(b.unsafeBook.bids.count).toBe(0);
    expect(() => b.book).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_SEQUENCE_GAP' }));
    expect(() => b.set(ASK, 12, 1)).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_NOT_SYNCED' }));
    b.applySnapshot(200, { bids: [{ price: 9, qty: 1 }], asks: [] });
    expect(b.book.bestBid()).toBe(9);
  });

  it('stale updates are dropped without touching the book', () => {
    const b = new SequencedL2Book();
    b.applySnapshot(100, { bids: [{ price: 10, qty: 5 }], asks: [] });
    expect(b.begin(99, 100)).toBe(UpdateVerdict.STALE);
    expect(() => b.set(BID, 10, 1)).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_NOT_SYNCED' }));
    expect(b.book.bestBidQty()).toBe(5);
  });

  it('a crossed book after an update is a sync failure', () => {
    const b = new SequencedL2Book();
    b.applySnapshot(1, { bids: [{ price: 10, qty: 5 }], asks: [{ price: 12, qty: 5 }] });
    b.begin(2, 2);
    b.set(BID, 12, 1);
    expect(b.end()).toBe(false);
    expect(b.status).toBe(SyncStatus.RESYNC);
  });

  it('a level refused inside an applied update invalidates the book: no half-applied update reads as synced', () => {
    const b = new SequencedL2Book('T');
    b.applySnapshot(1, { bids: [{ price: 99, qty: 1 }], asks: [{ price: 101, qty: 1 }] });
    expect(b.begin(2, 2)).toBe(UpdateVerdict.APPLY);
    b.set(BID, 99, 0);
    expect(() => b.set(BID, 100, -1)).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_BOOK_INVALID_UPDATE' })
    );
    expect(b.status).toBe(SyncStatus.RESYNC);
    expect(() => b.book).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_SEQUENCE_GAP' }));
    expect(b.unsafeBook.bids.count + b.unsafeBook.asks.count).toBe(0);
    // the rest of the update cannot land either, nor can the next one
    expect(() => b.set(ASK, 102, 1)).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_NOT_SYNCED' }));
    expect(b.end()).toBe(false);
    expect(b.begin(3, 3)).toBe(UpdateVerdict.NOT_SYNCED);
    b.applySnapshot(3, { bids: [{ price: 98, qty: 2 }], asks: [] });
    expect(b.book.bestBid()).toBe(98);
  });

  it('a snapshot with a bad level is refused without leaving the old book readable', () => {
    const b = new SequencedL2Book('T');
    b.applySnapshot(1, { bids: [{ price: 99, qty: 1 }], asks: [{ price: 101, qty: 1 }] });
    expect(() =>
      b.applySnapshot(5, { bids: [{ price: 98, qty: 1 }], asks: [{ price: 102, qty: 1.5 }] })
    ).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_INVALID_UPDATE' }));
    expect(b.status).not.toBe(SyncStatus.SYNCED);
    expect(b.begin(2, 2)).toBe(UpdateVerdict.NOT_SYNCED);
  });
});

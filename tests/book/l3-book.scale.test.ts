import { describe, expect, it } from 'vitest';
import { auditL3Book } from '../../src/book/book-audit.ts';
import { L3Book } from '../../src/book/l3-book.ts';
import { BookSide } from '../../src/book/side.ts';
import { Rng } from '../../src/core/rng.ts';

const BOOKS = 100;
const PER_BOOK = 10_000;

describe('L3Book at scale', () => {
  it('holds 1,000,000 resting orders across 100 books compactly, and churn reuses slots', () => {
    const rng = new Rng(7);
    const books: L3Book[] = [];
    const before = process.memoryUsage();
    const t0 = process.hrtime.bigint();
    for (let b = 0; b < BOOKS; b++) {
      const book = new L3Book(1024); // deliberately small: grows by doubling
      for (let i = 0; i < PER_BOOK; i++) {
        const bid = (i & 1) === 0;
        // bids 9_000..9_999, asks 10_001..11_000 ticks: ~1000 levels per side, ~5 orders per level
        const px = bid ? 9_999 - rng.int(1_000) : 10_001 + rng.int(1_000);
        book.add(b * 1e6 + i, bid ? BookSide.BID : BookSide.ASK, px, 1 + rng.int(500));
      }
      books.push(book);
    }
    const buildMs = Number(process.hrtime.bigint() - t0) / 1e6;
    let orders = 0;
    let bytes = 0;
    for (const book of books) {
      orders += book.orderCount;
      bytes += book.bytes;
      expect(book.isCrossed()).toBe(false);
    }
    expect(orders).toBe(BOOKS * PER_BOOK);
    // Typed-array footprint: ~41 B per order of fields + ~24 B of id index at ≤ 1/2 load, doubled worst case.
    expect(bytes / orders).toBeLessThan(160);
    const after = process.memoryUsage();
    const grown = after.heapUsed + after.arrayBuffers - (before.heapUsed + before.arrayBuffers);
    expect(grown / orders).toBeLessThan(400); // no per-order JS objects (an object per order alone is ≥ 60 B)

    // Churn: cancel half of every book and add as many again: the free lists absorb it, no growth.
    const capBefore = books.map((b) => b.orderId.length);
    for (let b = 0; b < BOOKS; b++) {
      const book = books[b]!;
      let cancelled = 0;
      for (let i = 0; i < PER_BOOK; i += 2) if (book.cancel(b * 1e6 + i) > 0) cancelled++;
      expect(cancelled).toBe(PER_BOOK / 2);
      for (let i = 0; i < PER_BOOK; i += 2)
        book.add(b * 1e6 + PER_BOOK + i, BookSide.BID, 9_000 + rng.int(1_000), 10);
      expect(book.orderCount).toBe(PER_BOOK);
    }
    expect(books.map((b) => b.orderId.length)).toEqual(capBefore);
    for (const b of [0, 57, 99]) expect(auditL3Book(books[b]!)).toEqual([]);
    // Loose sanity bound only (the bench measures speed): 1M adds take well under a second on a laptop.
    expect(buildMs).toBeLessThan(20_000);
  });
});

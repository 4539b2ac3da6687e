import { describe, expect, it } from 'vitest';
import {
  depthWeightedMid,
  imbalance,
  microprice,
  mid,
  sideVwap,
  spread
} from '../../src/book/book-metrics.ts';
import { L2Book } from '../../src/book/l2-book.ts';
import { L3Book } from '../../src/book/l3-book.ts';
import { BookSide } from '../../src/book/side.ts';

const { BID, ASK } = BookSide;

function book(): L2Book {
  const b = new L2Book();
  b.set(BID, 100, 30);
  b.set(BID, 99, 10);
  b.set(ASK, 102, 10);
  b.set(ASK, 103, 30);
  return b;
}

describe('book metrics', () => {
  it('spread and mid', () => {
    expect(spread(book())).toBe(2);
    expect(mid(book())).toBe(101);
  });

  it('microprice leans toward the thinner side', () => {
    // (100*10 + 102*30) / 40 = 101.5: more bids than asks → price likely to rise
    expect(microprice(book())).toBe(101.5);
  });

  it('depth-weighted mid over n levels (n = 1 is the microprice)', () => {
    const b = book();
    expect(depthWeightedMid(b, 1)).toBe(microprice(b));
    // vwapBid = (100*30+99*10)/40 = 99.75, vwapAsk = (102*10+103*30)/40 = 102.75, depths 40/40 → 101.25
    expect(sideVwap(b.bids, 2)).toBe(99.75);
    expect(sideVwap(b.asks, 2)).toBe(102.75);
    expect(depthWeightedMid(b, 2)).toBe(101.25);
  });

  it('imbalance over the top n levels', () => {
    const b = book();
    expect(imbalance(b, 1)).toBe(0.5); // (30-10)/40
    expect(imbalance(b, 2)).toBe(0);
    b.set(ASK, 102, 0);
    b.set(ASK, 103, 0);
    expect(imbalance(b, 5)).toBe(1);
  });

  it('NaN when a needed side is empty', () => {
    const b = new L2Book();
    b.set(BID, 100, 1);
    expect(Number.isNaN(spread(b))).toBe(true);
    expect(Number.isNaN(mid(b))).toBe(true);
    expect(Number.isNaN(microprice(b))).toBe(true);
    expect(Number.isNaN(depthWeightedMid(b, 3))).toBe(true);
    expect(Number.isNaN(imbalance(new L2Book(), 3))).toBe(true);
  });

  it('works on an L3 book too', () => {
    const b = new L3Book();
    b.add(1, BID, 100, 30);
    b.add(2, ASK, 102, 10);
    expect(microprice(b)).toBe(101.5);
  });
});

import type { Side } from '../messages/primitives.ts';
import { depthWeightedMid, imbalance, microprice, type TwoSidedBook } from './book-metrics.ts';
import type { PriceLadder } from './price-ladder.ts';

/** One price level: price in ticks, total lots resting there. */
export interface BookLevel {
  readonly px: number;
  readonly qty: number;
}

/**
 * A read-only look at one instrument's order book at the moment of the event being handled (in a tick backtest:
 * the market's orders as the data shows them, as a depth feed would). Prices in ticks, sizes in lots; a side
 * that is empty gives NaN prices and 0 sizes.
 */
export interface BookView {
  bestBid(): number;
  bestAsk(): number;
  bestBidQty(): number;
  bestAskQty(): number;
  /** The best `n` levels of one side, best first (fewer when the side is shallower). */
  levels(side: Side, n: number): readonly BookLevel[];
  /** Total lots over the best `n` levels of one side. */
  depthQty(side: Side, n: number): number;
  /** `(bid depth − ask depth) / (bid depth + ask depth)` over the top `n` levels, in [−1, 1] (NaN when empty). */
  imbalance(n: number): number;
  /** The top of book's mid weighted toward the thinner side (NaN unless both sides are there). */
  microprice(): number;
  /** {@link microprice}'s formula over each side's VWAP and depth of the top `n` levels. */
  depthWeightedMid(n: number): number;
}

/** A {@link BookView} over a live book (an L2 or L3 book): every call reads the book as it is now. */
export function bookViewOf(book: TwoSidedBook): BookView {
  const ladder = (side: Side): PriceLadder => (side === 'buy' ? book.bids : book.asks);
  return {
    bestBid: () => book.bids.bestPrice(),
    bestAsk: () => book.asks.bestPrice(),
    bestBidQty: () => book.bids.bestQty(),
    bestAskQty: () => book.asks.bestQty(),
    levels: (side, n) => {
      const lad = ladder(side);
      const out: BookLevel[] = [];
      for (let s = lad.best; s >= 0 && out.length < n; s = lad.worseThan(s))
        out.push({ px: lad.price[s]!, qty: lad.qty[s]! });
      return out;
    },
    depthQty: (side, n) => ladder(side).depthQty(n),
    imbalance: (n) => imbalance(book, n),
    microprice: () => microprice(book),
    depthWeightedMid: (n) => depthWeightedMid(book, n)
  };
}

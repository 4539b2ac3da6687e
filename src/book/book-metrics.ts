import type { PriceLadder } from './price-ladder.ts';

/** Anything with two ladders: an {@link L2Book} or an {@link L3Book}. */
export interface TwoSidedBook {
  readonly bids: PriceLadder;
  readonly asks: PriceLadder;
}

/**
 * Derived top-of-book metrics. All are O(1) or O(n) over the top `n` levels, allocation-free, and return
 * NaN when a side they need is empty. Prices are in ticks (fractional results are fractional ticks).
 */

/** Best ask − best bid, in ticks. */
export function spread(b: TwoSidedBook): number {
  return b.asks.bestPrice() - b.bids.bestPrice();
}

/** (best bid + best ask) / 2. */
export function mid(b: TwoSidedBook): number {
  return (b.asks.bestPrice() + b.bids.bestPrice()) / 2;
}

/**
 * Microprice: the top-of-book mid weighted toward the side with LESS size (the side likely to move):
 * `(bid·askQty + ask·bidQty) / (bidQty + askQty)`.
 */
export function microprice(b: TwoSidedBook): number {
  const bq = b.bids.bestQty();
  const aq = b.asks.bestQty();
  if (b.bids.count === 0 || b.asks.count === 0) return Number.NaN;
  return (b.bids.bestPrice() * aq + b.asks.bestPrice() * bq) / (bq + aq);
}

/** Size-weighted average price of the best `n` levels of one side (NaN when empty). */
export function sideVwap(lad: PriceLadder, n: number): number {
  let pq = 0;
  let q = 0;
  let m = 0;
  for (let s = lad.best; s >= 0 && m < n; s = lad.worseThan(s), m++) {
    pq += lad.price[s]! * lad.qty[s]!;
    q += lad.qty[s]!;
  }
  return q > 0 ? pq / q : Number.NaN;
}

/**
 * Depth-weighted mid over the top `n` levels: the microprice formula applied to each side's VWAP and total
 * size over `n` levels, `(vwapBid·askDepth + vwapAsk·bidDepth) / (bidDepth + askDepth)`. With n = 1 it is
 * the {@link microprice}.
 */
export function depthWeightedMid(b: TwoSidedBook, n: number): number {
  const vb = sideVwap(b.bids, n);
  const va = sideVwap(b.asks, n);
  const qb = b.bids.depthQty(n);
  const qa = b.asks.depthQty(n);
  if (!(qb > 0) || !(qa > 0)) return Number.NaN;
  return (vb * qa + va * qb) / (qb + qa);
}

/**
 * Order imbalance over the top `n` levels, `(bidDepth − askDepth) / (bidDepth + askDepth)` in [−1, 1]:
 * +1 all bids, −1 all asks; NaN when both sides are empty.
 */
export function imbalance(b: TwoSidedBook, n: number): number {
  const qb = b.bids.depthQty(n);
  const qa = b.asks.depthQty(n);
  const t = qb + qa;
  return t > 0 ? (qb - qa) / t : Number.NaN;
}

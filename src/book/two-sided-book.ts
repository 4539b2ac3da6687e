import { DEFAULT_PRICE_WINDOW, PriceLadder } from './price-ladder.ts';
import type { BookSide } from './side.ts';

/**
 * The two price ladders of a book and what is read off them: best prices and sizes (O(1)), the crossed
 * check, and depth(n) into caller-provided arrays (O(n), allocation-free). Shared by {@link L2Book} and
 * {@link L3Book}, which differ only in how levels get their quantities.
 */
export abstract class TwoSidedBook {
  /** Bid side. */
  readonly bids: PriceLadder;
  /** Ask side. */
  readonly asks: PriceLadder;
  /**
   * Both ladders indexed by {@link BookSide} (`sides[side]`, opposite `sides[side ^ 1]`): hot paths pick a
   * side by an array index, not a branch, so a random mix of buys and sells costs no branch mispredictions.
   */
  readonly sides: readonly [PriceLadder, PriceLadder];

  /** @param priceWindow each ladder's dense price window in ticks (see {@link PriceLadder}). */
  constructor(priceWindow = DEFAULT_PRICE_WINDOW) {
    this.bids = new PriceLadder(true, 64, priceWindow);
    this.asks = new PriceLadder(false, 64, priceWindow);
    this.sides = [this.bids, this.asks];
  }

  /** The ladder of `side`. */
  ladder(side: BookSide): PriceLadder {
    return this.sides[side];
  }

  /** Best bid price in ticks, NaN when there is no bid. O(1). */
  bestBid(): number {
    return this.bids.bestPrice();
  }

  /** Best ask price in ticks, NaN when there is no ask. O(1). */
  bestAsk(): number {
    return this.asks.bestPrice();
  }

  /** Quantity at the best bid (0 when none). O(1). */
  bestBidQty(): number {
    return this.bids.bestQty();
  }

  /** Quantity at the best ask (0 when none). O(1). */
  bestAskQty(): number {
    return this.asks.bestQty();
  }

  /** True when both sides are present and best bid ≥ best ask. */
  isCrossed(): boolean {
    return this.bids.count > 0 && this.asks.count > 0 && this.bids.bestPrice() >= this.asks.bestPrice();
  }

  /**
   * Write the best `n` levels of `side` into `outPx`/`outQty` (from `offset`); returns the number of levels
   * written. O(n), allocation-free.
   */
  depth(
    side: BookSide,
    n: number,
    outPx: Float64Array | number[],
    outQty: Float64Array | number[],
    offset = 0
  ): number {
    return this.ladder(side).depth(n, outPx, outQty, offset);
  }
}

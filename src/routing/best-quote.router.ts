import { BookSide } from '../book/side.ts';
import { better, effectivePrice, type VenueLiquidity } from './venue-book.ts';

/** The venue with the best top-of-book price after fees for `side` (ties: larger size, then venue name), or undefined when no venue quotes. */
export function bestQuoteVenue(side: 'buy' | 'sell', venues: readonly VenueLiquidity[]): string | undefined {
  let best: { venue: string; eff: number; size: number } | undefined;
  for (const v of venues) {
    const lad = side === 'buy' ? v.book.asks : v.book.bids;
    const px = side === 'buy' ? v.book.bestAsk() : v.book.bestBid();
    if (!Number.isFinite(px) || lad.size === 0) continue;
    const size = side === 'buy' ? v.book.bestAskQty() : v.book.bestBidQty();
    const eff = effectivePrice(side, px, v.takerFeeBps);
    if (
      best === undefined ||
      better(side, eff, best.eff) ||
      (eff === best.eff && (size > best.size || (size === best.size && v.venue < best.venue)))
    ) {
      best = { venue: v.venue, eff, size };
    }
  }
  return best?.venue;
}

export { BookSide };

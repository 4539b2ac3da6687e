import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { PriceLadder } from './price-ladder.ts';
import { BookSide } from './side.ts';
import { TwoSidedBook } from './two-sided-book.ts';

/** One aggregated level of an {@link L2BookSnapshot}. */
export interface L2SnapshotLevel {
  readonly price: number;
  readonly qty: number;
}

/** A full copy of an {@link L2Book}, best level first on each side. */
export interface L2BookSnapshot {
  readonly bids: readonly L2SnapshotLevel[];
  readonly asks: readonly L2SnapshotLevel[];
}

/**
 * An aggregated (L2, price-level) book for one symbol: each level is a price and an absolute total quantity,
 * as venues publish them. Same ladder as the {@link L3Book} (best O(1), depth(n) O(n)) without the orders.
 */
export class L2Book extends TwoSidedBook {
  /**
   * Set the absolute quantity at `price` on `side`; 0 removes the level (removing an absent level is a
   * no-op, as venues send such deletes routinely). Throws `TRD_ERR_BOOK_INVALID_UPDATE` for a negative
   * or non-integer quantity or a non-integer price.
   */
  set(side: BookSide, price: number, qty: number): void {
    if (!(qty >= 0) || !Number.isSafeInteger(qty) || !Number.isSafeInteger(price)) {
      throw new TradestateError(ErrorCode.BOOK_INVALID_UPDATE, `invalid level ${qty} @ ${price}`, {
        price,
        qty
      });
    }
    const lad = side === BookSide.BID ? this.bids : this.asks;
    if (qty === 0) {
      const s = lad.find(price);
      if (s >= 0) lad.removeSlot(s);
      return;
    }
    const s = lad.findOrCreate(price);
    lad.qty[s] = qty;
  }

  /** Absolute quantity at `price` on `side` (0 when no level). */
  qtyAt(side: BookSide, price: number): number {
    const lad = this.ladder(side);
    const s = lad.find(price);
    return s < 0 ? 0 : lad.qty[s]!;
  }

  /** Remove every level. */
  clear(): void {
    this.bids.clear();
    this.asks.clear();
  }

  /** A full copy (allocates). */
  snapshot(): L2BookSnapshot {
    const side = (lad: PriceLadder): L2SnapshotLevel[] => {
      const out: L2SnapshotLevel[] = [];
      for (let s = lad.best; s >= 0; s = lad.worseThan(s)) {
        out.push({ price: lad.price[s]!, qty: lad.qty[s]! });
      }
      return out;
    };
    return { bids: side(this.bids), asks: side(this.asks) };
  }

  /** Replace the whole content with `snap`. */
  loadSnapshot(snap: L2BookSnapshot): void {
    this.clear();
    for (const l of snap.bids) this.set(BookSide.BID, l.price, l.qty);
    for (const l of snap.asks) this.set(BookSide.ASK, l.price, l.qty);
  }
}

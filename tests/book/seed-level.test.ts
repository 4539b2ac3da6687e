import { describe, expect, it } from 'vitest';
import { auditL3Book } from '../../src/book/book-audit.ts';
import { L3Book } from '../../src/book/l3-book.ts';
import { LobsterReplayer, seedLevel } from '../../src/book/lobster-replayer.ts';
import { BookSide } from '../../src/book/side.ts';

const PX = 10_000;
const U = LobsterReplayer.unknownId(BookSide.BID, PX);
const OWN = 1;

/** The level's queue, front first, as [id, qty, owner]. */
function queue(book: L3Book, px = PX): [number, number, number][] {
  const lad = book.ladder(BookSide.BID);
  const lv = lad.find(px);
  const out: [number, number, number][] = [];
  if (lv < 0) return out;
  for (let o = lad.head[lv]!; o >= 0; o = book.orderNext[o]!)
    out.push([book.orderId[o]!, book.orderQty[o]!, book.orderOwner[o]!]);
  return out;
}

/** A bid level: market order 1 (30), own order 900 (20), market order 2 (10). */
function level(): L3Book {
  const b = new L3Book(64);
  b.add(1, BookSide.BID, PX, 30);
  b.add(900, BookSide.BID, PX, 20, OWN);
  b.add(2, BookSide.BID, PX, 10);
  return b;
}

describe('seedLevel: the market’s liquidity at a level set to what an orderbook row shows', () => {
  it('more than the market has: the difference is unknown liquidity at the front; own orders are not counted', () => {
    const b = level();
    seedLevel(b, BookSide.BID, PX, 55); // the market has 40 (own 20 not counted)
    expect(queue(b)).toEqual([
      [U, 15, 0],
      [1, 30, 0],
      [900, 20, OWN],
      [2, 10, 0]
    ]);
    expect(b.queuePosition(900)).toBe(45); // the own order now has the unknown liquidity ahead of it too
    seedLevel(b, BookSide.BID, PX, 60); // grows the unknown order, still at the front
    expect(queue(b)[0]).toEqual([U, 20, 0]);
    expect(auditL3Book(b)).toEqual([]);
  });

  it('less: unknown liquidity goes first, then the newest market orders; own orders keep size and place', () => {
    const b = level();
    seedLevel(b, BookSide.BID, PX, 45);
    seedLevel(b, BookSide.BID, PX, 25); // 45 → 25: the unknown 5, then market order 2 (10), then 1 loses 5
    expect(queue(b)).toEqual([
      [1, 25, 0],
      [900, 20, OWN]
    ]);
    seedLevel(b, BookSide.BID, PX, 0); // a stale level: every market order goes, the own one stays
    expect(queue(b)).toEqual([[900, 20, OWN]]);
    expect(auditL3Book(b)).toEqual([]);
  });

  it('a level the book does not have yet is created; an exact one is left alone', () => {
    const b = level();
    seedLevel(b, BookSide.BID, PX - 100, 7);
    expect(queue(b, PX - 100)).toEqual([[LobsterReplayer.unknownId(BookSide.BID, PX - 100), 7, 0]]);
    const before = queue(b);
    seedLevel(b, BookSide.BID, PX, 40);
    expect(queue(b)).toEqual(before);
  });
});

import type { L2Book } from './l2-book.ts';
import type { L3Book } from './l3-book.ts';
import type { PriceLadder } from './price-ladder.ts';
import { BookSide } from './side.ts';

/**
 * Full structural check of an {@link L3Book} (O(orders); for tests and diagnostics, never the hot path).
 * Returns a list of problems, empty when the book is sound:
 * each ladder strictly sorted with the best last; every level non-empty with a positive total equal to the
 * sum of its orders; queues doubly linked both ways; every order's side, price and level agree with the
 * level it is queued at; the id index finds every queued order; the order count matches.
 */
export function auditL3Book(book: L3Book): string[] {
  const problems: string[] = [];
  let orders = 0;
  for (const side of [BookSide.BID, BookSide.ASK] as const) {
    const lad = book.ladder(side);
    auditLadder(lad, side, problems);
    for (let i = 0; i < lad.count; i++) {
      const lv = lad.slotAt(i);
      let sum = 0;
      let n = 0;
      let prev = -1;
      for (let o = lad.head[lv]!; o >= 0; o = book.orderNext[o]!) {
        if (n > book.orderCount) {
          problems.push(`side ${side} level ${lad.price[lv]}: queue loops`);
          break;
        }
        if (book.orderPrev[o] !== prev) problems.push(`order ${book.orderId[o]}: prev link broken`);
        if (book.orderSide[o] !== side) problems.push(`order ${book.orderId[o]}: wrong side`);
        if (book.orderLevel[o] !== lv) problems.push(`order ${book.orderId[o]}: wrong level`);
        if (book.orderPx[o] !== lad.price[lv])
          problems.push(`order ${book.orderId[o]}: price differs from level`);
        if (!(book.orderQty[o]! > 0))
          problems.push(`order ${book.orderId[o]}: non-positive qty ${book.orderQty[o]}`);
        if (book.slotOf(book.orderId[o]!) !== o)
          problems.push(`order ${book.orderId[o]}: index points elsewhere`);
        sum += book.orderQty[o]!;
        n++;
        prev = o;
      }
      if (lad.tail[lv] !== prev) problems.push(`side ${side} level ${lad.price[lv]}: tail link broken`);
      if (n === 0) problems.push(`side ${side} level ${lad.price[lv]}: empty level kept`);
      if (n !== lad.orders[lv])
        problems.push(`side ${side} level ${lad.price[lv]}: order count ${lad.orders[lv]} ≠ ${n}`);
      if (sum !== lad.qty[lv])
        problems.push(`side ${side} level ${lad.price[lv]}: total ${lad.qty[lv]} ≠ sum ${sum}`);
      orders += n;
    }
  }
  if (orders !== book.orderCount) problems.push(`order count ${book.orderCount} ≠ queued ${orders}`);
  return problems;
}

/** Structural check of an {@link L2Book}: sorted ladders, positive level sizes. */
export function auditL2Book(book: L2Book): string[] {
  const problems: string[] = [];
  auditLadder(book.bids, BookSide.BID, problems);
  auditLadder(book.asks, BookSide.ASK, problems);
  for (const lad of [book.bids, book.asks]) {
    for (let i = 0; i < lad.count; i++) {
      const s = lad.slotAt(i);
      if (!(lad.qty[s]! > 0)) problems.push(`level ${lad.price[s]}: non-positive qty ${lad.qty[s]}`);
    }
  }
  return problems;
}

function auditLadder(lad: PriceLadder, side: BookSide, problems: string[]): void {
  for (let p = 0; p < lad.count; p++) {
    const s = lad.pos2slot[p]!;
    if (lad.keys[p] !== lad.keyOf(lad.price[s]!)) problems.push(`side ${side} pos ${p}: key/price disagree`);
    if (p > 0 && !(lad.keys[p - 1]! < lad.keys[p]!))
      problems.push(`side ${side} pos ${p}: not strictly sorted`);
  }
}

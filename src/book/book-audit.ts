import type { L2Book } from './l2-book.ts';
import type { L3Book } from './l3-book.ts';
import type { PriceLadder } from './price-ladder.ts';
import { BookSide } from './side.ts';

/**
 * Full structural check of an {@link L3Book} (O(orders); for tests and diagnostics, never the hot path).
 * Returns a list of problems, empty when the book is sound:
 * each ladder walks best to worst in strictly worsening prices over exactly `count` levels, each found by price; every level non-empty with a positive total equal to the
 * sum of its orders; queues doubly linked both ways; every order's side, price and level agree with the
 * level it is queued at; the id index finds every queued order; the order count matches.
 */
export function auditL3Book(book: L3Book): string[] {
  const problems: string[] = [];
  let orders = 0;
  for (const side of [BookSide.BID, BookSide.ASK] as const) {
    const lad = book.ladder(side);
    auditLadder(lad, side, problems);
    for (let lv = lad.best; lv >= 0; lv = lad.worseThan(lv)) {
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
    for (let s = lad.best; s >= 0; s = lad.worseThan(s)) {
      if (!(lad.qty[s]! > 0)) problems.push(`level ${lad.price[s]}: non-positive qty ${lad.qty[s]}`);
    }
  }
  return problems;
}

function auditLadder(lad: PriceLadder, side: BookSide, problems: string[]): void {
  let n = 0;
  let prev = Number.NaN;
  for (let s = lad.best; s >= 0; s = lad.worseThan(s)) {
    const px = lad.price[s]!;
    if (n > lad.count) {
      problems.push(`side ${side}: level walk loops`);
      return;
    }
    if (n > 0 && !lad.isBetter(prev, px))
      problems.push(`side ${side} level ${n}: ${px} not worse than ${prev}`);
    if (lad.find(px) !== s) problems.push(`side ${side} level ${px}: price lookup points elsewhere`);
    prev = px;
    n++;
  }
  if (n !== lad.count) problems.push(`side ${side}: ${n} levels walked, count ${lad.count}`);
}

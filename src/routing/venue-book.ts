import type { L2Book } from '../book/l2-book.ts';

/** One venue's displayed liquidity and taker fee, as a router sees it. */
export interface VenueLiquidity {
  readonly venue: string;
  readonly book: L2Book;
  /** Taker fee in basis points of notional (may be fractional; negative for a rebate). */
  readonly takerFeeBps: number;
}

/**
 * Effective price of taking at `px` on a venue with `feeBps`, scaled by 10^6 so integer ticks compare exactly:
 * a buyer pays px·(1 + fee), a seller receives px·(1 − fee).
 */
export function effectivePrice(side: 'buy' | 'sell', px: number, feeBps: number): number {
  const f = Math.round(feeBps * 100); // hundredths of a bp
  return side === 'buy' ? px * (1_000_000 + f) : px * (1_000_000 - f);
}

/** True when effective price `a` is better for `side` than `b`. */
export function better(side: 'buy' | 'sell', a: number, b: number): boolean {
  return side === 'buy' ? a < b : a > b;
}

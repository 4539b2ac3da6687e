/**
 * Book sides as small integers, so they index typed arrays and never allocate.
 * `BID` (0) is the buy side, `ASK` (1) the sell side.
 */
export const BookSide = { BID: 0, ASK: 1 } as const;

/** 0 = bid, 1 = ask. */
export type BookSide = (typeof BookSide)[keyof typeof BookSide];

/** The other side. */
export function opposite(side: BookSide): BookSide {
  return (side ^ 1) as BookSide;
}

/** `'buy'` → BID, `'sell'` → ASK. */
export function sideFromString(s: 'buy' | 'sell'): BookSide {
  return s === 'buy' ? BookSide.BID : BookSide.ASK;
}

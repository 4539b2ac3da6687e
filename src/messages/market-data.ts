import { z } from 'zod';
import {
  instrumentIdSchema,
  lotsSchema,
  nanosSchema,
  seqSchema,
  sideSchema,
  ticksSchema
} from './primitives.ts';

const mdBase = {
  instrumentId: instrumentIdSchema,
  /** When the fact happened at the source (for a bar: its close, the first instant it is knowable). */
  tsEvent: nanosSchema,
  /** When tradestate created the message. */
  tsInit: nanosSchema
};

/** An OHLCV bar; `tsOpen` ≤ data < `tsEvent`. A strategy sees it only at `tsEvent`. */
export const barSchema = z
  .object({
    type: z.literal('market.bar'),
    ...mdBase,
    tsOpen: nanosSchema,
    open: ticksSchema,
    high: ticksSchema,
    low: ticksSchema,
    close: ticksSchema,
    volume: lotsSchema
  })
  .readonly();
export type Bar = z.infer<typeof barSchema>;

/** Top of book (L1). */
export const quoteSchema = z
  .object({
    type: z.literal('market.quote'),
    ...mdBase,
    bidPx: ticksSchema,
    bidSz: lotsSchema,
    askPx: ticksSchema,
    askSz: lotsSchema
  })
  .readonly();
export type Quote = z.infer<typeof quoteSchema>;

/** A print. */
export const tradeSchema = z
  .object({
    type: z.literal('market.trade'),
    ...mdBase,
    px: ticksSchema,
    sz: lotsSchema,
    aggressor: z.enum(['buy', 'sell', 'none']),
    tradeId: z.string().max(64)
  })
  .readonly();
export type Trade = z.infer<typeof tradeSchema>;

/**
 * One change to a book. L2 deltas carry the new level size (`sz`, 0 deletes the level);
 * L3 deltas carry an `orderId`. `flags`: bit 0 = part of a snapshot, bit 1 = last in its batch.
 */
export const bookDeltaSchema = z
  .object({
    type: z.literal('market.book_delta'),
    ...mdBase,
    seq: seqSchema,
    action: z.enum(['add', 'modify', 'delete', 'execute', 'clear']),
    side: sideSchema,
    px: ticksSchema,
    sz: lotsSchema,
    orderId: z.string().max(64).optional(),
    flags: z.number().int().min(0).max(255)
  })
  .readonly();
export type BookDelta = z.infer<typeof bookDeltaSchema>;

export const BOOK_FLAG_SNAPSHOT = 1;

/**
 * The first delta of every snapshot: `clear` empties the consumer's book for the instrument before the
 * snapshot's levels. Without it two snapshots in a row (a quiet symbol across a reconnect) would be merged.
 */
export function snapshotClear(instrumentId: string, seq: number, tsEvent: bigint, tsInit: bigint): BookDelta {
  return {
    type: 'market.book_delta',
    instrumentId,
    tsEvent,
    tsInit,
    seq,
    action: 'clear',
    side: 'buy',
    px: 0,
    sz: 0,
    flags: BOOK_FLAG_SNAPSHOT
  };
}
export const BOOK_FLAG_LAST = 2;

/** Flag the last delta of one update (in place): a book reader applies the update when it sees it. */
export function markLast(items: BookDelta[]): void {
  const last = items.at(-1);
  if (last) items[items.length - 1] = { ...last, flags: last.flags | BOOK_FLAG_LAST };
}

export const marketDataSchema = z.discriminatedUnion('type', [
  barSchema,
  quoteSchema,
  tradeSchema,
  bookDeltaSchema
]);
export type MarketData = z.infer<typeof marketDataSchema>;

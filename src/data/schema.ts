import { z } from 'zod';
import { symbolSchema } from '../messages/primitives.ts';

/**
 * Storage schemas of the Parquet store. Every timestamp is BIGINT epoch nanoseconds (UTC), every
 * price BIGINT integer ticks of the symbol's tick size, every size BIGINT integer lots; the symbol
 * is the Hive partition key in the path, not a column.
 */
export const STORAGE_DDL = {
  /** OHLCV bars of any timeframe (`bars_1m`, `bars_5m`, `bars_1d`…). `tsOpen ≤ data < tsEvent`. */
  bars: `ts_open BIGINT NOT NULL, ts_event BIGINT NOT NULL, open BIGINT NOT NULL, high BIGINT NOT NULL,
    low BIGINT NOT NULL, close BIGINT NOT NULL, volume BIGINT NOT NULL, flags UTINYINT NOT NULL`,
  /** L1 top of book. */
  quotes: `ts_event BIGINT NOT NULL, bid_px BIGINT NOT NULL, bid_sz BIGINT NOT NULL, ask_px BIGINT NOT NULL,
    ask_sz BIGINT NOT NULL`,
  /** Prints; aggressor 1 = buy, -1 = sell, 0 = unknown. */
  trades: `ts_event BIGINT NOT NULL, px BIGINT NOT NULL, sz BIGINT NOT NULL, aggressor TINYINT NOT NULL,
    trade_id VARCHAR`,
  /** L2 price-level deltas: `sz` is the new level size, 0 deletes; action 0 add/1 modify/2 delete/3 clear; side 1 bid, -1 ask. */
  l2: `ts_event BIGINT NOT NULL, seq BIGINT NOT NULL, action UTINYINT NOT NULL, side TINYINT NOT NULL,
    px BIGINT NOT NULL, sz BIGINT NOT NULL, flags UTINYINT NOT NULL`,
  /**
   * L3 order events (LOBSTER semantics): event_type 1 add, 2 partial cancel, 3 delete, 4 visible execution,
   * 5 hidden execution, 6 cross, 7 halt; side 1 buy, -1 sell (of the resting order).
   */
  l3: `ts_event BIGINT NOT NULL, seq BIGINT NOT NULL, event_type UTINYINT NOT NULL, order_id BIGINT NOT NULL,
    side TINYINT NOT NULL, px BIGINT NOT NULL, sz BIGINT NOT NULL`
} as const;

export type Dataset = keyof typeof STORAGE_DDL;

/** Column names of a dataset, in storage order. */
export function columnsOf(ds: Dataset): string[] {
  return STORAGE_DDL[ds].split(',').map((c) => c.trim().split(/\s+/)[0]!);
}

const i64 = z
  .bigint()
  .min(-(2n ** 63n))
  .max(2n ** 63n - 1n);
const int = z.number().int().safe();

/** Row schemas (what a writer must hand the store). */
export const l3RowSchema = z.object({
  tsEvent: i64,
  seq: int.nonnegative(),
  eventType: z.number().int().min(1).max(7),
  orderId: int.nonnegative(),
  side: z.union([z.literal(1), z.literal(-1)]),
  px: int,
  sz: int.nonnegative()
});
export type L3Row = z.infer<typeof l3RowSchema>;

export const quoteRowSchema = z.object({
  tsEvent: i64,
  bidPx: int,
  bidSz: int.nonnegative(),
  askPx: int,
  askSz: int.nonnegative()
});
export type QuoteRow = z.infer<typeof quoteRowSchema>;

export const tradeRowSchema = z.object({
  tsEvent: i64,
  px: int,
  sz: int.nonnegative(),
  aggressor: z.union([z.literal(1), z.literal(-1), z.literal(0)]),
  tradeId: z.string().max(64).nullable()
});
export type TradeRow = z.infer<typeof tradeRowSchema>;

export const l2RowSchema = z.object({
  tsEvent: i64,
  seq: int.nonnegative(),
  action: z.number().int().min(0).max(3),
  side: z.union([z.literal(1), z.literal(-1)]),
  px: int,
  sz: int.nonnegative(),
  flags: z.number().int().min(0).max(255)
});
export type L2Row = z.infer<typeof l2RowSchema>;

/** Per-symbol metadata kept in `<store>/_meta/symbols.json`. */
export const symbolMetaSchema = z.object({
  symbol: symbolSchema,
  venue: symbolSchema,
  tickSize: z.string().regex(/^\d+(\.\d+)?$/),
  lotSize: z.string().regex(/^\d+(\.\d+)?$/),
  currency: z.string().min(1).max(8),
  /** Which calendar sessions and daily bars follow: the NYSE, or round the clock (crypto, UTC days). */
  calendar: z.enum(['nyse', '24x7'])
});
export type SymbolMeta = z.infer<typeof symbolMetaSchema>;

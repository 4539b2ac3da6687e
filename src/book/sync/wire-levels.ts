import { z } from 'zod';
import { type Decimal, exactMultiple, parseDecimal } from '../../core/decimal.ts';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import type { L2SnapshotLevel } from '../l2-book.ts';

/**
 * The exact scales of a product's wire prices and sizes. An {@link Instrument} is one; {@link tickLot} builds
 * one from decimal strings when no full instrument exists (crypto lots finer than Money's 10^-8 × tick).
 */
export interface TickLot {
  readonly symbol: string;
  readonly tick: Decimal;
  readonly lot: Decimal;
}

/** A {@link TickLot} from decimal strings, e.g. `tickLot('BTCUSDT', '0.01', '0.00001')`. */
export function tickLot(symbol: string, tickSize: string, lotSize: string): TickLot {
  const tick = parseDecimal(tickSize);
  const lot = parseDecimal(lotSize);
  if (tick.mantissa <= 0n || lot.mantissa <= 0n) {
    throw new TradestateError(ErrorCode.NUMBER_INVALID, `tick and lot must be positive for ${symbol}`, {
      symbol
    });
  }
  return { symbol, tick, lot };
}

/**
 * Exact ticks of a book level's wire price string; `TRD_ERR_PRICE_NOT_ON_TICK` when not a whole number of
 * ticks, `TRD_ERR_NUMBER_INVALID` when not positive (no venue book has a level at or below 0).
 */
export function ticks(tl: TickLot, price: string): number {
  const v = safe(exactMultiple(parseDecimal(price), tl.tick, ErrorCode.PRICE_NOT_ON_TICK, 'price'), price);
  if (v <= 0) throw new TradestateError(ErrorCode.NUMBER_INVALID, `non-positive price ${price}`, { price });
  return v;
}

/** Exact lots of a non-negative wire size string; `TRD_ERR_QTY_NOT_ON_LOT` when not a whole number of lots. */
export function lots(tl: TickLot, qty: string): number {
  const v = safe(exactMultiple(parseDecimal(qty), tl.lot, ErrorCode.QTY_NOT_ON_LOT, 'quantity'), qty);
  if (v < 0) throw new TradestateError(ErrorCode.NUMBER_INVALID, `negative quantity ${qty}`, { qty });
  return v;
}

function safe(v: bigint, s: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new TradestateError(
      ErrorCode.NUMBER_INVALID,
      `${s} is out of the safe integer range in ticks/lots`,
      { value: s }
    );
  }
  return Number(v);
}

/** A `["price", "qty"]` pair of decimal strings as venues send them. */
export const wireLevelSchema = z.tuple([z.string().max(40), z.string().max(40)]);
export type WireLevel = z.infer<typeof wireLevelSchema>;

/** `JSON.parse` that fails with `TRD_ERR_WS_FRAME_INVALID` instead of a SyntaxError. */
export function parseJsonFrame(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new TradestateError(
      ErrorCode.WS_FRAME_INVALID,
      'frame is not JSON',
      { text: text.slice(0, 200) },
      { cause: e }
    );
  }
}

/** Validate `frame` with `schema`, failing with `TRD_ERR_WS_FRAME_INVALID` and the first issue. */
export function parseFrame<T>(schema: z.ZodType<T>, frame: unknown, what: string): T {
  const r = schema.safeParse(frame);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new TradestateError(
      ErrorCode.WS_FRAME_INVALID,
      `${what}: ${issue?.message ?? 'invalid'} at ${issue?.path.join('.') ?? ''}`,
      {
        issues: r.error.issues.slice(0, 3).map((i) => ({ path: i.path.map(String), message: i.message }))
      }
    );
  }
  return r.data;
}

/**
 * Convert wire levels to integer ticks and lots, exactly (`"27123.45000000"` → 2712345 for a 0.01 tick).
 * Throws `TRD_ERR_PRICE_NOT_ON_TICK` / `TRD_ERR_QTY_NOT_ON_LOT` when a value is not a whole number of ticks
 * or lots, and `TRD_ERR_NUMBER_INVALID` for anything that is not a plain decimal (or a price ≤ 0, a negative
 * size).
 */
export function toLevels(tl: TickLot, levels: readonly WireLevel[]): L2SnapshotLevel[] {
  const out: L2SnapshotLevel[] = [];
  for (const [p, q] of levels) out.push({ price: ticks(tl, p), qty: lots(tl, q) });
  return out;
}

import { ErrorCode, TradestateError } from '../core/errors.ts';
import { better, effectivePrice, type VenueLiquidity } from './venue-book.ts';

/** One child order of a split: how much to send where, and the worst price it may take. */
export interface RouteSlice {
  readonly venue: string;
  readonly qty: number;
  /** The worst displayed price taken on this venue: use as the child's limit price. */
  readonly limitPx: number;
}

export interface RoutePlan {
  readonly slices: readonly RouteSlice[];
  /** Quantity the displayed books could not fill within the limit. */
  readonly unrouted: number;
  /** Σ px × qty over the slices (ticks × lots), before fees. */
  readonly notionalTicks: number;
}

/**
 * Split a marketable order across venues by displayed depth and fees: take levels in order of effective price
 * (price after taker fee) across all books, never more than a level displays, never beyond `limitPx`.
 * Ties between venues go to the lower fee, then the venue name, so plans are deterministic.
 * Reads at most `maxLevels` levels per venue (default 20).
 *
 * @throws TradestateError `TRD_ERR_ORDER_INVALID` when `qty` is not a positive integer (lots), `maxLevels` not
 * a positive integer, or `limitPx` not a finite number.
 */
export function planSmartRoute(
  side: 'buy' | 'sell',
  qty: number,
  venues: readonly VenueLiquidity[],
  opts: { limitPx?: number; maxLevels?: number } = {}
): RoutePlan {
  const maxLevels = opts.maxLevels ?? 20;
  if (!Number.isSafeInteger(qty) || qty <= 0)
    throw new TradestateError(
      ErrorCode.ORDER_INVALID,
      `smart route: qty must be a positive integer (lots), got ${qty}`,
      {
        qty
      }
    );
  if (!Number.isSafeInteger(maxLevels) || maxLevels <= 0)
    throw new TradestateError(
      ErrorCode.ORDER_INVALID,
      `smart route: maxLevels must be a positive integer, got ${maxLevels}`,
      { maxLevels }
    );
  if (opts.limitPx !== undefined && !Number.isFinite(opts.limitPx))
    throw new TradestateError(
      ErrorCode.ORDER_INVALID,
      `smart route: limitPx must be a finite price (ticks), got ${opts.limitPx}`,
      { limitPx: opts.limitPx }
    );
  const cands: { venue: string; fee: number; px: number; sz: number; eff: number }[] = [];
  const px = new Float64Array(maxLevels);
  const sz = new Float64Array(maxLevels);
  for (const v of venues) {
    const lad = side === 'buy' ? v.book.asks : v.book.bids;
    const n = lad.depth(maxLevels, px, sz);
    for (let i = 0; i < n; i++) {
      const p = px[i]!;
      if (opts.limitPx !== undefined && (side === 'buy' ? p > opts.limitPx : p < opts.limitPx)) break;
      cands.push({
        venue: v.venue,
        fee: v.takerFeeBps,
        px: p,
        sz: sz[i]!,
        eff: effectivePrice(side, p, v.takerFeeBps)
      });
    }
  }
  cands.sort((a, b) =>
    a.eff !== b.eff
      ? better(side, a.eff, b.eff)
        ? -1
        : 1
      : a.fee !== b.fee
        ? a.fee - b.fee
        : a.venue < b.venue
          ? -1
          : a.venue > b.venue
            ? 1
            : 0
  );
  const byVenue = new Map<string, { qty: number; limitPx: number }>();
  let left = qty;
  let notionalTicks = 0;
  for (const c of cands) {
    if (left === 0) break;
    const take = Math.min(left, c.sz);
    left -= take;
    notionalTicks += take * c.px;
    const s = byVenue.get(c.venue);
    if (s) {
      s.qty += take;
      s.limitPx = side === 'buy' ? Math.max(s.limitPx, c.px) : Math.min(s.limitPx, c.px);
    } else byVenue.set(c.venue, { qty: take, limitPx: c.px });
  }
  const slices = [...byVenue].map(([venue, s]) => ({ venue, qty: s.qty, limitPx: s.limitPx }));
  return { slices, unrouted: left, notionalTicks };
}

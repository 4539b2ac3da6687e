import { z } from 'zod';
import type { Quote } from '../messages/market-data.ts';
import type { Side } from '../messages/primitives.ts';
import type { Strategy, StrategyAction, StrategyView, WorkingOrderView } from './strategy.ts';

export const marketMakerParamsSchema = z
  .strictObject({
    /** Lots per quote on each side. */
    qty: z.number().int().positive().default(100),
    /** Largest absolute position (lots): the side that would pass it is not quoted. */
    maxInventory: z.number().int().positive().default(500),
    /** Quote this many ticks behind the best price (0 = join it). */
    offsetTicks: z.number().int().min(0).default(0),
    /**
     * Re-price a resting quote only when its target moved at least this many ticks (fewer replaces, and the queue
     * position a replace would throw away is kept on small moves).
     */
    requoteTicks: z.number().int().positive().default(1),
    /** Lean the quotes against inventory: each `qty` of position moves both targets this many ticks. */
    skewTicks: z.number().int().min(0).default(0),
    /**
     * Step back from the side about to be run over, where the data has depth (`view.book`: tick backtests):
     * when the order imbalance over the top `imbalanceLevels` levels is above `imbalanceThreshold` (buyers
     * dominate) the ask is quoted `imbalanceTicks` further out, below −threshold the bid. 0 levels = off.
     */
    imbalanceLevels: z.number().int().min(0).max(50).default(0),
    imbalanceThreshold: z.number().min(0).max(1).default(0.6),
    imbalanceTicks: z.number().int().min(0).default(0)
  })
  .refine((p) => p.qty <= p.maxInventory, {
    message: 'qty must not exceed maxInventory (no quote would ever fit within it)',
    path: ['qty']
  });
export type MarketMakerParams = z.infer<typeof marketMakerParamsSchema>;

/** A working order that can be re-priced or cancelled now (acknowledged, nothing pending). */
const settled = (o: WorkingOrderView): boolean => o.status === 'ACKNOWLEDGED' || o.status === 'PARTIAL_FILL';

/**
 * A passive two-sided quoter for tick data: keeps one limit buy at the best bid and one limit sell at the best
 * ask (or `offsetTicks` behind them, skewed against inventory), re-pricing with cancel-replace when the target
 * moves by `requoteTicks` or more, and withdrawing the side that would take the position past `maxInventory`.
 * Quotes stay passive whatever the skew: the bid at most one tick below the quote's ask, the ask at least one
 * tick above its bid, both at 1 tick or more (a bid that cannot be is not quoted). With depth
 * (`imbalanceLevels`), it backs off the side a lopsided book is about to run over.
 * It waits for the venue between requests (an order not yet acknowledged, or with a cancel/replace pending, is
 * left alone), so it never has two requests in flight for one order. Its resting orders join the back of their
 * level in the L3 emulator and fill only once the queue ahead of them has traded or cancelled.
 */
export class MarketMakerStrategy implements Strategy {
  readonly id: string;
  readonly #p: MarketMakerParams;
  #quotes = 0;
  #requotes = 0;

  constructor(id: string, params: MarketMakerParams) {
    this.id = id;
    this.#p = params;
  }

  /** Bars carry no queue: this strategy trades on quotes only. */
  onBar(): readonly StrategyAction[] {
    return [];
  }

  onQuote(q: Quote, view: StrategyView): readonly StrategyAction[] {
    this.#quotes++;
    const p = this.#p;
    const pos = view.position(q.instrumentId);
    const skew = p.qty > 0 ? Math.trunc(pos / p.qty) * p.skewTicks : 0;
    const out: StrategyAction[] = [];
    const orders = view.openOrders(q.instrumentId);
    // never quote into our own other side (the quote shows our own orders; the market can lock them)
    let ownBid = Number.NEGATIVE_INFINITY;
    let ownAsk = Number.POSITIVE_INFINITY;
    // (an order being re-priced counts at the more aggressive of its price and its new one, as risk counts it)
    for (const o of orders) {
      if (o.limitPx === undefined) continue;
      const to = o.replacingPx ?? o.limitPx;
      if (o.side === 'buy') ownBid = Math.max(ownBid, o.limitPx, to);
      else ownAsk = Math.min(ownAsk, o.limitPx, to);
    }
    const imb = p.imbalanceLevels > 0 ? (view.book(q.instrumentId)?.imbalance(p.imbalanceLevels) ?? 0) : 0;
    const rawBid = q.bidPx - p.offsetTicks - skew - (imb < -p.imbalanceThreshold ? p.imbalanceTicks : 0);
    const rawAsk = q.askPx + p.offsetTicks - skew + (imb > p.imbalanceThreshold ? p.imbalanceTicks : 0);
    // passive whatever the skew: never through the other side of the quote, never below 1 tick
    const bid = Math.max(1, Math.min(rawBid, q.askPx - 1));
    const ask = Math.max(1, rawAsk, q.bidPx + 1);
    this.#side(out, q, orders, 'buy', bid, pos + p.qty <= p.maxInventory && bid < q.askPx && bid < ownAsk);
    this.#side(out, q, orders, 'sell', ask, pos - p.qty >= -p.maxInventory && ask > ownBid);
    return out;
  }

  #side(
    out: StrategyAction[],
    q: Quote,
    orders: readonly WorkingOrderView[],
    side: Side,
    target: number,
    wanted: boolean
  ): void {
    const mine = orders.filter((o) => o.side === side);
    if (mine.length === 0) {
      if (wanted)
        out.push({
          instrumentId: q.instrumentId,
          side,
          qty: this.#p.qty,
          orderType: 'limit',
          limitPx: target,
          tif: 'gtc',
          reason: `mm.quote.${side}`
        });
      return;
    }
    for (const o of mine) {
      if (!settled(o)) continue;
      if (!wanted) out.push({ kind: 'cancel', clientOrderId: o.clientOrderId, reason: 'mm.inventory' });
      else if (o.limitPx === undefined || Math.abs(o.limitPx - target) >= this.#p.requoteTicks) {
        this.#requotes++;
        out.push({ kind: 'replace', clientOrderId: o.clientOrderId, limitPx: target, reason: 'mm.requote' });
      }
    }
  }

  snapshot(): unknown {
    return { quotes: this.#quotes, requotes: this.#requotes };
  }
}

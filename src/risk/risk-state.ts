import { type Instrument, moneyToNumber } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import { ORDER_DONE_STATES, type OrderEvent } from '../messages/order-events.ts';
import type { Side } from '../messages/primitives.ts';
import { type RiskView, type TradingState, worstCaseExposure } from './risk-view.ts';

interface OwnOrder {
  readonly strategyId: string;
  readonly index: number;
  readonly side: Side;
  readonly limitPx: number | undefined;
  /**
   * The price it counts at in the best own prices: its limit, or while a replace to a more aggressive limit is in
   * flight, that one (higher for a buy, lower for a sell).
   */
  readonly px: number | undefined;
  /** What it counts as working: its leaves, or more while a replace to a larger size is in flight. */
  readonly leaves: number;
  /** Its own leaves and fills, as its last event said. */
  readonly leavesQty: number;
  readonly filled: number;
}

/** What a replace asks of an order: its new total quantity and limit price (undefined: unchanged). */
interface ReplaceTarget {
  readonly qty: number | undefined;
  readonly limitPx: number | undefined;
}

/** The replaces of one order not yet answered. */
interface InFlight {
  /**
   * Oldest first: the first {@link taken} were taken by the order (`order.pending_replace`) and are not yet answered
   * by the venue; the rest were sent to the order and are not yet answered by it. The order answers each command in
   * turn, exactly once: it takes it, or refuses it (`order.replace_denied`, or an `order.refused` the runtime passes
   * on as {@link RiskState.replaceRefused}).
   */
  readonly targets: ReplaceTarget[];
  /** How many of {@link targets} the order has taken (at most one at a time as a rule). */
  taken: number;
}

interface StrategyBook {
  /** Highest own resting buy per instrument index (NaN = none). */
  readonly bid: Float64Array;
  /** Lowest own resting sell per instrument index (NaN = none). */
  readonly ask: Float64Array;
  /** Client order ids of the strategy's working orders. */
  readonly orders: Set<string>;
}

/**
 * A ready-made {@link RiskView} over typed arrays indexed like the engine's instruments: positions, working
 * quantities, mids, the gross worst-case exposure (kept incrementally) and each strategy's best own resting
 * prices. Feed it the order audit events ({@link onOrderEvent}: working orders and fills), mids
 * ({@link setMid}) and the kill switch's state ({@link setTradingState}); {@link setPosition} overrides a
 * position (start of day, reconciliation). Each replace sent to a working order is noted when it is sent
 * ({@link onReplaceSent}), and the order's refusal of it ({@link replaceRefused}): until the order refuses it or
 * the venue answers it, the order counts as the worst of what it is and what it may become (the larger size, the
 * more aggressive limit in the best own prices), so an order checked meanwhile can neither use the room the replace
 * was granted nor trade against the price it is moving to.
 */
export class RiskState implements RiskView {
  readonly #clock: { now(): Nanos };
  readonly #index = new Map<string, number>();
  readonly #pos: Float64Array;
  readonly #openBuy: Float64Array;
  readonly #openSell: Float64Array;
  readonly #mid: Float64Array;
  /** Account currency per tick × lot, per instrument. */
  readonly #unit: Float64Array;
  readonly #equity: (() => number) | undefined;
  readonly #orders = new Map<string, OwnOrder>();
  /** Each order's replaces not yet answered, by its current client order id. */
  readonly #replacing = new Map<string, InFlight>();
  readonly #strategies = new Map<string, StrategyBook>();
  readonly #n: number;
  #gross = 0;
  /** Σ worst case × |mid| × unit over instruments with a mid, kept incrementally like {@link #gross}. */
  #grossNotional = 0;
  #state: TradingState = 'ACTIVE';
  /** Lots held before the session, per instrument ({@link holdBefore}); undefined while none. */
  #held: Float64Array | undefined;
  /** Σ held × mid × unit (signed), kept as mids move like {@link #grossNotional}. */
  #heldValue = 0;

  /** `equity` reads the account's equity (currency) when a check needs it (`maxLeverage`); without it, unknown. */
  constructor(instruments: readonly Instrument[], clock: { now(): Nanos }, equity?: () => number) {
    this.#clock = clock;
    this.#equity = equity;
    this.#unit = Float64Array.from(instruments, (inst) => moneyToNumber(inst.tickLotValue));
    this.#n = instruments.length;
    instruments.forEach((inst, i) => void this.#index.set(inst.id, i));
    this.#pos = new Float64Array(this.#n);
    this.#openBuy = new Float64Array(this.#n);
    this.#openSell = new Float64Array(this.#n);
    this.#mid = new Float64Array(this.#n).fill(Number.NaN);
  }

  now(): Nanos {
    return this.#clock.now();
  }
  tradingState(): TradingState {
    return this.#state;
  }
  position(_id: string, i: number): number {
    return this.#pos[i]!;
  }
  openBuyQty(_id: string, i: number): number {
    return this.#openBuy[i]!;
  }
  openSellQty(_id: string, i: number): number {
    return this.#openSell[i]!;
  }
  grossExposure(): number {
    return this.#gross;
  }
  grossNotional(): number {
    return this.#grossNotional;
  }
  equity(): number | undefined {
    const e = this.#equity?.();
    // what was held before the session, at its mid, like the exposure it adds to the gross notional
    return e === undefined ? e : e + this.#heldValue;
  }
  mid(_id: string, i: number): number | undefined {
    const m = this.#mid[i]!;
    return !Number.isNaN(m) ? m : undefined;
  }
  bestOwnBid(strategyId: string, _id: string, i: number): number | undefined {
    const b = this.#strategies.get(strategyId)?.bid[i];
    return b === undefined || Number.isNaN(b) ? undefined : b;
  }
  bestOwnAsk(strategyId: string, _id: string, i: number): number | undefined {
    const a = this.#strategies.get(strategyId)?.ask[i];
    return a === undefined || Number.isNaN(a) ? undefined : a;
  }

  setTradingState(state: TradingState): void {
    this.#state = state;
  }

  /** Set the mid (ticks) of an instrument; `undefined` forgets it. Unknown instruments are ignored. */
  setMid(instrumentId: string, midTicks: number | undefined): void {
    const i = this.#index.get(instrumentId);
    if (i === undefined) return;
    const wc = worstCaseExposure(this.#pos[i]!, this.#openBuy[i]!, this.#openSell[i]!);
    const dv = (this.#value(midTicks) - this.#value(this.#mid[i])) * this.#unit[i]!;
    this.#grossNotional += wc * dv;
    if (this.#held !== undefined) this.#heldValue += this.#held[i]! * dv;
    this.#mid[i] = midTicks ?? Number.NaN;
  }

  /** |mid|, 0 for none. */
  #value(mid: number | undefined): number {
    return mid === undefined || Number.isNaN(mid) ? 0 : Math.abs(mid);
  }

  /**
   * The account held `lots` of an instrument before the session: its position starts there, and since the equity
   * given to the constructor is the session's own (what it started with and made), their value at the mid is
   * added to it, so `maxLeverage` weighs what they add to the gross notional against what they are worth.
   */
  holdBefore(instrumentId: string, lots: number): void {
    const i = this.#index.get(instrumentId);
    if (i === undefined) return;
    this.#held ??= new Float64Array(this.#n);
    this.#held[i] = this.#held[i]! + lots;
    this.#heldValue += lots * this.#value(this.#mid[i]) * this.#unit[i]!;
    this.setPosition(instrumentId, this.#pos[i]! + lots);
  }

  /** Override the filled position of an instrument (lots). */
  setPosition(instrumentId: string, lots: number): void {
    const i = this.#index.get(instrumentId);
    if (i !== undefined) this.#update(i, lots - this.#pos[i]!, 0, 0);
  }

  /** Apply an order audit event: fills move the position; working orders and best own prices follow the status. */
  onOrderEvent(e: OrderEvent): void {
    const i = this.#index.get(e.instrumentId);
    if (i === undefined) return;
    if (e.type === 'order.filled' && e.lastQty !== undefined) {
      this.#update(i, e.side === 'buy' ? e.lastQty : -e.lastQty, 0, 0);
    }
    this.#answer(e);
    if (e.origClientOrderId !== undefined) this.#remove(e.origClientOrderId);
    this.#remove(e.clientOrderId);
    if (!ORDER_DONE_STATES.has(e.to) && e.leavesQty > 0) {
      const limitPx = e.orderType === 'limit' ? e.limitPx : undefined;
      this.#add(e.clientOrderId, {
        strategyId: e.strategyId,
        index: i,
        side: e.side,
        limitPx,
        px: limitPx,
        leaves: e.leavesQty,
        leavesQty: e.leavesQty,
        filled: e.filledQty
      });
    }
  }

  /** What event `e` answers of the order's replaces in flight. */
  #answer(e: OrderEvent): void {
    const orig = e.origClientOrderId;
    if (orig !== undefined) {
      // the venue applied the replace taken; those sent since are answered under the new id
      const f = this.#replacing.get(orig);
      this.#replacing.delete(orig);
      if (f !== undefined && f.targets.length > f.taken) {
        answered(f);
        this.#replacing.set(e.clientOrderId, f);
      }
    }
    const id = e.clientOrderId;
    if (ORDER_DONE_STATES.has(e.to)) {
      this.#replacing.delete(id);
      return;
    }
    const f = this.#replacing.get(id);
    if (f === undefined) return;
    if (e.type === 'order.pending_replace') {
      if (f.taken < f.targets.length) f.taken++;
    } else if (e.type === 'order.replace_denied') refused(f);
    else if (e.type === 'order.replace_rejected' || e.type === 'order.replaced') answered(f);
    if (f.targets.length === 0) this.#replacing.delete(id);
  }

  /**
   * A replace of working order `clientOrderId` (its current client order id) is sent to it: `qty` its new total
   * quantity and `limitPx` its new limit, each undefined when unchanged. Until the order refuses it
   * ({@link replaceRefused}, `order.replace_denied`) or, having taken it (`order.pending_replace`), the venue
   * answers it (`order.replaced`, `order.replace_rejected`) or the order ends, the order counts as working the
   * largest of its leaves and each such `qty` less what it has filled, and in the best own prices at the most
   * aggressive of its limit and each such `limitPx`. Every replace sent to the order must be noted, one risk denied
   * too (with neither: it changes nothing but is answered like the others), since the order's answers are matched
   * to them in the order they were sent. An order this state does not count as working is ignored.
   */
  onReplaceSent(clientOrderId: string, qty?: number, limitPx?: number): void {
    const o = this.#orders.get(clientOrderId);
    if (o === undefined) return;
    let f = this.#replacing.get(clientOrderId);
    if (f === undefined) {
      f = { targets: [], taken: 0 };
      this.#replacing.set(clientOrderId, f);
    }
    f.targets.push({ qty, limitPx });
    if (qty !== undefined || limitPx !== undefined) this.#recount(clientOrderId, o);
  }

  /**
   * Order `clientOrderId` (its current client order id) refused the oldest replace sent to it and not yet answered
   * (an `order.refused` of an `order.replace`: say it was not yet acknowledged, or another replace or a cancel was
   * in flight): it never reached the venue, so it no longer counts.
   */
  replaceRefused(clientOrderId: string): void {
    const f = this.#replacing.get(clientOrderId);
    if (f === undefined) return;
    refused(f);
    if (f.targets.length === 0) this.#replacing.delete(clientOrderId);
    const o = this.#orders.get(clientOrderId);
    if (o !== undefined) this.#recount(clientOrderId, o);
  }

  /** Count working order `o` again, after its replaces in flight changed. */
  #recount(clientOrderId: string, o: OwnOrder): void {
    this.#remove(clientOrderId);
    this.#add(clientOrderId, o);
  }

  /** Count order `o` as working (at its worst case while replaces of it are in flight). */
  #add(clientOrderId: string, o: OwnOrder): void {
    let leaves = o.leavesQty;
    let px = o.limitPx;
    const f = this.#replacing.get(clientOrderId);
    if (f !== undefined) {
      const buy = o.side === 'buy';
      const ts = f.targets;
      for (let k = 0; k < ts.length; k++) {
        const t = ts[k]!;
        if (t.qty !== undefined && t.qty - o.filled > leaves) leaves = t.qty - o.filled;
        px = aggressive(px, t.limitPx, buy);
      }
    }
    const own = leaves === o.leaves && px === o.px ? o : { ...o, leaves, px };
    this.#orders.set(clientOrderId, own);
    this.#book(own.strategyId).orders.add(clientOrderId);
    this.#update(own.index, 0, own.side === 'buy' ? leaves : 0, own.side === 'sell' ? leaves : 0);
    this.#refreshBest(own.strategyId, own.index);
  }

  #remove(clientOrderId: string): void {
    const o = this.#orders.get(clientOrderId);
    if (o === undefined) return;
    this.#orders.delete(clientOrderId);
    this.#strategies.get(o.strategyId)?.orders.delete(clientOrderId);
    this.#update(o.index, 0, o.side === 'buy' ? -o.leaves : 0, o.side === 'sell' ? -o.leaves : 0);
    this.#refreshBest(o.strategyId, o.index);
  }

  #update(i: number, dPos: number, dBuy: number, dSell: number): void {
    const before = worstCaseExposure(this.#pos[i]!, this.#openBuy[i]!, this.#openSell[i]!);
    this.#pos[i] = this.#pos[i]! + dPos;
    this.#openBuy[i] = this.#openBuy[i]! + dBuy;
    this.#openSell[i] = this.#openSell[i]! + dSell;
    const d = worstCaseExposure(this.#pos[i]!, this.#openBuy[i]!, this.#openSell[i]!) - before;
    this.#gross += d;
    if (d !== 0) this.#grossNotional += d * this.#value(this.#mid[i]) * this.#unit[i]!;
  }

  #book(strategyId: string): StrategyBook {
    let b = this.#strategies.get(strategyId);
    if (b === undefined) {
      b = {
        bid: new Float64Array(this.#n).fill(Number.NaN),
        ask: new Float64Array(this.#n).fill(Number.NaN),
        orders: new Set()
      };
      this.#strategies.set(strategyId, b);
    }
    return b;
  }

  #refreshBest(strategyId: string, i: number): void {
    const b = this.#book(strategyId);
    let bid = Number.NaN;
    let ask = Number.NaN;
    for (const id of b.orders) {
      const o = this.#orders.get(id)!;
      if (o.index !== i || o.px === undefined) continue;
      if (o.side === 'buy' && !(o.px <= bid)) bid = o.px;
      if (o.side === 'sell' && !(o.px >= ask)) ask = o.px;
    }
    b.bid[i] = bid;
    b.ask[i] = ask;
  }
}

/**
 * The price a limit order at `px` counts at while a replace to `limitPx` may be applied: the more aggressive (the
 * higher for a buy). Only a limit order's price counts: `px` undefined stays so; `limitPx` undefined changes nothing.
 */
function aggressive(px: number | undefined, limitPx: number | undefined, buy: boolean): number | undefined {
  return limitPx !== undefined && px !== undefined && (buy ? limitPx > px : limitPx < px) ? limitPx : px;
}

/** The venue answered the replaces `f`'s order had taken: they no longer count (in place, no allocation). */
function answered(f: InFlight): void {
  removeAt(f.targets, 0, f.taken);
  f.taken = 0;
}

/** The order refused the oldest replace sent to it and not yet answered, if any: it no longer counts. */
function refused(f: InFlight): void {
  if (f.targets.length > f.taken) removeAt(f.targets, f.taken, 1);
}

/** Remove `n` entries of `a` from index `i` in place (`splice` would allocate the array it returns). */
function removeAt<T>(a: T[], i: number, n: number): void {
  if (n === 0) return;
  a.copyWithin(i, i + n);
  a.length -= n;
}

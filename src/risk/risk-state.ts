import { type Instrument, moneyToNumber } from '../core/instrument.ts';
import type { Nanos } from '../core/nanos.ts';
import { ORDER_DONE_STATES, type OrderEvent, REPLACE_REFUSALS } from '../messages/order-events.ts';
import type { Side } from '../messages/primitives.ts';
import { type RiskView, type TradingState, worstCaseExposure } from './risk-view.ts';

interface OwnOrder {
  readonly strategyId: string;
  readonly index: number;
  readonly side: Side;
  readonly limitPx: number | undefined;
  /** What it counts as working: its leaves, or more while a replace to a larger size is in flight. */
  readonly leaves: number;
  /** Its own leaves and fills, as its last event said. */
  readonly leavesQty: number;
  readonly filled: number;
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
 * position (start of day, reconciliation). A replace that passed risk is noted when it is sent
 * ({@link onReplaceSent}): until the venue answers, the order counts as the larger of what it is and what it may
 * become, so an order checked meanwhile cannot use the room the replace was granted.
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
  /** The new total quantity of each order's replace in flight, by the client order id it replaces. */
  readonly #replacing = new Map<string, number>();
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
    // the venue answered a replace (done, refused), or the order ended: nothing is in flight any more
    if (e.origClientOrderId !== undefined) this.#replacing.delete(e.origClientOrderId);
    if (REPLACE_REFUSALS.has(e.type) || ORDER_DONE_STATES.has(e.to)) this.#replacing.delete(e.clientOrderId);
    if (e.origClientOrderId !== undefined) this.#remove(e.origClientOrderId);
    this.#remove(e.clientOrderId);
    if (!ORDER_DONE_STATES.has(e.to) && e.leavesQty > 0)
      this.#add(e.clientOrderId, {
        strategyId: e.strategyId,
        index: i,
        side: e.side,
        limitPx: e.orderType === 'limit' ? e.limitPx : undefined,
        leaves: e.leavesQty,
        leavesQty: e.leavesQty,
        filled: e.filledQty
      });
  }

  /**
   * A replace of working order `clientOrderId` to `qty` lots in all passed risk and goes to the venue: until the
   * venue answers (`order.replaced`, a refusal, or the order's end), the order counts as working the larger of its
   * leaves and `qty` less what it has filled.
   */
  onReplaceSent(clientOrderId: string, qty: number): void {
    const o = this.#orders.get(clientOrderId);
    if (o === undefined) return;
    this.#replacing.set(clientOrderId, qty);
    this.#remove(clientOrderId);
    this.#add(clientOrderId, o);
  }

  /** Count order `o` as working (at the larger size while a replace of it is in flight). */
  #add(clientOrderId: string, o: OwnOrder): void {
    const to = this.#replacing.get(clientOrderId);
    const leaves = to === undefined ? o.leavesQty : Math.max(o.leavesQty, to - o.filled);
    const own = leaves === o.leaves ? o : { ...o, leaves };
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
      if (o.index !== i || o.limitPx === undefined) continue;
      if (o.side === 'buy' && !(o.limitPx <= bid)) bid = o.limitPx;
      if (o.side === 'sell' && !(o.limitPx >= ask)) ask = o.limitPx;
    }
    b.bid[i] = bid;
    b.ask[i] = ask;
  }
}

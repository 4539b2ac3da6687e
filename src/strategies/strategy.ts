import type { BookView } from '../book/book-view.ts';
import type { Nanos } from '../core/nanos.ts';
import type { OcoMode } from '../messages/commands.ts';
import type { Bar, Quote, Trade } from '../messages/market-data.ts';
import type { OrderEvent, OrderStatus } from '../messages/order-events.ts';
import type { OrderType, Side, TimeInForce } from '../messages/primitives.ts';

/**
 * What a strategy wants done. The strategy actor turns intents into `order.submit` commands with
 * deterministic client order ids; the strategy itself never talks to a venue.
 */
export interface OrderIntent {
  /** Optional tag; an intent without `kind` is a new order. */
  readonly kind?: 'submit';
  readonly instrumentId: string;
  readonly side: Side;
  readonly qty: number;
  readonly orderType: OrderType;
  readonly limitPx?: number;
  readonly stopPx?: number;
  readonly tif: TimeInForce;
  /**
   * One-cancels-other: the strategy's working orders on one instrument that share a group cancel one another
   * when one of them fills (its first fill, partial or not), or with `ocoMode: 'reduce'` reduce one another by
   * what each fill filled. The execution emulator does this at the venue, in the same event as the fill; on a
   * venue without native OCO the strategy host sends the cancels (or size-decreasing replaces) when it sees the
   * fill. A bracket's exits are one such group.
   */
  readonly ocoGroup?: string;
  /** What a fill does to the rest of the `ocoGroup` (default `cancel`; see {@link OcoMode}). */
  readonly ocoMode?: OcoMode;
  /** The signal that caused it, kept in the audit trail. */
  readonly reason: string;
}

/**
 * A bracket: an entry order and the exits that protect what it fills — a stop-loss (a stop order at `stopLossPx`)
 * and/or a take-profit (a limit order at `takeProfitPx`), on the other side. The exits are sent once the entry is
 * done (filled; or canceled or expired after a partial fill), for the quantity it filled, as one OCO group named
 * after the entry's client order id (with `exitsOn: 'fill'`, a pair at each fill, for that fill, each pair its own
 * group): a fill of either reduces the other by as much (`ocoMode`), so the two never close more than the entry
 * opened. Prices are in ticks; the
 * take-profit must be on the profitable side of the stop-loss (and of the entry's limit, when it has one), or
 * the bracket is refused (`strategy.intent_refused`, `TRD_ERR_BRACKET_INVALID`) and nothing is sent.
 */
export interface BracketIntent {
  readonly kind: 'bracket';
  /** The entry (any order type); it is sent with the bracket's `reason`. */
  readonly entry: Omit<OrderIntent, 'kind' | 'ocoGroup' | 'ocoMode' | 'reason'>;
  /** Stop price (ticks) of the protective stop. */
  readonly stopLossPx?: number;
  /** Limit price (ticks) of the profit-taking limit. */
  readonly takeProfitPx?: number;
  /** Time in force of the exits (default `gtc`). */
  readonly exitTif?: TimeInForce;
  /**
   * When the exits go out: `done` (default) once the entry is done, for all it filled; `fill` at each of the
   * entry's fills, a stop-loss and take-profit pair for that fill in an OCO group of its own (`<entry id>` for the
   * first, `<entry id>+<lots before>` for later ones), so what a resting entry has filled is never unprotected. An
   * entry that fills in many parts makes as many pairs.
   */
  readonly exitsOn?: 'done' | 'fill';
  /**
   * What a fill of one exit does to the other (default `reduce`: a partial take-profit leaves the stop-loss
   * covering exactly what is still held; `cancel`: the first fill of either cancels the other).
   */
  readonly ocoMode?: OcoMode;
  /** The signal that caused it; the exits' reasons name their role, the entry and this. */
  readonly reason: string;
}

/**
 * Cancel one of the strategy's own working orders. A strategy can only name its own orders: an id it did not
 * issue, or one no longer working, is refused (`strategy.intent_refused`, `TRD_ERR_UNKNOWN_ORDER`).
 */
export interface CancelIntent {
  readonly kind: 'cancel';
  readonly clientOrderId: string;
  readonly reason: string;
}

/**
 * Cancel-replace one of the strategy's own working orders: new quantity and/or prices (omitted fields keep
 * their values). The replacement gets a new client order id from the strategy's numbering; the venue keeps
 * time priority only on a pure size decrease. Checked by pre-trade risk as the order it would become.
 */
export interface ReplaceIntent {
  readonly kind: 'replace';
  readonly clientOrderId: string;
  /** The new total order quantity, filled lots included (FIX OrderQty); must exceed what has filled. */
  readonly qty?: number;
  readonly limitPx?: number;
  readonly stopPx?: number;
  readonly reason: string;
}

/** Everything a strategy can ask for. */
export type StrategyAction = OrderIntent | BracketIntent | CancelIntent | ReplaceIntent;

/** One of the strategy's working orders, as it knows it from its orders' events. */
export interface WorkingOrderView {
  readonly clientOrderId: string;
  readonly instrumentId: string;
  readonly side: Side;
  /** Lots still to fill (> 0). */
  readonly leaves: number;
  /** Limit price in ticks, when the order has one. */
  readonly limitPx?: number;
  /**
   * The new limit of a replace of it in flight (asked for, not yet answered by the venue), when that replace
   * changes the price. Pre-trade risk counts the order at the more aggressive of the two meanwhile (self-trade
   * check), so a strategy quoting both sides should too.
   */
  readonly replacingPx?: number;
  /**
   * Its status as of its last event: `NEW` until submitted, `PENDING_NEW` until the venue acknowledges it (a
   * cancel or replace is refused by the order until then), `PENDING_CANCEL` / `PENDING_REPLACE` while one awaits
   * the venue's answer.
   */
  readonly status: OrderStatus;
  /** Its OCO group and mode, when it has one (a bracket's exits are in the group named after their entry). */
  readonly ocoGroup?: string;
  readonly ocoMode?: OcoMode;
}

/** The read-only view a strategy gets of its own state; identical in backtest and live. */
export interface StrategyView {
  /** Net position in lots (filled quantity only). */
  position(instrumentId: string): number;
  /** Lots still working in open orders, signed (buy positive). */
  workingQty(instrumentId: string): number;
  /** The strategy's working orders (on one instrument, or all), oldest first. */
  openOrders(instrumentId?: string): readonly WorkingOrderView[];
  now(): Nanos;
  /**
   * The order book of `instrumentId` as the market data shows it at this event, where the data has depth: a
   * tick backtest on order-level data (LOBSTER), or paper trading over FIX market data (`live.fix.marketData:
   * fix`, to `live.fix.depth` levels). It is the feed's view: the market's orders, not the strategy's own
   * (`openOrders` has those). Undefined where there is none (bar data; Alpaca), so a strategy that reads it
   * must also work without it.
   */
  book(instrumentId: string): BookView | undefined;
}

/**
 * A pluggable strategy: plain, synchronous TypeScript on the hot path. It sees each bar only once
 * the bar has closed (`bar.tsEvent`), and nothing from the future.
 */
export interface Strategy {
  readonly id: string;
  /** Called for every closed bar of a subscribed instrument. */
  onBar(bar: Bar, view: StrategyView): readonly StrategyAction[];
  /**
   * Optional: called for every top-of-book change of a subscribed instrument when the data has quotes (a tick
   * backtest on LOBSTER data; `view.now()` is the quote's time). Strategies without it never see quotes.
   */
  onQuote?(quote: Quote, view: StrategyView): readonly StrategyAction[];
  /**
   * Optional: called for every trade (print) of a subscribed instrument when the data has them (a LOBSTER
   * execution, before the quote it changes; an Alpaca trade in paper mode).
   */
  onTrade?(trade: Trade, view: StrategyView): readonly StrategyAction[];
  /**
   * Optional: called for every event of the strategy's own orders (accepted, filled, canceled, replaced, …),
   * after the view has been updated with it; may answer with actions, e.g. re-quote after a fill.
   */
  onOrderEvent?(event: OrderEvent, view: StrategyView): readonly StrategyAction[];
  /** A JSON-safe view of internal state, for snapshots and debugging. */
  snapshot(): unknown;
}

import type { Nanos } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';
import type { OrderType, Side, TimeInForce } from '../messages/primitives.ts';

/**
 * What a strategy wants done. The strategy actor turns intents into `order.submit` commands with
 * deterministic client order ids; the strategy itself never talks to a venue.
 */
export interface OrderIntent {
  readonly instrumentId: string;
  readonly side: Side;
  readonly qty: number;
  readonly orderType: OrderType;
  readonly limitPx?: number;
  readonly stopPx?: number;
  readonly tif: TimeInForce;
  /** The signal that caused it, kept in the audit trail. */
  readonly reason: string;
}

/** The read-only view a strategy gets of its own state; identical in backtest and live. */
export interface StrategyView {
  /** Net position in lots (filled quantity only). */
  position(instrumentId: string): number;
  /** Lots still working in open orders, signed (buy positive). */
  workingQty(instrumentId: string): number;
  now(): Nanos;
}

/**
 * A pluggable strategy: plain, synchronous TypeScript on the hot path. It sees each bar only once
 * the bar has closed (`bar.tsEvent`), and nothing from the future.
 */
export interface Strategy {
  readonly id: string;
  /** Called for every closed bar of a subscribed instrument. */
  onBar(bar: Bar, view: StrategyView): readonly OrderIntent[];
  /** A JSON-safe view of internal state, for snapshots and debugging. */
  snapshot(): unknown;
}

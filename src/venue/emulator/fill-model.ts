import type { Instrument } from '../../core/instrument.ts';
import type { Nanos } from '../../core/nanos.ts';
import type { SubmitOrder } from '../../messages/commands.ts';
import type { Bar, Quote, Trade } from '../../messages/market-data.ts';
import type { L3Event } from './l3-event.ts';
import type { OrderFees } from './pricing.ts';

/** An order working at the emulated venue (owned by the emulator; fill models read and annotate it). */
export interface WorkingOrder {
  readonly cmd: SubmitOrder;
  clientOrderId: string;
  readonly venueOrderId: string;
  readonly buy: boolean;
  /** Total quantity (lots); a replace may change it. */
  qty: number;
  filled: number;
  limitPx: number | undefined;
  stopPx: number | undefined;
  /** False for a stop / stop-limit until its trigger is reached. */
  triggered: boolean;
  /** When the order reached the venue. */
  readonly arrivedAt: Nanos;
  /** A DAY order's expiry (see the emulator's `dayOrders`), set at the first market data it sees. */
  dayExpiresAt: Nanos | undefined;
  /** Latest delivery time of a report of this order (reports of one order are delivered in order). */
  lastDelivery: Nanos;
  /** Latest event time (`tsEvent`) of a report of this order; no later report is dated before it. */
  lastEvent: Nanos;
  /** Quote model: quantity ahead of the order in its price level's queue (Infinity = not known yet). */
  ahead: number;
  /** L3 model: the order's id in the matching engine. */
  engineId: number;
  /** Its commission so far (the schedule's minimum and cap are per order). */
  readonly fees: OrderFees;
}

/** Left to fill. */
export function leavesOf(w: WorkingOrder): number {
  return w.qty - w.filled;
}

/**
 * {@link EmulatorHost.fill}, returning the lots it really filled: the fill may be cut to the order's leaves, or be
 * none of an order an OCO sibling's fill ended earlier in the same call. A model counts these, not what it asked
 * for, against the liquidity it shares between orders.
 */
export function filled(
  host: EmulatorHost,
  w: WorkingOrder,
  px: number,
  qty: number,
  t: Nanos,
  liquidity: 'maker' | 'taker',
  refVolume: number
): number {
  const before = w.filled;
  host.fill(w, px, qty, t, liquidity, refVolume);
  return w.filled - before;
}

/**
 * When `w` stops working by itself: a GTD order's `expireAt`, a DAY order's {@link WorkingOrder.dayExpiresAt}
 * (once known); undefined for the others. It is not working at that time (nor fills then).
 */
export function expiryOf(w: WorkingOrder): Nanos | undefined {
  const tif = w.cmd.tif;
  return tif === 'gtd' ? w.cmd.expireAt : tif === 'day' ? w.dayExpiresAt : undefined;
}

/** The `reason` of `w`'s `expired` report. */
export function expiryReason(w: WorkingOrder): string {
  return w.cmd.tif === 'day' ? 'DAY order past its session' : 'GTD order past its expiry';
}

/** True when the order trades at the market: a market order, or a stop that has triggered. */
export function isMarketLike(w: WorkingOrder): boolean {
  const t = w.cmd.orderType;
  return t === 'market' || (t === 'stop' && w.triggered);
}

/** What the emulator offers its fill models. */
export interface EmulatorHost {
  instrument(id: string): Instrument;
  /** Working orders of an instrument, in the order they reached the venue. */
  workingOf(instrumentId: string): Iterable<WorkingOrder>;
  /** Largest fraction of a data event's liquidity one order may take. */
  readonly maxParticipation: number;
  /**
   * Record a fill of `qty` at `px` (before costs) at venue time `t`. For taker fills the emulator applies
   * slippage and impact (with reference volume `refVolume`), capped at the order's limit. A fill is cut to the
   * order's leaves, and an order the venue already ended (an OCO sibling canceled earlier in the same call of the
   * model) fills nothing. Returns the quantity still left to fill.
   */
  fill(
    w: WorkingOrder,
    px: number,
    qty: number,
    t: Nanos,
    liquidity: 'maker' | 'taker',
    refVolume: number
  ): number;
  /**
   * End a working order (canceled by the venue, e.g. an IOC remainder, or expired). The model must drop it
   * itself. An order the venue already ended (filled, or canceled as an OCO sibling earlier in the same call of
   * the model) is left as it is: no report.
   */
  close(w: WorkingOrder, t: Nanos, execType: 'canceled' | 'expired', reason: string): void;
}

/**
 * A fill model: how working orders meet one kind of market data. The emulator owns the orders, time,
 * latency and reports; the model decides what fills, when, at what price.
 */
export interface FillModel {
  /** An order reached the venue at `t` (its `accepted` report is already out). It may trade at once. */
  arrive(w: WorkingOrder, t: Nanos): void;
  /** The emulator removes `w` (cancel on request, expiry): forget it. */
  remove(w: WorkingOrder, t: Nanos): void;
  /**
   * Why `w` cannot be replaced now (the `replace_rejected` reason), undefined when it can: an L3 pending stop, a
   * bar model's IOC/FOK (it stays at the venue only until its first bar has answered it).
   */
  replaceRefusal(w: WorkingOrder): string | undefined;
  /** `w` was replaced (fields already updated; `oldPx`/`oldLeaves` are the previous ones): re-evaluate. */
  replaced(w: WorkingOrder, oldPx: number | undefined, oldLeaves: number, t: Nanos): void;
  /**
   * The venue reduced `w`'s quantity on its own (a one-updates-other group; `w.qty` already updated, leaves > 0):
   * it keeps its place. Models that read the leaves from `w` need nothing.
   */
  restated?(w: WorkingOrder, t: Nanos): void;
  onBar?(bar: Bar, inst: Instrument): void;
  onQuote?(q: Quote, inst: Instrument): void;
  onTrade?(t: Trade, inst: Instrument): void;
  onL3?(e: L3Event, inst: Instrument): void;
  /** Quantity ahead of `w` in its queue, when the model knows it. */
  queueAhead?(w: WorkingOrder): number | undefined;
  /**
   * Models that decide at one data event what happens later (the bar model: fills inside a bar, dated at its
   * close): the time of the earliest such thing still to happen, undefined when none. The emulator runs it
   * ({@link runDue}) in time order with the commands: after those that arrive before it, before those arriving at
   * or after it. A command that ends or re-prices the order first ({@link remove}, {@link replaced}) undoes it.
   */
  nextAt?(): Nanos | undefined;
  /** Do what was deferred to time `t` (= {@link nextAt}). */
  runDue?(t: Nanos): void;
}

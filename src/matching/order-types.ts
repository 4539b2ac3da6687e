import type { BookSide } from '../book/side.ts';
import { ErrorCode } from '../core/errors.ts';

/** Order types the engine matches. */
export const OrderType = { MARKET: 0, LIMIT: 1, STOP: 2, STOP_LIMIT: 3 } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

/**
 * Time in force. MARKET orders never rest: whatever GTC/DAY they carry, an unfilled remainder is cancelled
 * (reason NO_LIQUIDITY); FOK still means all-or-nothing.
 */
export const TimeInForce = { GTC: 0, DAY: 1, IOC: 2, FOK: 3 } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

/**
 * Self-trade prevention, applied when an incoming order meets a resting order with the same non-zero
 * owner; the INCOMING order's mode decides.
 * - CANCEL_NEWEST: cancel the incoming order's remainder, leave the resting order.
 * - CANCEL_OLDEST: cancel the resting order and keep matching.
 * - CANCEL_BOTH: cancel both.
 * - NONE: allow the self-trade.
 */
export const StpMode = { NONE: 0, CANCEL_NEWEST: 1, CANCEL_OLDEST: 2, CANCEL_BOTH: 3 } as const;
export type StpMode = (typeof StpMode)[keyof typeof StpMode];

/**
 * An incoming order. Callers may keep one mutable instance and refill it for every submit (the engine copies
 * what it keeps). Prices are integer ticks, quantities integer lots.
 */
export interface OrderRequest {
  /** Caller-assigned id, a safe integer unique among the engine's live orders. */
  id: number;
  side: BookSide;
  type: OrderType;
  tif: TimeInForce;
  qty: number;
  /** Limit price (LIMIT, STOP_LIMIT); ignored otherwise. */
  price: number;
  /** Trigger price (STOP, STOP_LIMIT); ignored otherwise. */
  stopPrice: number;
  /** Account id for self-trade prevention; 0 = none (never self-trade-checked). */
  owner: number;
  stp: StpMode;
}

/**
 * A fresh {@link OrderRequest} with defaults (limit GTC, no owner). Fields are always created in the
 * interface's order, so every request shares one object shape and the engine's property reads stay
 * monomorphic.
 */
export function orderRequest(
  init: Partial<OrderRequest> & Pick<OrderRequest, 'id' | 'side' | 'qty'>
): OrderRequest {
  return {
    id: init.id,
    side: init.side,
    type: init.type ?? OrderType.LIMIT,
    tif: init.tif ?? TimeInForce.GTC,
    qty: init.qty,
    price: init.price ?? 0,
    stopPrice: init.stopPrice ?? 0,
    owner: init.owner ?? 0,
    stp: init.stp ?? StpMode.NONE
  };
}

/** What happened to an order submitted (or replaced). */
export const Outcome = {
  /** Accepted and resting, nothing filled. */
  RESTING: 0,
  /** Partly filled; the rest (`leavesQty`) rests. */
  PARTIALLY_FILLED: 1,
  /** Completely filled. */
  FILLED: 2,
  /** Nothing rests: IOC remainder, FOK that could not fill, STP, market without liquidity. `filledQty` may be > 0. */
  CANCELLED: 3,
  /** Refused before matching; see `rejectCode`. */
  REJECTED: 4,
  /** A stop waiting for its trigger. */
  PENDING_TRIGGER: 5,
  /** Received outside the trading session and held until it opens. */
  HELD: 6
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

/** Why an event happened (cancel and reject reasons, replace priority). */
export const Reason = {
  NONE: 0,
  /** Cancelled on request. */
  USER: 1,
  IOC: 2,
  FOK: 3,
  /** Self-trade prevention. */
  STP: 4,
  /** A market order (or its remainder) found nothing (more) to trade against. */
  NO_LIQUIDITY: 5,
  /** Rejected or stopped by the price band. */
  PRICE_BAND: 6,
  /** A DAY order at the session close. */
  EXPIRED: 7,
  MARKET_CLOSED: 8,
  ORDER_INVALID: 9,
  DUPLICATE_ID: 10,
  UNKNOWN_ORDER: 11,
  /** A replace kept time priority (same price, smaller size). */
  KEPT_PRIORITY: 12,
  /** A replace lost time priority (price change or size increase). */
  LOST_PRIORITY: 13
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

/** The `TRD_ERR_*` code of a reject reason (null for reasons that are not rejects). */
export function rejectCodeOf(r: Reason): ErrorCode | null {
  switch (r) {
    case Reason.PRICE_BAND:
      return ErrorCode.PRICE_BAND;
    case Reason.MARKET_CLOSED:
      return ErrorCode.MARKET_CLOSED;
    case Reason.ORDER_INVALID:
      return ErrorCode.ORDER_INVALID;
    case Reason.DUPLICATE_ID:
      return ErrorCode.DUPLICATE_ORDER_ID;
    case Reason.UNKNOWN_ORDER:
      return ErrorCode.UNKNOWN_ORDER;
    default:
      return null;
  }
}

/** A fresh {@link OrderResult}: resting, nothing filled, no reason. */
export function orderResult(): OrderResult {
  return {
    outcome: Outcome.RESTING,
    filledQty: 0,
    leavesQty: 0,
    cancelledQty: 0,
    reason: Reason.NONE,
    rejectCode: null
  };
}

/** The result of one submit / replace / cancel, reused by the engine between calls (copy what you keep). */
export interface OrderResult {
  outcome: Outcome;
  /** Quantity filled by this call. */
  filledQty: number;
  /** Quantity left resting (or pending, or held) after this call. */
  leavesQty: number;
  /** Quantity cancelled by this call. */
  cancelledQty: number;
  /** Cancel or reject reason, or priority info for a replace. */
  reason: Reason;
  /** The `TRD_ERR_*` code when REJECTED, else null. */
  rejectCode: ErrorCode | null;
}

import type { ExecutionReport } from '../../messages/execution-report.ts';
import type { Side } from '../../messages/primitives.ts';
import type { OrdStatus } from './app-messages.ts';

/**
 * What the execution reports have said about one order, on either end of a FIX session: the venue answers an
 * OrderStatusRequest from it, the client compares the venue's answer with it.
 */
export interface ReportedOrder {
  readonly clientOrderId: string;
  readonly instrumentId: string;
  readonly side: Side;
  venueOrderId: string | undefined;
  /** `pending` until the first report. */
  status: OrdStatus | 'pending';
  cumQty: number;
  leavesQty: number;
  /** Σ lastPx·lastQty of the fills (ticks·lots). */
  notional: number;
  /** The latest report that stated the order's state (cancel and replace rejects do not). */
  last: ExecutionReport | undefined;
}

/** A new order nothing has been reported about yet. */
export function reportedOrder(
  clientOrderId: string,
  instrumentId: string,
  side: Side,
  leavesQty: number
): ReportedOrder {
  return {
    clientOrderId,
    instrumentId,
    side,
    venueOrderId: undefined,
    status: 'pending',
    cumQty: 0,
    leavesQty,
    notional: 0,
    last: undefined
  };
}

/** Filled, canceled, expired or rejected: nothing more will happen to it. */
export function isFinal(o: ReportedOrder): boolean {
  return (
    o.status === 'filled' || o.status === 'canceled' || o.status === 'expired' || o.status === 'rejected'
  );
}

/** Average fill price in (fractional) ticks; 0 before the first fill. */
export function averagePx(o: ReportedOrder): number {
  return o.cumQty > 0 ? o.notional / o.cumQty : 0;
}

const STATUS_AFTER: Partial<Record<ExecutionReport['execType'], OrdStatus>> = {
  canceled: 'canceled',
  expired: 'expired',
  rejected: 'rejected'
};

/**
 * Apply report `r` to the order it is about in `orders` and return that order (undefined when `orders` has none).
 * A `replaced` report moves the order to its new client order id (the old id stays, canceled, for late answers
 * to it). A fill adds to the notional only when it raises the filled quantity, so a resent fill (PossDup) adds
 * nothing. Cancel and replace rejects change nothing.
 */
export function applyReport<T extends ReportedOrder>(
  orders: Map<string, T>,
  r: ExecutionReport
): T | undefined {
  let o = orders.get(r.clientOrderId);
  if (r.execType === 'cancel_rejected' || r.execType === 'replace_rejected') return o;
  if (!o && r.execType === 'replaced' && r.origClientOrderId !== undefined) {
    const prev = orders.get(r.origClientOrderId);
    if (prev) {
      o = { ...prev, clientOrderId: r.clientOrderId };
      orders.set(r.clientOrderId, o);
      prev.status = 'canceled';
      prev.leavesQty = 0;
    }
  }
  if (!o) return undefined;
  if (r.execType === 'fill' && r.cumQty > o.cumQty) o.notional += r.lastPx * r.lastQty;
  o.cumQty = r.cumQty;
  o.leavesQty = r.leavesQty;
  if (r.venueOrderId !== undefined) o.venueOrderId = r.venueOrderId;
  o.last = r;
  o.status =
    STATUS_AFTER[r.execType] ?? (r.leavesQty === 0 ? 'filled' : o.cumQty > 0 ? 'partially_filled' : 'new');
  return o;
}

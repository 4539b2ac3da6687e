import { ORDER_DONE_STATES, type OrderEvent, type OrderStatus } from '../messages/order-events.ts';

export { ORDER_DONE_STATES };

/**
 * One working order: instrument, signed leaves (buy positive), lots filled, its limit price, whether a
 * cancel/replace is pending.
 */
export interface WorkingOrder {
  readonly instrumentId: string;
  readonly leaves: number;
  /** Lots filled so far (its quantity is `filled + |leaves|`). */
  readonly filled: number;
  readonly limitPx?: number;
  /**
   * The limit a replace in flight asks for: set when the strategy asks, kept while the order is
   * `PENDING_REPLACE`, gone with the venue's answer (the replacement, or a refusal).
   */
  readonly replacingPx?: number;
  /** The order's status as of its last event (none yet: requested, not yet submitted). */
  readonly status?: OrderStatus;
}

/** Working orders by client order id, in the order they were first seen. */
export type WorkingOrders = Readonly<Record<string, WorkingOrder>>;

/** Signed quantity: buys positive, sells negative. */
export const signedQty = (side: 'buy' | 'sell', qty: number): number => (side === 'buy' ? qty : -qty);

/**
 * Apply an order event to a working-orders map (returns a new map; the input is not changed). The order keeps its
 * place; a replaced order's entry goes, its replacement joins at the end. Built key by key rather than spread and
 * `delete`d, which would turn every map the OMS holds into a slow dictionary-mode object.
 */
export function applyOrderEventToWorking(open: WorkingOrders, e: OrderEvent): WorkingOrders {
  const id = e.clientOrderId;
  const replacingPx = e.to === 'PENDING_REPLACE' ? open[id]?.replacingPx : undefined;
  const working = ORDER_DONE_STATES.has(e.to)
    ? undefined
    : {
        instrumentId: e.instrumentId,
        leaves: signedQty(e.side, e.leavesQty),
        filled: e.filledQty,
        ...(e.limitPx !== undefined ? { limitPx: e.limitPx } : {}),
        ...(replacingPx !== undefined ? { replacingPx } : {}),
        status: e.to
      };
  const next: Record<string, WorkingOrder> = {};
  let placed = false;
  for (const k in open) {
    if (k === e.origClientOrderId) continue;
    if (k !== id) next[k] = open[k]!;
    else if (working !== undefined) {
      next[k] = working;
      placed = true;
    }
  }
  if (working !== undefined && !placed) next[id] = working;
  return next;
}

/** Σ signed leaves of the working orders on one instrument. */
export function workingQtyOf(open: WorkingOrders, instrumentId: string): number {
  let w = 0;
  for (const k in open) {
    const o = open[k]!;
    if (o.instrumentId === instrumentId) w += o.leaves;
  }
  return w;
}

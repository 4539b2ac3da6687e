import type { OrderEvent } from '../messages/order-events.ts';

/** Working orders by client order id: instrument and signed leaves quantity (buy positive). */
export type WorkingOrders = Readonly<
  Record<string, { readonly instrumentId: string; readonly leaves: number }>
>;

/** Order states after which an order is no longer working. */
export const ORDER_DONE_STATES: ReadonlySet<string> = new Set([
  'FILLED',
  'CANCELED',
  'EXPIRED',
  'REJECTED',
  'CLOSED'
]);

/** Signed quantity: buys positive, sells negative. */
export const signedQty = (side: 'buy' | 'sell', qty: number): number => (side === 'buy' ? qty : -qty);

/** Apply an order event to a working-orders map (returns a new map; the input is not changed). */
export function applyOrderEventToWorking(open: WorkingOrders, e: OrderEvent): WorkingOrders {
  const next = { ...open };
  if (e.origClientOrderId !== undefined) delete next[e.origClientOrderId];
  if (ORDER_DONE_STATES.has(e.to)) delete next[e.clientOrderId];
  else next[e.clientOrderId] = { instrumentId: e.instrumentId, leaves: signedQty(e.side, e.leavesQty) };
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

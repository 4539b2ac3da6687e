/**
 * An `order.submitted` event in its JSON form, as events.jsonl holds it (a market buy of 1 by strategy `s`;
 * `tsEvent` ns as a decimal string, so a test can give one out of range).
 */
export function submittedJson(o: {
  readonly instrumentId: string;
  readonly clientOrderId?: string;
  readonly tsEvent?: string;
}): Record<string, unknown> {
  return {
    type: 'order.submitted',
    clientOrderId: o.clientOrderId ?? 'o1',
    strategyId: 's',
    instrumentId: o.instrumentId,
    side: 'buy',
    orderType: 'market',
    qty: 1,
    filledQty: 0,
    leavesQty: 1,
    notionalTicks: 0,
    commission: '0',
    from: 'NEW',
    to: 'PENDING_NEW',
    cause: 'order.submit',
    actor: 'strategy',
    why: 'signal',
    tsEvent: o.tsEvent ?? '1'
  };
}

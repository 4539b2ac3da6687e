import { BookSide } from '../../src/book/side.ts';
import { ExecKind } from '../../src/matching/exec-events.ts';
import type { MatchingEngine } from '../../src/matching/matching-engine.ts';
import { type OrderRequest, OrderType, StpMode, TimeInForce } from '../../src/matching/order-types.ts';

export const { BID, ASK } = BookSide;
/** 10:00 in nanoseconds within the day. */
export const T = 36_000e9;

export function limit(
  id: number,
  side: BookSide,
  price: number,
  qty: number,
  more: Partial<OrderRequest> = {}
): OrderRequest {
  return {
    id,
    side,
    type: OrderType.LIMIT,
    tif: TimeInForce.GTC,
    qty,
    price,
    stopPrice: 0,
    owner: 0,
    stp: StpMode.NONE,
    ...more
  };
}

export function market(
  id: number,
  side: BookSide,
  qty: number,
  more: Partial<OrderRequest> = {}
): OrderRequest {
  return limit(id, side, 0, qty, { type: OrderType.MARKET, tif: TimeInForce.IOC, ...more });
}

const KIND = Object.fromEntries(Object.entries(ExecKind).map(([k, v]) => [v, k]));

/** The engine's last events as compact strings, e.g. `TRADE 9x1 @101 q3 leaves 2/0`. */
export function ev(e: MatchingEngine): string[] {
  const out: string[] = [];
  const x = e.events;
  for (let i = 0; i < x.count; i++) {
    const k = KIND[x.kindAt(i)];
    if (x.kindAt(i) === ExecKind.TRADE) {
      out.push(
        `TRADE ${x.orderIdAt(i)}x${x.otherIdAt(i)} @${x.priceAt(i)} q${x.qtyAt(i)} leaves ${x.leavesAt(i)}/${x.otherLeavesAt(i)}`
      );
    } else out.push(`${k} ${x.orderIdAt(i)} q${x.qtyAt(i)} r${x.reasonAt(i)}`);
  }
  return out;
}

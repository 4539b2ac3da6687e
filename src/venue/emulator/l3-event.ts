import type { LobsterMessages } from '../../book/lobster.codec.ts';
import type { Nanos } from '../../core/nanos.ts';
import type { BookDelta } from '../../messages/market-data.ts';

/**
 * One order-level market event, as recorded by the venue (LOBSTER's message kinds):
 * - add: a new resting order `orderId` of `sz` at `px`;
 * - cancel: `sz` lots of `orderId` cancelled (partial);
 * - delete: `orderId` removed entirely;
 * - execute: `sz` lots of resting order `orderId` (on `side`) executed at `px` by an aggressor;
 * - modify: `orderId` now has `sz` lots at `px` (a pure size decrease keeps its queue place; anything else
 *   re-queues it at the back of `px`);
 * - hidden: an execution against hidden liquidity (visible book unchanged; updates the last price).
 */
export interface L3Event {
  readonly instrumentId: string;
  readonly ts: Nanos;
  readonly action: 'add' | 'cancel' | 'delete' | 'execute' | 'modify' | 'hidden';
  /** Side of the resting order the event is about. */
  readonly side: 'buy' | 'sell';
  readonly px: number;
  readonly sz: number;
  /** The market's order id: a non-negative safe integer. */
  readonly orderId: number;
}

/**
 * LOBSTER message `i` as an {@link L3Event} (`dayStart` = the trading day's midnight in epoch ns; prices stay
 * in LOBSTER units, i.e. the instrument's tick must be $0.0001). Types 6 (cross) and 7 (halt) have no
 * book effect: `undefined`.
 */
export function l3EventFromLobster(
  instrumentId: string,
  msgs: LobsterMessages,
  i: number,
  dayStart: Nanos
): L3Event | undefined {
  const t = msgs.type[i]!;
  const action =
    t === 1
      ? 'add'
      : t === 2
        ? 'cancel'
        : t === 3
          ? 'delete'
          : t === 4
            ? 'execute'
            : t === 5
              ? 'hidden'
              : undefined;
  if (action === undefined) return undefined;
  return {
    instrumentId,
    ts: dayStart + BigInt(msgs.timeNs[i]!),
    action,
    side: msgs.direction[i] === 1 ? 'buy' : 'sell',
    px: msgs.price[i]!,
    sz: msgs.size[i]!,
    orderId: msgs.orderId[i]!
  };
}

/**
 * A canonical L3 {@link BookDelta} (it must carry a numeric `orderId`) as an {@link L3Event}, action for
 * action (`sz` of a modify is the order's new size). `clear` and L2 deltas (no orderId) give `undefined`.
 */
export function l3EventFromDelta(d: BookDelta): L3Event | undefined {
  if (d.orderId === undefined || d.action === 'clear' || !/^\d{1,15}$/.test(d.orderId)) return undefined;
  return {
    instrumentId: d.instrumentId,
    ts: d.tsEvent,
    action: d.action,
    side: d.side,
    px: d.px,
    sz: d.sz,
    orderId: Number(d.orderId)
  };
}

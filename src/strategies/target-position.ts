import type { OrderIntent, StrategyView } from './strategy.ts';

/**
 * The market order (time in force `day`) that moves `instrumentId` to `target` lots, counting what is held
 * and what is still working, or none when it is already there. Every built-in strategy trades this way:
 * it decides a target position, never an order.
 */
export function orderToTarget(
  instrumentId: string,
  target: number,
  view: StrategyView,
  reason: string
): OrderIntent | undefined {
  const delta = target - (view.position(instrumentId) + view.workingQty(instrumentId));
  if (delta === 0) return undefined;
  return {
    instrumentId,
    side: delta > 0 ? 'buy' : 'sell',
    qty: Math.abs(delta),
    orderType: 'market',
    tif: 'day',
    reason
  };
}

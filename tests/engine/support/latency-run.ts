import { barsFromArray } from '../../../src/data/bar-source.ts';
import { type BacktestResult, runBacktest } from '../../../src/engine/backtest.ts';
import type { Bar } from '../../../src/messages/market-data.ts';
import type { OrderEvent } from '../../../src/messages/order-events.ts';
import type { Strategy, StrategyAction } from '../../../src/strategies/strategy.ts';
import { smallConfig } from '../../support/run-config.ts';

/**
 * A strategy that bids 5 at 99 (a buy limit) on `instrumentId` at the close of its `bidAt`-th bar and cancels it at
 * the close of its `pullAt`-th bar (only that instrument's bars count); `events` collects its order events.
 */
export function bidThenPull(
  instrumentId: string,
  bidAt: number,
  pullAt: number
): { readonly strategy: Strategy; readonly events: OrderEvent[] } {
  const events: OrderEvent[] = [];
  let n = 0;
  const strategy: Strategy = {
    id: 'cx',
    onBar(b): readonly StrategyAction[] {
      if (b.instrumentId !== instrumentId) return [];
      n++;
      if (n === bidAt)
        return [
          { instrumentId, side: 'buy', qty: 5, orderType: 'limit', limitPx: 99, tif: 'gtc', reason: 'bid' }
        ];
      if (n === pullAt) return [{ kind: 'cancel', clientOrderId: events[0]!.clientOrderId, reason: 'pull' }];
      return [];
    },
    onOrderEvent(e: OrderEvent): readonly StrategyAction[] {
      events.push(e);
      return [];
    },
    snapshot: () => ({ n })
  };
  return { strategy, events };
}

/** Backtest `strategy` on `bars` of synthetic `symbols` with 1 ms each way of latency and no slippage. */
export function runWithLatency(
  strategy: Strategy,
  bars: readonly Bar[],
  symbols: readonly string[]
): Promise<BacktestResult> {
  return runBacktest({
    config: smallConfig({
      data: { kind: 'synthetic', symbols, start: '2024-03-04', sessions: 1 },
      execution: { slippage: { bps: 0 }, latency: { networkMs: 1, ackMs: 1, fillMs: 1 } }
    }),
    configFile: 't.yaml',
    strategy,
    bars: barsFromArray(bars)
  });
}

/** A bar of `instrumentId` from `tsOpen` to `tsEvent` at one price `px`, volume 1,000. */
export function flatBar(instrumentId: string, tsOpen: bigint, tsEvent: bigint, px: number): Bar {
  return {
    type: 'market.bar',
    instrumentId,
    tsOpen,
    tsEvent,
    tsInit: tsEvent,
    open: px,
    high: px,
    low: px,
    close: px,
    volume: 1000
  };
}

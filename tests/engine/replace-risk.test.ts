import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import type { Strategy, StrategyAction, StrategyView } from '../../src/strategies/strategy.ts';
import { smallConfig } from '../support/run-config.ts';

const A = 'AAA@SIM';

/** Rests a 5-lot buy far below the market; on the first bar after its ack, does `then` with its id. */
function restThen(then: (px: number, id: string) => StrategyAction[]): Strategy {
  let acked = false;
  let done = false;
  return {
    id: 'q',
    onBar(bar: Bar, view: StrategyView): readonly StrategyAction[] {
      if (bar.instrumentId !== A) return [];
      const px = Math.floor(bar.close / 2);
      const o = view.openOrders(A)[0];
      if (o === undefined && !acked)
        return [
          {
            instrumentId: A,
            side: 'buy',
            qty: 5,
            orderType: 'limit',
            limitPx: px,
            tif: 'gtc',
            reason: 'rest'
          }
        ];
      if (!acked || done || o === undefined) return [];
      done = true;
      return then(px, o.clientOrderId);
    },
    onOrderEvent(e: OrderEvent): readonly StrategyAction[] {
      if (e.type === 'order.accepted') acked = true;
      return [];
    },
    snapshot: () => ({})
  };
}

/** Risk verdicts as `<type>:<client order id>`. */
async function verdicts(strategy: Strategy): Promise<string[]> {
  const r = await runBacktest({
    config: smallConfig({ risk: { maxPosition: 50 } }),
    configFile: 't.yaml',
    strategy
  });
  return (r.log as MemoryEventLog).records
    .filter((x: LogRecord) => x.type === 'risk.passed' || x.type === 'risk.failed')
    .map((x: LogRecord) => `${x.type}:${x.ids.clientOrderId}`);
}

describe('pre-trade risk with a cancel-replace in flight (backtest, maxPosition 50)', () => {
  it('an order sent while a replace to a larger size is in flight is checked against the larger size', async () => {
    const buy45 = (px: number): StrategyAction => ({
      instrumentId: A,
      side: 'buy',
      qty: 45,
      orderType: 'limit',
      limitPx: px,
      tif: 'gtc',
      reason: 'more'
    });
    // the resting 5 go to 50 (passes: 50 ≤ 50), then 45 more: 95 would be working
    expect(
      await verdicts(
        restThen((px, id) => [{ kind: 'replace', clientOrderId: id, qty: 50, reason: 'bigger' }, buy45(px)])
      )
    ).toEqual(['risk.passed:q-1', 'risk.passed:q-2', 'risk.failed:q-3']);
    // without the replace, 5 + 45 fit
    expect(await verdicts(restThen((px) => [buy45(px)]))).toEqual(['risk.passed:q-1', 'risk.passed:q-2']);
  });
});

import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import type { Strategy, StrategyAction, StrategyView } from '../../src/strategies/strategy.ts';
import { smallConfig } from '../support/run-config.ts';

const A = 'AAA@SIM';

/**
 * Rests a 5-lot buy far below the market; on the first bar after its ack, does `then` with its id (and the bar's
 * close). `early` goes out with the buy, while it is not yet acknowledged.
 */
function restThen(
  then: (px: number, id: string, close: number) => StrategyAction[],
  early: (id: string) => StrategyAction[] = () => []
): Strategy {
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
          },
          ...early('q-1')
        ];
      if (!acked || done || o === undefined) return [];
      done = true;
      return then(px, o.clientOrderId, bar.close);
    },
    onOrderEvent(e: OrderEvent): readonly StrategyAction[] {
      if (e.type === 'order.accepted') acked = true;
      return [];
    },
    snapshot: () => ({})
  };
}

/** Risk verdicts as `<type>:<client order id>` (`:<validator>` for a failed one). */
async function verdicts(strategy: Strategy, maxPosition = 50): Promise<string[]> {
  const r = await runBacktest({
    config: smallConfig({ risk: { maxPosition } }),
    configFile: 't.yaml',
    strategy
  });
  return (r.log as MemoryEventLog).records
    .filter((x: LogRecord) => x.type === 'risk.passed' || x.type === 'risk.failed')
    .map(
      (x: LogRecord) =>
        `${x.type}:${x.ids.clientOrderId}${x.type === 'risk.failed' ? `:${(x.payload as { validator: string }).validator}` : ''}`
    );
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
    ).toEqual(['risk.passed:q-1', 'risk.passed:q-2', 'risk.failed:q-3:maxPosition']);
    // without the replace, 5 + 45 fit
    expect(await verdicts(restThen((px) => [buy45(px)]))).toEqual(['risk.passed:q-1', 'risk.passed:q-2']);
  });
  const buy = (px: number, qty: number): StrategyAction => ({
    instrumentId: A,
    side: 'buy',
    qty,
    orderType: 'limit',
    limitPx: px,
    tif: 'gtc',
    reason: 'more'
  });

  it('a second replace the order refuses (a replace in flight) leaves the first counted (maxPosition 100)', async () => {
    // 5 → 50 taken; → 10 refused by the order (PENDING_REPLACE); the venue may still apply the 50: 50 + 85 > 100
    expect(
      await verdicts(
        restThen((px, id) => [
          { kind: 'replace', clientOrderId: id, qty: 50, reason: 'bigger' },
          { kind: 'replace', clientOrderId: id, qty: 10, reason: 'smaller' },
          buy(px, 85)
        ]),
        100
      )
    ).toEqual(['risk.passed:q-1', 'risk.passed:q-2', 'risk.passed:q-3', 'risk.failed:q-4:maxPosition']);
  });

  it('a replace the order refuses (not yet acknowledged) does not count: 5 + 45 fit', async () => {
    expect(
      await verdicts(
        restThen(
          (px) => [buy(px, 45)],
          (id) => [{ kind: 'replace', clientOrderId: id, qty: 50, reason: 'early' }]
        )
      )
    ).toEqual(['risk.passed:q-1', 'risk.passed:q-2', 'risk.passed:q-3']);
  });

  it('self-trade: a sell is checked against the price a replace of the own buy is moving to', async () => {
    const sell = (px: number): StrategyAction => ({
      instrumentId: A,
      side: 'sell',
      qty: 5,
      orderType: 'limit',
      limitPx: px,
      tif: 'gtc',
      reason: 'ask'
    });
    // the buy goes up to twice the close (price only), then a sell just below it: it would cross once the replace lands
    expect(
      await verdicts(
        restThen((_px, id, close) => [
          { kind: 'replace', clientOrderId: id, limitPx: 2 * close, reason: 'up' },
          sell(2 * close - 1)
        ])
      )
    ).toEqual(['risk.passed:q-1', 'risk.passed:q-2', 'risk.failed:q-3:selfTrade']);
  });
});

import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import type {
  Strategy,
  StrategyAction,
  StrategyView,
  WorkingOrderView
} from '../../src/strategies/strategy.ts';
import { smallConfig } from '../support/run-config.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;
const A = 'AAA@SIM';

/**
 * Rests a 5-lot buy far below the market on its first AAA bar, then on later AAA bars (counted from the order's
 * acknowledgement) runs `script(k, order)`: a size decrease, a re-price, a cancel, or anything else.
 */
function quoter(
  script: (k: number, order: WorkingOrderView) => StrategyAction[]
): Strategy & { finalOrders: () => readonly WorkingOrderView[]; events: string[] } {
  let k = -1;
  let placed = false;
  let last: StrategyView | undefined;
  const events: string[] = [];
  return {
    id: 'quoter',
    events,
    finalOrders: () => last?.openOrders() ?? [],
    onBar(bar: Bar, view: StrategyView): readonly StrategyAction[] {
      last = view;
      if (bar.instrumentId !== A) return [];
      if (!placed) {
        placed = true;
        return [
          {
            instrumentId: A,
            side: 'buy',
            qty: 5,
            orderType: 'limit',
            limitPx: Math.floor(bar.close / 2),
            tif: 'gtc',
            reason: 'rest'
          }
        ];
      }
      const order = view.openOrders(A)[0];
      if (k < 0 || order === undefined) return [];
      return script(++k, order);
    },
    onOrderEvent(e: OrderEvent): readonly StrategyAction[] {
      events.push(`${e.type}:${e.clientOrderId}`);
      if (e.type === 'order.accepted' && k < 0) k = 0;
      return [];
    },
    snapshot: () => ({ k })
  };
}

/** Backtest the quoter with `script` on the small synthetic config (with `risk` limits); its log records. */
async function run(script: Parameters<typeof quoter>[0], risk?: Record<string, unknown>) {
  const s = quoter(script);
  const config = smallConfig(risk ? { risk } : {});
  const r = await runBacktest({ config, configFile: 't.yaml', strategy: s });
  return { s, r, recs: records(r.log) };
}

const types = (recs: LogRecord[], ...want: string[]): string[] =>
  recs.filter((r) => want.includes(r.type)).map((r) => `${r.type}:${r.ids.clientOrderId}`);

describe('strategies cancel and replace their own orders through risk, the OMS and the emulator', () => {
  it('a size decrease, a re-price and a cancel, each audited and answered by the venue', async () => {
    const { s, r, recs } = await run((k, o) => {
      const id = o.clientOrderId;
      if (k === 1) return [{ kind: 'replace', clientOrderId: id, qty: 3, reason: 'smaller' }];
      if (k === 3)
        return [{ kind: 'replace', clientOrderId: id, limitPx: (o.limitPx ?? 0) + 1, reason: 'improve' }];
      if (k === 5) return [{ kind: 'cancel', clientOrderId: id, reason: 'done' }];
      return [];
    });
    expect(
      types(recs, 'order.submit', 'order.replace', 'order.cancel', 'order.replaced', 'order.canceled')
    ).toEqual([
      'order.submit:quoter-1',
      'order.replace:quoter-1',
      'order.replaced:quoter-2',
      'order.replace:quoter-2',
      'order.replaced:quoter-3',
      'order.cancel:quoter-3',
      'order.canceled:quoter-3'
    ]);
    const replaced = recs.filter((x) => x.type === 'order.replaced').map((x) => x.payload as OrderEvent);
    expect(replaced.map((e) => [e.origClientOrderId, e.qty, e.leavesQty])).toEqual([
      ['quoter-1', 3, 3],
      ['quoter-2', 3, 3]
    ]);
    expect(replaced[1]!.limitPx).toBe(replaced[0]!.limitPx! + 1);
    // the re-price passed risk as the order it would become; the size decrease, which only lowers exposure, is
    // not checked (like a cancel)
    expect(types(recs, 'risk.passed', 'risk.failed')).toEqual([
      'risk.passed:quoter-1',
      'risk.passed:quoter-3'
    ]);
    expect(recs.filter((x) => x.type.endsWith('refused'))).toEqual([]);
    // the strategy was shown every event of its order and ends with nothing working
    expect(s.events).toContain('order.canceled:quoter-3');
    expect(s.finalOrders()).toEqual([]);
    expect(r).toMatchObject({ orders: 1, rejected: 0, fills: 0 });
  });

  it('a replace that breaks a risk limit is denied, logged and shown to the strategy; the order stays as it was', async () => {
    const { s, r, recs } = await run(
      (k, o) =>
        k === 1 ? [{ kind: 'replace', clientOrderId: o.clientOrderId, qty: 50, reason: 'too big' }] : [],
      { maxOrderQty: 10 }
    );
    expect(types(recs, 'risk.passed', 'risk.failed')).toEqual([
      'risk.passed:quoter-1',
      'risk.failed:quoter-2'
    ]);
    expect(types(recs, 'order.pending_replace', 'order.replaced')).toEqual([]);
    // the order itself records the denial (under its own id), and the strategy sees it
    const denied = recs.filter((x) => x.type === 'order.replace_denied');
    expect(denied.map((x) => x.payload)).toMatchObject([
      {
        clientOrderId: 'quoter-1',
        from: 'ACKNOWLEDGED',
        to: 'ACKNOWLEDGED',
        actor: 'system',
        why: 'risk',
        qty: 5
      }
    ]);
    expect((denied[0]!.payload as OrderEvent).reason).toMatch(/^maxOrderQty: /);
    expect(s.events).toContain('order.replace_denied:quoter-1');
    expect(s.finalOrders().map((o) => [o.clientOrderId, o.leaves])).toEqual([['quoter-1', 5]]);
    expect(r.rejected).toBe(1);
  });

  it('a size decrease goes through a throttle that denies a re-price', async () => {
    // one order per 10,000 s: the submit spends it
    const { recs } = await run(
      (k, o) =>
        k === 1
          ? [{ kind: 'replace', clientOrderId: o.clientOrderId, qty: 3, reason: 'smaller' }]
          : k === 3
            ? [
                {
                  kind: 'replace',
                  clientOrderId: o.clientOrderId,
                  limitPx: (o.limitPx ?? 0) + 1,
                  reason: 'up'
                }
              ]
            : [],
      { throttle: { perStrategyPerSec: 0.0001, burst: 1 } }
    );
    expect(types(recs, 'risk.passed', 'risk.failed')).toEqual([
      'risk.passed:quoter-1',
      'risk.failed:quoter-3'
    ]);
    expect(types(recs, 'order.replaced', 'order.replace_denied')).toEqual([
      'order.replaced:quoter-2',
      'order.replace_denied:quoter-2'
    ]);
  });

  it('risk sees a re-price as the order it becomes, not as a second order on top of the first', async () => {
    // a 5-lot buy under a 5-lot position limit: counting the original and its replacement would be 10
    const { recs } = await run(
      (k, o) =>
        k === 1
          ? [{ kind: 'replace', clientOrderId: o.clientOrderId, limitPx: (o.limitPx ?? 0) + 1, reason: 'up' }]
          : [],
      { maxPosition: 5 }
    );
    expect(types(recs, 'risk.passed', 'risk.failed')).toEqual([
      'risk.passed:quoter-1',
      'risk.passed:quoter-2'
    ]);
    expect(types(recs, 'order.replaced')).toEqual(['order.replaced:quoter-2']);
  });

  it('a replace the order refuses itself (a size not above what has filled) never reaches the venue, and the strategy sees its order working again', async () => {
    const seen: string[] = [];
    const { s, recs } = await run((k, o) => {
      seen.push(`${k}:${o.clientOrderId}:${o.status}`);
      if (k === 1) return [{ kind: 'replace', clientOrderId: o.clientOrderId, qty: 0, reason: 'to nothing' }];
      if (k === 2) return [{ kind: 'cancel', clientOrderId: o.clientOrderId, reason: 'done' }];
      return [];
    });
    const refused = recs.filter((x) => x.type === 'order.refused');
    expect(refused.map((x) => x.payload)).toMatchObject([
      {
        clientOrderId: 'quoter-1',
        status: 'ACKNOWLEDGED',
        event: 'order.replace',
        code: 'TRD_ERR_INVALID_TRANSITION'
      }
    ]);
    expect(types(recs, 'order.pending_replace', 'order.replaced')).toEqual([]);
    // pending from the replace on (k 1), working again at the next bar (k 2): the runtime forwarded the refusal
    expect(seen.slice(0, 2)).toEqual(['1:quoter-1:ACKNOWLEDGED', '2:quoter-1:ACKNOWLEDGED']);
    expect(types(recs, 'order.cancel', 'order.canceled')).toEqual([
      'order.cancel:quoter-1',
      'order.canceled:quoter-1'
    ]);
    expect(s.finalOrders()).toEqual([]);
  });

  it('a strategy cannot cancel an order it does not own: refused and logged, nothing reaches the OMS', async () => {
    const { recs } = await run((k) =>
      k === 1 ? [{ kind: 'cancel', clientOrderId: 'someone-else-1', reason: 'x' }] : []
    );
    const refused = recs.filter((x) => x.type === 'strategy.intent_refused');
    expect(refused.map((x) => [x.ids.clientOrderId, (x.payload as { code: string }).code])).toEqual([
      ['someone-else-1', 'TRD_ERR_UNKNOWN_ORDER']
    ]);
    expect(types(recs, 'order.cancel')).toEqual([]);
  });
});

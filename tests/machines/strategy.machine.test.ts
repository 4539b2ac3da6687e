import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { createActor, fromEventObservable } from 'xstate';
import { NS_PER_MIN } from '../../src/core/nanos.ts';
import {
  type StrategyEmitted,
  type StrategyEvent,
  type StrategyInput,
  type StrategyIntentsDiscarded,
  type StrategyRequest,
  strategyMachine
} from '../../src/machines/strategy.machine.ts';
import type { Bar, Quote } from '../../src/messages/market-data.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import { joinOco, NO_CONTINGENCIES } from '../../src/oms/contingent-orders.ts';
import type {
  OrderIntent,
  Strategy,
  StrategyAction,
  StrategyView,
  WorkingOrderView
} from '../../src/strategies/strategy.ts';
import type { StrategyMarketData } from '../../src/streams/market-data.stream.ts';
import { orderEvent as anOrderEvent } from '../support/order-fixtures.ts';
import { probeStrategy } from '../support/probe-strategy.ts';

const X = 'X@SIM';
const Y = 'Y@SIM';
const T0 = 1_700_000_000_000_000_000n;

/** The `i`-th one-minute bar (closes at T0 + i minutes). */
function bar(i: number, instrumentId = X): Bar {
  return {
    type: 'market.bar',
    instrumentId,
    tsOpen: T0 + BigInt(i - 1) * NS_PER_MIN,
    tsEvent: T0 + BigInt(i) * NS_PER_MIN,
    tsInit: T0 + BigInt(i) * NS_PER_MIN + 5n,
    open: 100 + i,
    high: 110 + i,
    low: 90 + i,
    close: 105 + i,
    volume: 10 * i
  };
}

const intent = (side: 'buy' | 'sell', qty: number, instrumentId = X): OrderIntent => ({
  instrumentId,
  side,
  qty,
  orderType: 'market',
  tif: 'day',
  reason: `${side}-${qty}`
});

interface Seen {
  readonly tsEvent: bigint;
  readonly position: number;
  readonly working: number;
  readonly now: bigint;
}

/** A strategy that answers its `k`-th bar with `script[k]` and records the view it was shown. */
function scripted(id: string, script: readonly (readonly OrderIntent[])[] = []) {
  const seen: Seen[] = [];
  const strategy: Strategy = {
    id,
    onBar(b, view) {
      seen.push({
        tsEvent: b.tsEvent,
        position: view.position(b.instrumentId),
        working: view.workingQty(b.instrumentId),
        now: view.now()
      });
      return script[seen.length - 1] ?? [];
    },
    snapshot: () => ({ bars: seen.length })
  };
  return { strategy, seen };
}

function start(strategy: Strategy, over: Partial<StrategyInput> = {}) {
  const actor = createActor(strategyMachine, { input: { strategy, start: T0, ...over } });
  const emitted: StrategyRequest[] = [];
  const discarded: StrategyIntentsDiscarded[] = [];
  actor.on('*', (e) => {
    const x = e as StrategyEmitted;
    if (x.type === 'strategy.intents_discarded') discarded.push(x);
    else emitted.push(x);
  });
  actor.start();
  const send = (e: StrategyEvent) => actor.send(e);
  const ids = () => emitted.map((e) => e.clientOrderId);
  const ctx = () => actor.getSnapshot().context;
  return { actor, emitted, discarded, send, ids, ctx };
}

/** An order event for one of this strategy's orders (defaults: a buy acknowledged with 5 leaves). */
function orderEvent(over: Partial<OrderEvent>): OrderEvent {
  const base = {
    clientOrderId: 's-1',
    strategyId: 's',
    instrumentId: X,
    orderType: 'market',
    qty: 5
  } as const;
  return anOrderEvent({ ...base, limitPx: undefined, leavesQty: 5, tsEvent: T0, ...over });
}
const oe = (over: Partial<OrderEvent>): StrategyEvent => ({
  type: 'strategy.order_event',
  event: orderEvent(over)
});

describe('strategyMachine', () => {
  it('feeds bars from the invoked market-data stream to onBar with a view at the bar close', () => {
    const subject = new Subject<StrategyMarketData>();
    const { strategy, seen } = scripted('s', [[], [intent('buy', 2)]]);
    const machine = strategyMachine.provide({ actors: { marketData: fromEventObservable(() => subject) } });
    const actor = createActor(machine, { input: { strategy, start: T0 } });
    const emitted: StrategyEmitted[] = [];
    actor.on('*', (e) => void emitted.push(e as StrategyEmitted));
    actor.start();
    expect(actor.getSnapshot().context).toMatchObject({ now: T0, bars: 0, nextOrder: 0, prefix: 's' });

    subject.next(bar(1));
    expect(seen).toEqual([{ tsEvent: bar(1).tsEvent, position: 0, working: 0, now: bar(1).tsEvent }]);
    expect(emitted).toEqual([]);
    expect(actor.getSnapshot().context).toMatchObject({ now: bar(1).tsEvent, bars: 1 });

    subject.next(bar(2));
    expect(seen[1]).toEqual({ tsEvent: bar(2).tsEvent, position: 0, working: 0, now: bar(2).tsEvent });
    expect(emitted).toEqual([
      {
        type: 'strategy.order_requested',
        strategyId: 's',
        clientOrderId: 's-1',
        intent: intent('buy', 2),
        tsEvent: bar(2).tsEvent
      }
    ]);
    expect(actor.getSnapshot().context).toMatchObject({ now: bar(2).tsEvent, bars: 2, nextOrder: 1 });
    actor.stop();
  });

  it('numbers client order ids <strategy id>-<n> from 1, across bars', () => {
    const { strategy } = scripted('sma', [[intent('buy', 2), intent('sell', 1)], [], [intent('buy', 3)]]);
    const s = start(strategy);
    s.send(bar(1));
    expect(s.ids()).toEqual(['sma-1', 'sma-2']);
    s.send(bar(2));
    expect(s.ids()).toEqual(['sma-1', 'sma-2']);
    s.send(bar(3));
    expect(s.ids()).toEqual(['sma-1', 'sma-2', 'sma-3']);
    expect(s.emitted.map((e) => [e.strategyId, e.intent.reason, e.tsEvent])).toEqual([
      ['sma', 'buy-2', bar(1).tsEvent],
      ['sma', 'sell-1', bar(1).tsEvent],
      ['sma', 'buy-3', bar(3).tsEvent]
    ]);
    expect(s.ctx().nextOrder).toBe(3);
  });

  it('uses input.orderIdPrefix instead of the strategy id (the strategy id is still reported)', () => {
    const { strategy } = scripted('sma', [[intent('buy', 1)], [intent('sell', 1)]]);
    const s = start(strategy, { orderIdPrefix: 'sma-abc123' });
    s.send(bar(1));
    s.send(bar(2));
    expect(s.ids()).toEqual(['sma-abc123-1', 'sma-abc123-2']);
    expect(s.emitted.map((e) => e.strategyId)).toEqual(['sma', 'sma']);
  });

  it('works with the probe strategy: one order every `every` bars, alternating sides', () => {
    const s = start(probeStrategy(2));
    for (let i = 1; i <= 6; i++) s.send(bar(i));
    expect(s.emitted.map((e) => [e.clientOrderId, 'side' in e.intent && e.intent.side, e.tsEvent])).toEqual([
      ['probe-1', 'buy', bar(2).tsEvent],
      ['probe-2', 'sell', bar(4).tsEvent],
      ['probe-3', 'buy', bar(6).tsEvent]
    ]);
    expect(s.ctx().bars).toBe(6);
  });

  it('tracks working quantity from its intents, signed and per instrument', () => {
    const { strategy, seen } = scripted('s', [
      [intent('buy', 5), intent('sell', 1), intent('sell', 7, Y)],
      [],
      []
    ]);
    const s = start(strategy);
    s.send(bar(1));
    expect(s.ctx().open).toEqual({
      's-1': { instrumentId: X, leaves: 5, filled: 0 },
      's-2': { instrumentId: X, leaves: -1, filled: 0 },
      's-3': { instrumentId: Y, leaves: -7, filled: 0 }
    });
    s.send(bar(2));
    s.send(bar(3, Y));
    expect(seen.map((v) => [v.position, v.working])).toEqual([
      [0, 0],
      [0, 4],
      [0, -7]
    ]);
  });

  it('applies its order events: fills move the position by lastQty, terminal states drop the order', () => {
    const { strategy, seen } = scripted('s', [[intent('buy', 5), intent('sell', 1)]]);
    const s = start(strategy);
    s.send(bar(1));
    // acknowledged: nothing changes
    s.send(oe({ clientOrderId: 's-1' }));
    expect([s.ctx().positions, s.ctx().open['s-1']]).toEqual([
      {},
      { instrumentId: X, leaves: 5, filled: 0, status: 'ACKNOWLEDGED' }
    ]);
    // s-1 fills 3 of 5
    s.send(
      oe({
        type: 'order.filled',
        clientOrderId: 's-1',
        lastQty: 3,
        filledQty: 3,
        leavesQty: 2,
        from: 'ACKNOWLEDGED',
        to: 'PARTIAL_FILL'
      })
    );
    expect(s.ctx().positions).toEqual({ [X]: 3 });
    expect(s.ctx().open).toEqual({
      's-1': { instrumentId: X, leaves: 2, filled: 3, status: 'PARTIAL_FILL' },
      's-2': { instrumentId: X, leaves: -1, filled: 0 }
    });
    // and 1 more (cumulative 4): the position moves by lastQty, not by filledQty
    s.send(
      oe({
        type: 'order.filled',
        clientOrderId: 's-1',
        lastQty: 1,
        filledQty: 4,
        leavesQty: 1,
        from: 'PARTIAL_FILL',
        to: 'PARTIAL_FILL'
      })
    );
    expect(s.ctx().positions).toEqual({ [X]: 4 });
    expect(s.ctx().open).toEqual({
      's-1': { instrumentId: X, leaves: 1, filled: 4, status: 'PARTIAL_FILL' },
      's-2': { instrumentId: X, leaves: -1, filled: 0 }
    });
    // s-2 (a sell) fills completely
    s.send(
      oe({
        type: 'order.filled',
        clientOrderId: 's-2',
        side: 'sell',
        qty: 1,
        lastQty: 1,
        filledQty: 1,
        leavesQty: 0,
        to: 'FILLED'
      })
    );
    expect(s.ctx().positions).toEqual({ [X]: 3 });
    expect(s.ctx().open).toEqual({
      's-1': { instrumentId: X, leaves: 1, filled: 4, status: 'PARTIAL_FILL' }
    });
    // s-1 canceled: gone, the position stays
    s.send(oe({ type: 'order.canceled', clientOrderId: 's-1', leavesQty: 0, to: 'CANCELED' }));
    expect(s.ctx().open).toEqual({});
    expect(s.ctx().positions).toEqual({ [X]: 3 });
    // the strategy sees it on the next bar
    s.send(bar(2));
    expect(seen[1]).toEqual({ tsEvent: bar(2).tsEvent, position: 3, working: 0, now: bar(2).tsEvent });
  });

  it.each(['FILLED', 'CANCELED', 'EXPIRED', 'REJECTED', 'CLOSED'] as const)(
    'drops a working order that reaches %s',
    (to) => {
      const { strategy } = scripted('s', [[intent('sell', 4), intent('buy', 1)]]);
      const s = start(strategy);
      s.send(bar(1));
      s.send(oe({ type: 'order.rejected', clientOrderId: 's-1', side: 'sell', leavesQty: 0, to }));
      expect(s.ctx().open).toEqual({ 's-2': { instrumentId: X, leaves: 1, filled: 0 } });
      expect(s.ctx().positions).toEqual({});
    }
  );

  it('a replace moves the working quantity to the new client order id', () => {
    const { strategy } = scripted('s', [[intent('buy', 5)]]);
    const s = start(strategy);
    s.send(bar(1));
    s.send(
      oe({
        type: 'order.replaced',
        clientOrderId: 's-1.r1',
        origClientOrderId: 's-1',
        qty: 3,
        leavesQty: 3,
        from: 'PENDING_REPLACE',
        to: 'ACKNOWLEDGED'
      })
    );
    expect(s.ctx().open).toEqual({
      's-1.r1': { instrumentId: X, leaves: 3, filled: 0, status: 'ACKNOWLEDGED' }
    });
  });

  it('halted: bars still reach onBar but intents are discarded; resume continues the numbering', () => {
    const { strategy, seen } = scripted('s', [
      [intent('buy', 1)],
      [intent('buy', 2)],
      [intent('sell', 3)],
      [intent('buy', 4)]
    ]);
    const s = start(strategy);
    s.send(bar(1));
    expect(s.ids()).toEqual(['s-1']);

    s.send({ type: 'strategy.halt', reason: 'kill switch' });
    expect(s.actor.getSnapshot().value).toBe('halted');
    s.send(bar(2));
    s.send(bar(3));
    // what it wanted while halted is said (with the halt's reason), never acted on
    expect(s.discarded).toEqual([
      {
        type: 'strategy.intents_discarded',
        strategyId: 's',
        reason: 'kill switch',
        intents: [intent('buy', 2)],
        tsEvent: bar(2).tsEvent
      },
      {
        type: 'strategy.intents_discarded',
        strategyId: 's',
        reason: 'kill switch',
        intents: [intent('sell', 3)],
        tsEvent: bar(3).tsEvent
      }
    ]);
    expect(seen.map((v) => [v.tsEvent, v.working, v.now])).toEqual([
      [bar(1).tsEvent, 0, bar(1).tsEvent],
      [bar(2).tsEvent, 1, bar(2).tsEvent],
      [bar(3).tsEvent, 1, bar(3).tsEvent]
    ]);
    expect(s.ids()).toEqual(['s-1']);
    expect(s.ctx()).toMatchObject({ bars: 3, nextOrder: 1, now: bar(3).tsEvent });
    expect(s.ctx().open).toEqual({ 's-1': { instrumentId: X, leaves: 1, filled: 0 } });
    // a second halt changes nothing
    s.send({ type: 'strategy.halt', reason: 'again' });
    expect(s.actor.getSnapshot().value).toBe('halted');
    // order events are still applied while halted
    s.send(oe({ type: 'order.filled', lastQty: 1, filledQty: 1, leavesQty: 0, qty: 1, to: 'FILLED' }));
    expect([s.ctx().positions, s.ctx().open]).toEqual([{ [X]: 1 }, {}]);

    s.send({ type: 'strategy.resume' });
    expect(s.actor.getSnapshot().value).toBe('running');
    s.send(bar(4));
    expect(s.ids()).toEqual(['s-1', 's-2']);
    expect(s.emitted[1]!.intent).toEqual(intent('buy', 4));
    expect(s.ctx()).toMatchObject({ bars: 4, nextOrder: 2, haltReason: undefined });
    expect(s.discarded).toHaveLength(2);
  });

  it('resume while running changes nothing', () => {
    const { strategy } = scripted('s', [[intent('buy', 1)]]);
    const s = start(strategy);
    s.send({ type: 'strategy.resume' });
    expect(s.actor.getSnapshot().value).toBe('running');
    s.send(bar(1));
    expect(s.ids()).toEqual(['s-1']);
  });

  it('restore replaces positions and working orders and continues the numbering after `issued`', () => {
    const { strategy, seen } = scripted('s', [[intent('buy', 1)]]);
    const s = start(strategy, { orderIdPrefix: 's-sess1' });
    s.send({
      type: 'strategy.restore',
      positions: { [X]: 4 },
      open: { 's-sess1-7': { instrumentId: X, leaves: -2, filled: 0 } },
      issued: 7
    });
    expect(s.ctx()).toMatchObject({ nextOrder: 7, positions: { [X]: 4 } });
    s.send(bar(1));
    expect(seen[0]).toEqual({ tsEvent: bar(1).tsEvent, position: 4, working: -2, now: bar(1).tsEvent });
    expect(s.ids()).toEqual(['s-sess1-8']);
    expect(s.ctx().open).toEqual({
      's-sess1-7': { instrumentId: X, leaves: -2, filled: 0 },
      's-sess1-8': { instrumentId: X, leaves: 1, filled: 0 }
    });
  });

  it('restore replaces (does not merge) what it had, and never lowers the numbering', () => {
    const { strategy } = scripted('s', [
      [intent('buy', 2), intent('buy', 1), intent('sell', 1)],
      [intent('buy', 9)]
    ]);
    const s = start(strategy);
    s.send(bar(1));
    s.send(oe({ type: 'order.filled', lastQty: 2, filledQty: 2, leavesQty: 0, qty: 2, to: 'FILLED' }));
    expect(s.ctx()).toMatchObject({ nextOrder: 3, positions: { [X]: 2 } });
    s.send({ type: 'strategy.restore', positions: { [Y]: -1 }, open: {}, issued: 1 });
    expect(s.ctx()).toMatchObject({ nextOrder: 3, positions: { [Y]: -1 }, open: {} });
    s.send(bar(2));
    expect(s.ids()).toEqual(['s-1', 's-2', 's-3', 's-4']);
  });

  it('restore while halted stays halted and takes effect on resume', () => {
    const { strategy } = scripted('s', [[intent('buy', 1)], [intent('sell', 1)]]);
    const s = start(strategy);
    s.send({ type: 'strategy.halt', reason: 'ops' });
    s.send({ type: 'strategy.restore', positions: {}, open: {}, issued: 41 });
    expect(s.actor.getSnapshot().value).toBe('halted');
    s.send(bar(1));
    expect(s.ids()).toEqual([]);
    s.send({ type: 'strategy.resume' });
    s.send(bar(2));
    expect(s.ids()).toEqual(['s-42']);
  });
});

describe('strategyMachine: cancel, replace and order events', () => {
  const limit = (side: 'buy' | 'sell', qty: number, limitPx: number): OrderIntent => ({
    instrumentId: X,
    side,
    qty,
    orderType: 'limit',
    limitPx,
    tif: 'gtc',
    reason: 'quote'
  });

  /** Answers its k-th bar with `bars[k]` and each order event with `onEvent(event, view)`; records the views. */
  function actor(
    bars: readonly (readonly StrategyAction[])[],
    onEvent: (e: OrderEvent, view: StrategyView) => readonly StrategyAction[] = () => []
  ) {
    const views: WorkingOrderView[][] = [];
    let k = 0;
    const strategy: Strategy = {
      id: 's',
      onBar: (_b, view) => {
        views.push([...view.openOrders()]);
        return bars[k++] ?? [];
      },
      onOrderEvent: (e, view) => {
        views.push([...view.openOrders(X)]);
        return onEvent(e, view);
      },
      snapshot: () => ({})
    };
    return { ...start(strategy), views };
  }

  it('asks to cancel and to replace its own working orders; a replacement is numbered like a new order', () => {
    const s = actor([
      [limit('buy', 5, 100)],
      [{ kind: 'replace', clientOrderId: 's-1', limitPx: 101, reason: 'chase' }],
      [limit('sell', 2, 110)],
      [{ kind: 'cancel', clientOrderId: 's-3', reason: 'stale' }]
    ]);
    s.send(bar(1));
    s.send(oe({ clientOrderId: 's-1', orderType: 'limit', limitPx: 100 }));
    s.send(bar(2));
    s.send(bar(3));
    s.send(bar(4));
    expect(
      s.emitted.map((e) => [e.type, e.clientOrderId, 'newClientOrderId' in e ? e.newClientOrderId : ''])
    ).toEqual([
      ['strategy.order_requested', 's-1', ''],
      ['strategy.replace_requested', 's-1', 's-2'],
      ['strategy.order_requested', 's-3', ''],
      ['strategy.cancel_requested', 's-3', '']
    ]);
    const replace = s.emitted[1]!;
    expect(replace).toMatchObject({ strategyId: 's', instrumentId: X, tsEvent: bar(2).tsEvent });
    expect(s.ctx().nextOrder).toBe(3);
    // a request changes nothing the strategy sees until the order's own events say so
    expect(s.views[2]).toEqual([
      { clientOrderId: 's-1', instrumentId: X, side: 'buy', leaves: 5, limitPx: 100, status: 'ACKNOWLEDGED' }
    ]);
  });

  it('shows the new limit of its replace in flight until the answer: kept through pending, gone when refused or replaced', () => {
    const s = actor([
      [limit('buy', 5, 100)],
      [{ kind: 'replace', clientOrderId: 's-1', limitPx: 103, reason: 'chase' }]
    ]);
    const px = () => s.ctx().open['s-1']?.replacingPx;
    s.send(bar(1));
    s.send(oe({ clientOrderId: 's-1', orderType: 'limit', limitPx: 100 }));
    s.send(bar(2));
    expect(px()).toBe(103);
    const pending = { clientOrderId: 's-1', orderType: 'limit', limitPx: 100, from: 'ACKNOWLEDGED' } as const;
    s.send(oe({ ...pending, type: 'order.pending_replace', to: 'PENDING_REPLACE' }));
    expect(s.views.at(-1)).toEqual([
      expect.objectContaining({
        clientOrderId: 's-1',
        limitPx: 100,
        replacingPx: 103,
        status: 'PENDING_REPLACE'
      })
    ]);
    s.send(oe({ ...pending, type: 'order.replace_rejected', from: 'PENDING_REPLACE', to: 'ACKNOWLEDGED' }));
    expect(s.ctx().open['s-1']).toMatchObject({ limitPx: 100, status: 'ACKNOWLEDGED' });
    expect(px()).toBeUndefined();
    // refused by the order itself (never sent): gone as well
    s.ctx().strategy.onBar = () => [{ kind: 'replace', clientOrderId: 's-1', limitPx: 104, reason: 'chase' }];
    s.send(bar(3));
    expect(px()).toBe(104);
    s.send({ type: 'strategy.request_refused', clientOrderId: 's-1', status: 'ACKNOWLEDGED' });
    expect(px()).toBeUndefined();
  });

  it('refuses a cancel or replace of an order it does not have working, and issues no id for it', () => {
    const s = actor([
      [
        { kind: 'cancel', clientOrderId: 'other-7', reason: 'x' },
        { kind: 'replace', clientOrderId: 's-9', qty: 3, reason: 'y' }
      ],
      [limit('buy', 1, 99)]
    ]);
    s.send(bar(1));
    s.send(bar(2));
    expect(s.emitted.map((e) => [e.type, e.clientOrderId, 'code' in e ? e.code : ''])).toEqual([
      ['strategy.intent_refused', 'other-7', 'TRD_ERR_UNKNOWN_ORDER'],
      ['strategy.intent_refused', 's-9', 'TRD_ERR_UNKNOWN_ORDER'],
      ['strategy.order_requested', 's-1', '']
    ]);
  });

  it('openOrders shows side, leaves, limit and status, per instrument', () => {
    const s = actor([[limit('buy', 5, 100), { ...limit('sell', 3, 120), instrumentId: Y }], []]);
    s.send(bar(1));
    s.send(oe({ clientOrderId: 's-1', orderType: 'limit', limitPx: 100 }));
    s.send(
      oe({
        type: 'order.pending_cancel',
        clientOrderId: 's-1',
        orderType: 'limit',
        limitPx: 100,
        from: 'ACKNOWLEDGED',
        to: 'PENDING_CANCEL'
      })
    );
    s.send(bar(2));
    expect(s.views.at(-1)).toEqual([
      {
        clientOrderId: 's-1',
        instrumentId: X,
        side: 'buy',
        leaves: 5,
        limitPx: 100,
        status: 'PENDING_CANCEL'
      },
      { clientOrderId: 's-2', instrumentId: Y, side: 'sell', leaves: 3, limitPx: 120, status: 'NEW' }
    ]);
  });

  it('shows each order event to onOrderEvent after applying it, and acts on the answer (re-quote after a fill)', () => {
    const s = actor([[limit('buy', 2, 100)]], (e, view) =>
      e.type === 'order.filled' && view.position(X) > 0 ? [limit('sell', view.position(X), 105)] : []
    );
    s.send(bar(1));
    s.send(
      oe({
        type: 'order.filled',
        clientOrderId: 's-1',
        orderType: 'limit',
        limitPx: 100,
        qty: 2,
        lastQty: 2,
        lastPx: 100,
        filledQty: 2,
        leavesQty: 0,
        to: 'FILLED'
      })
    );
    // the view it was shown already had the fill applied: no working order left, position 2
    expect(s.views.at(-1)).toEqual([]);
    expect(s.emitted.map((e) => [e.type, e.clientOrderId, 'side' in e.intent ? e.intent.side : ''])).toEqual([
      ['strategy.order_requested', 's-1', 'buy'],
      ['strategy.order_requested', 's-2', 'sell']
    ]);
    expect(s.emitted[1]!.tsEvent).toBe(T0);
    expect(s.ctx().open['s-2']).toEqual({ instrumentId: X, leaves: -2, filled: 0, limitPx: 105 });
  });

  it('while halted, onOrderEvent still sees its orders but its answers are discarded', () => {
    const s = actor([[limit('buy', 2, 100)]], () => [limit('sell', 1, 105)]);
    s.send(bar(1));
    s.send({ type: 'strategy.halt', reason: 'kill switch' });
    s.send(oe({ clientOrderId: 's-1', orderType: 'limit', limitPx: 100 }));
    expect(s.views).toHaveLength(2);
    expect(s.ids()).toEqual(['s-1']);
    expect(s.discarded.map((d) => [d.reason, d.intents, d.tsEvent])).toEqual([
      ['kill switch', [limit('sell', 1, 105)], T0]
    ]);
    s.send({ type: 'strategy.resume' });
    s.send(
      oe({
        type: 'order.filled',
        clientOrderId: 's-1',
        lastQty: 1,
        filledQty: 1,
        leavesQty: 1,
        to: 'PARTIAL_FILL'
      })
    );
    expect(s.ids()).toEqual(['s-1', 's-2']);
  });
});

describe('strategyMachine: quotes', () => {
  const q = (bidPx: number, askPx: number, minute: number): Quote => ({
    type: 'market.quote',
    instrumentId: X,
    tsEvent: T0 + BigInt(minute) * NS_PER_MIN,
    tsInit: T0 + BigInt(minute) * NS_PER_MIN,
    bidPx,
    bidSz: 10,
    askPx,
    askSz: 10
  });

  it('shows quotes to onQuote at their time and acts on the answer; a bar-only strategy never sees them', () => {
    const seen: bigint[] = [];
    const quoting: Strategy = {
      id: 'q',
      onBar: () => [],
      onQuote: (quote, view) => {
        seen.push(view.now());
        return quote.askPx - quote.bidPx > 2
          ? [
              {
                instrumentId: X,
                side: 'buy',
                qty: 1,
                orderType: 'limit',
                limitPx: quote.bidPx + 1,
                tif: 'day',
                reason: 'improve'
              }
            ]
          : [];
      },
      snapshot: () => ({})
    };
    const s = start(quoting);
    s.send(q(100, 101, 1));
    s.send(q(100, 104, 2));
    expect(seen).toEqual([q(0, 0, 1).tsEvent, q(0, 0, 2).tsEvent]);
    expect(s.emitted).toMatchObject([
      {
        type: 'strategy.order_requested',
        clientOrderId: 'q-1',
        tsEvent: q(0, 0, 2).tsEvent,
        intent: { limitPx: 101 }
      }
    ]);
    expect(s.ctx().bars).toBe(0);

    const { strategy, seen: barViews } = scripted('b');
    const b = start(strategy);
    b.send(q(100, 104, 1));
    expect([barViews, b.emitted, b.ctx().now]).toEqual([[], [], q(0, 0, 1).tsEvent]);
  });
});

describe('strategyMachine: brackets and OCO groups', () => {
  /** Sends a valid bracket and an invalid one on its first bar; records what it sees of its own orders. */
  function bracketing(ocoMode?: 'cancel' | 'reduce') {
    const seen: string[][] = [];
    const strategy: Strategy = {
      id: 'b',
      onBar: (_bar, view) =>
        view.openOrders().length > 0
          ? []
          : [
              {
                kind: 'bracket',
                entry: { instrumentId: X, side: 'buy', qty: 5, orderType: 'market', tif: 'day' },
                stopLossPx: 90,
                takeProfitPx: 120,
                ...(ocoMode !== undefined ? { ocoMode } : {}),
                reason: 'go'
              },
              { kind: 'bracket', entry: intent('buy', 1), stopLossPx: 120, takeProfitPx: 90, reason: 'bad' }
            ],
      onOrderEvent: (_e, view) => {
        seen.push(view.openOrders().map((o) => o.clientOrderId));
        return [];
      },
      snapshot: () => ({})
    };
    return { strategy, seen };
  }
  const ev = (id: string, over: Partial<OrderEvent>): StrategyEvent =>
    oe({ clientOrderId: id, strategyId: 'b', ...over });
  const exitEvent = (id: string, over: Partial<OrderEvent>) =>
    ev(id, { side: 'sell', orderType: id === 'b-2' ? 'stop' : 'limit', ...over });

  /** Exit `id` (5 lots) filled `lastQty`, `filledQty` in all, now in `to`. */
  const exitFill = (id: string, lastQty: number, filledQty: number, to: OrderEvent['to'] = 'PARTIAL_FILL') =>
    exitEvent(id, { type: 'order.filled', qty: 5, lastQty, filledQty, leavesQty: 5 - filledQty, to });

  /** Bar 1, then the entry filling in full: returns the actor with both exits requested. */
  function entered(venueOco: boolean, ocoMode?: 'cancel' | 'reduce') {
    const { strategy, seen } = bracketing(ocoMode);
    const s = start(strategy, { venueOco });
    s.send(bar(1));
    s.send(
      ev('b-1', { type: 'order.filled', lastQty: 5, lastPx: 100, filledQty: 5, leavesQty: 0, to: 'FILLED' })
    );
    return { s, seen };
  }

  it('sends the entry, refuses a bad bracket without numbering it, and sends the exits when the entry fills', () => {
    const { s, seen } = entered(false);
    expect(s.emitted.map((e) => [e.type, e.clientOrderId])).toEqual([
      ['strategy.order_requested', 'b-1'],
      ['strategy.intent_refused', undefined],
      ['strategy.order_requested', 'b-2'],
      ['strategy.order_requested', 'b-3']
    ]);
    expect(s.emitted[1]).toMatchObject({ code: 'TRD_ERR_BRACKET_INVALID' });
    expect(s.emitted[0]).toMatchObject({ intent: { side: 'buy', qty: 5, reason: 'go' } });
    expect(s.emitted.slice(2)).toMatchObject([
      { intent: { side: 'sell', qty: 5, orderType: 'stop', stopPx: 90, ocoGroup: 'b-1', tif: 'gtc' } },
      { intent: { side: 'sell', qty: 5, orderType: 'limit', limitPx: 120, ocoGroup: 'b-1', tif: 'gtc' } }
    ]);
    // the strategy is shown the fill with its exits already working
    expect(seen).toEqual([['b-2', 'b-3']]);
    expect(s.ctx()).toMatchObject({ nextOrder: 3, positions: { [X]: 5 } });
  });

  it('without venue OCO a partial take-profit shrinks the stop-loss to what is left; with it, the venue does', () => {
    for (const venueOco of [false, true]) {
      const { s } = entered(venueOco);
      for (const id of ['b-2', 'b-3']) s.send(exitEvent(id, { qty: 5, leavesQty: 5 }));
      expect(s.ctx().open['b-2']).toMatchObject({ leaves: -5, filled: 0 });
      s.send(exitFill('b-3', 2, 2));
      const asked = s.emitted.filter(
        (e) => e.type === 'strategy.cancel_requested' || e.type === 'strategy.replace_requested'
      );
      expect(asked.map((e) => [e.type, e.clientOrderId, e.intent])).toEqual(
        venueOco
          ? []
          : [
              [
                'strategy.replace_requested',
                'b-2',
                { kind: 'replace', clientOrderId: 'b-2', qty: 3, reason: 'OUO: b-3 filled 2' }
              ]
            ]
      );
      expect(s.ctx().contingent.oco['b-2']).toEqual({ ocoGroup: 'b-1', ocoMode: 'reduce' });
    }
  });

  it('without venue OCO a fill while the stop-loss is being replaced is owed, and paid once the replace is done', () => {
    const { s } = entered(false);
    for (const id of ['b-2', 'b-3']) s.send(exitEvent(id, { qty: 5, leavesQty: 5 }));
    const tp = (lastQty: number, filledQty: number) => exitFill('b-3', lastQty, filledQty);
    s.send(tp(2, 2)); // asks for b-2 → 3 as b-4
    s.send(exitEvent('b-2', { type: 'order.pending_replace', qty: 5, leavesQty: 5, to: 'PENDING_REPLACE' }));
    s.send(tp(1, 3)); // b-2 cannot change now: owes 1
    expect(s.ctx().contingent.owed).toEqual({ 'b-2': 1 });
    s.send(
      exitEvent('b-4', {
        type: 'order.replaced',
        origClientOrderId: 'b-2',
        qty: 3,
        leavesQty: 3,
        to: 'ACKNOWLEDGED'
      })
    );
    const replaces = s.emitted.filter((e) => e.type === 'strategy.replace_requested');
    expect(replaces.map((e) => [e.clientOrderId, e.newClientOrderId, e.intent.qty, e.intent.reason])).toEqual(
      [
        ['b-2', 'b-4', 3, 'OUO: b-3 filled 2'],
        ['b-4', 'b-5', 2, 'OUO: group filled 1']
      ]
    );
    expect(s.emitted.filter((e) => e.type === 'strategy.cancel_requested')).toEqual([]);
    expect(s.ctx().contingent.owed).toEqual({});
  });

  it('without venue OCO a reduction the venue refuses is sent again from the size now; halted, it is not in flight', () => {
    const { s } = entered(false);
    for (const id of ['b-2', 'b-3']) s.send(exitEvent(id, { qty: 5, leavesQty: 5 }));
    s.send(exitFill('b-3', 2, 2)); // asks for b-2 → 3 as b-4
    s.send(exitEvent('b-2', { type: 'order.pending_replace', qty: 5, leavesQty: 5, to: 'PENDING_REPLACE' }));
    // the stop filled 1 while the replace was in flight, and the venue refused it
    s.send(exitFill('b-2', 1, 1, 'PENDING_REPLACE'));
    s.send(
      exitEvent('b-2', {
        type: 'order.replace_rejected',
        qty: 5,
        filledQty: 1,
        leavesQty: 4,
        to: 'PARTIAL_FILL'
      })
    );
    const replaces = s.emitted.filter((e) => e.type === 'strategy.replace_requested');
    // the stop's fill reduced the take-profit (2 filled + 3 − 1); the refused 2 are asked again, 1 filled + (4 − 2):
    // each exit again leaves the 2 still held
    expect(replaces.map((e) => [e.clientOrderId, e.newClientOrderId, e.intent.qty, e.intent.reason])).toEqual(
      [
        ['b-2', 'b-4', 3, 'OUO: b-3 filled 2'],
        ['b-3', 'b-5', 4, 'OUO: b-2 filled 1'],
        ['b-2', 'b-6', 3, 'OUO: group filled 2']
      ]
    );
    expect(s.ctx().contingent.reducing).toEqual({
      'b-3': { lots: 1, retry: false, basis: 5, target: 4 },
      'b-2': { lots: 2, retry: true, basis: 5, target: 3 }
    });
    // halted: the retry refused too asks for a cancel, and the take-profit's next fill for a reduction; both are
    // discarded, and neither is left in flight
    s.send({ type: 'strategy.halt', reason: 'kill switch' });
    s.send(
      exitEvent('b-2', {
        type: 'order.replace_rejected',
        qty: 5,
        filledQty: 1,
        leavesQty: 4,
        to: 'PARTIAL_FILL'
      })
    );
    expect(s.discarded.at(-1)).toMatchObject({
      intents: [{ kind: 'cancel', clientOrderId: 'b-2', reason: 'OCO: reduction refused twice' }]
    });
    s.send(exitFill('b-3', 1, 3));
    expect(s.discarded.at(-1)).toMatchObject({
      intents: [{ kind: 'replace', clientOrderId: 'b-2', qty: 4 }]
    });
    expect(s.ctx().contingent.reducing).toEqual({ 'b-3': { lots: 1, retry: false, basis: 5, target: 4 } });
  });

  it("without venue OCO a fill while the strategy's own replace of the other exit is unanswered is owed, even before its order.pending_replace", () => {
    const { s } = entered(false);
    s.send(exitEvent('b-3', { qty: 5, leavesQty: 5 }));
    // the strategy moves its stop as soon as it is acknowledged (a trailing stop)
    let moved = false;
    s.ctx().strategy.onOrderEvent = (e) => {
      if (moved || e.clientOrderId !== 'b-2') return [];
      moved = true;
      return [{ kind: 'replace', clientOrderId: 'b-2', stopPx: 95, reason: 'trail' }];
    };
    s.send(exitEvent('b-2', { qty: 5, leavesQty: 5 }));
    expect(s.ctx().open['b-2']?.status).toBe('PENDING_REPLACE');
    // the take-profit fills 2 before b-2's order.pending_replace arrives: a second replace would be refused
    s.send(exitFill('b-3', 2, 2));
    expect(s.ctx().contingent.owed).toEqual({ 'b-2': 2 });
    s.send(exitEvent('b-2', { type: 'order.pending_replace', qty: 5, leavesQty: 5, to: 'PENDING_REPLACE' }));
    s.send(
      exitEvent('b-4', {
        type: 'order.replaced',
        origClientOrderId: 'b-2',
        qty: 5,
        leavesQty: 5,
        to: 'ACKNOWLEDGED'
      })
    );
    const replaces = s.emitted.filter((e) => e.type === 'strategy.replace_requested');
    expect(replaces.map((e) => [e.clientOrderId, e.newClientOrderId, e.intent.qty, e.intent.reason])).toEqual(
      [
        ['b-2', 'b-4', undefined, 'trail'],
        ['b-4', 'b-5', 3, 'OUO: group filled 2']
      ]
    );
  });

  /**
   * Venue OCO: once b-3 (5) is acknowledged the strategy replaces it (`change`, as b-4); the stop fills 2 and the
   * venue restates the take-profit 5 → 3 while the replace is in flight; then the replace takes, leaving b-4 at
   * `venueQty`. The replaces the strategy asked for, as [id, qty, reason].
   */
  const ownReplaceCrossingRestatement = (
    change: { qty?: number; limitPx?: number; reason: string },
    venueQty: number
  ) => {
    const { s } = entered(true);
    s.send(exitEvent('b-2', { qty: 5, leavesQty: 5 }));
    let sent = false;
    s.ctx().strategy.onOrderEvent = (e) => {
      if (sent || e.clientOrderId !== 'b-3') return [];
      sent = true;
      return [{ kind: 'replace', clientOrderId: 'b-3', ...change }];
    };
    s.send(exitEvent('b-3', { qty: 5, leavesQty: 5 }));
    s.send(exitFill('b-2', 2, 2));
    s.send(exitEvent('b-3', { type: 'order.restated', qty: 3, leavesQty: 3, to: 'PENDING_REPLACE' }));
    s.send(
      exitEvent('b-4', {
        type: 'order.replaced',
        origClientOrderId: 'b-3',
        qty: venueQty,
        leavesQty: venueQty,
        to: 'ACKNOWLEDGED'
      })
    );
    return s.emitted
      .filter((e) => e.type === 'strategy.replace_requested')
      .map((e) => [e.clientOrderId, e.intent.qty, e.intent.reason]);
  };

  it("the strategy's own size replace crossed by the venue's restatement: the restatement is taken off again", () => {
    // the replace takes with its absolute 4, undoing the 2: they are taken off again
    expect(ownReplaceCrossingRestatement({ qty: 4, reason: 'take less' }, 4)).toEqual([
      ['b-3', 4, 'take less'],
      ['b-4', 2, 'OUO: group filled 2']
    ]);
  });

  it("the strategy's own price-only replace crossed by the venue's restatement: taken off again only if undone", () => {
    // FIX: the replace carried the 5 the order had when sent, undoing the restatement: the 2 come off again
    expect(ownReplaceCrossingRestatement({ limitPx: 1_200, reason: 'closer' }, 5)).toEqual([
      ['b-3', undefined, 'closer'],
      ['b-4', 3, 'OUO: group filled 2']
    ]);
    // a venue that kept the restated 3: nothing more
    expect(ownReplaceCrossingRestatement({ limitPx: 1_200, reason: 'closer' }, 3)).toEqual([
      ['b-3', undefined, 'closer']
    ]);
  });

  it('a replace the order refused itself (never sent) is not in flight: the view and later reductions go on', () => {
    const { s } = entered(false);
    for (const id of ['b-2', 'b-3']) s.send(exitEvent(id, { qty: 5, leavesQty: 5 }));
    s.ctx().strategy.onBar = () => [{ kind: 'replace', clientOrderId: 'b-3', qty: 4, reason: 'take less' }];
    s.send(bar(2));
    expect(s.ctx().open['b-3']?.status).toBe('PENDING_REPLACE');
    expect(s.ctx().contingent.reducing['b-3']).toMatchObject({ own: true });
    s.ctx().strategy.onBar = () => [];
    s.send({ type: 'strategy.request_refused', clientOrderId: 'b-3', status: 'ACKNOWLEDGED' });
    expect(s.ctx().open['b-3']?.status).toBe('ACKNOWLEDGED');
    expect(s.ctx().contingent.reducing).toEqual({});
    // a refusal while the order waits on another request refuses that other one: ours stays in flight
    s.ctx().strategy.onBar = () => [{ kind: 'replace', clientOrderId: 'b-3', qty: 4, reason: 'take less' }];
    s.send(bar(3));
    s.ctx().strategy.onBar = () => [];
    s.send({ type: 'strategy.request_refused', clientOrderId: 'b-3', status: 'PENDING_REPLACE' });
    expect(s.ctx().contingent.reducing['b-3']).toMatchObject({ own: true });
    s.send({ type: 'strategy.request_refused', clientOrderId: 'b-3', status: 'ACKNOWLEDGED' });
    expect(s.ctx().contingent.reducing).toEqual({});
    // the stop fills 2: the take-profit is reduced at once, not owed behind a replace that never went out
    s.send(exitFill('b-2', 2, 2));
    const replaces = s.emitted.filter((e) => e.type === 'strategy.replace_requested');
    expect(replaces.map((e) => [e.clientOrderId, e.intent.qty, e.intent.reason])).toEqual([
      ['b-3', 4, 'take less'],
      ['b-3', 4, 'take less'],
      ['b-3', 3, 'OUO: b-2 filled 2']
    ]);
  });

  it('a cancel-mode bracket: without venue OCO the first exit fill cancels the other; with it, the venue does', () => {
    for (const venueOco of [false, true]) {
      const { s } = entered(venueOco, 'cancel');
      for (const id of ['b-2', 'b-3']) s.send(exitEvent(id, { leavesQty: 5 }));
      s.send(
        exitEvent('b-3', { type: 'order.filled', lastQty: 2, filledQty: 2, leavesQty: 3, to: 'PARTIAL_FILL' })
      );
      // a second fill before b-2's order.pending_cancel arrives: b-2 is being canceled already
      s.send(
        exitEvent('b-3', { type: 'order.filled', lastQty: 1, filledQty: 3, leavesQty: 2, to: 'PARTIAL_FILL' })
      );
      const cancels = s.emitted.filter((e) => e.type === 'strategy.cancel_requested');
      expect(cancels.map((e) => [e.clientOrderId, e.intent.reason])).toEqual(
        venueOco ? [] : [['b-2', 'OCO: b-3 filled']]
      );
      expect(s.ctx().open['b-3']).toMatchObject({ leaves: -2, filled: 3 });
    }
  });

  it('openOrders shows each exit with its OCO group and mode', () => {
    const { s } = entered(true);
    s.send(exitEvent('b-2', { leavesQty: 5 }));
    const views: unknown[] = [];
    s.ctx().strategy.onOrderEvent = (_e, view) => {
      views.push(view.openOrders());
      return [];
    };
    s.send(exitEvent('b-3', { leavesQty: 5 }));
    expect(views).toMatchObject([
      [
        { clientOrderId: 'b-2', ocoGroup: 'b-1', ocoMode: 'reduce' },
        { clientOrderId: 'b-3', ocoGroup: 'b-1', ocoMode: 'reduce' }
      ]
    ]);
  });

  it('restore: the kept contingencies catch up with the missed events, and what they make due is sent (running) or discarded (halted)', () => {
    const entryFill = ev('b-1', {
      type: 'order.filled',
      lastQty: 5,
      lastPx: 100,
      filledQty: 5,
      leavesQty: 0,
      to: 'FILLED'
    });
    for (const halted of [false, true]) {
      const { strategy } = bracketing();
      const before = start(strategy);
      before.send(bar(1)); // the bracket is sent: its entry b-1 is pending
      const contingent = before.ctx().contingent;
      expect(Object.keys(contingent.brackets)).toEqual(['b-1']);
      const s = start(strategy); // a new incarnation
      if (halted) s.send({ type: 'strategy.halt', reason: 'kill switch' });
      const missed = entryFill.type === 'strategy.order_event' ? [entryFill.event] : [];
      s.send({ type: 'strategy.restore', positions: { [X]: 5 }, open: {}, issued: 1, contingent, missed });
      const requested = s.emitted.filter((e) => e.type === 'strategy.order_requested');
      if (halted) {
        expect(requested).toEqual([]);
        expect(s.discarded.map((d) => [d.reason, d.intents.length])).toEqual([['kill switch', 2]]);
      } else {
        expect(requested.map((e) => [e.clientOrderId, e.intent.orderType, e.intent.qty])).toEqual([
          ['b-2', 'stop', 5],
          ['b-3', 'limit', 5]
        ]);
        expect(Object.keys(s.ctx().open)).toEqual(['b-2', 'b-3']);
      }
      expect(s.ctx().contingent.brackets).toEqual({});
      // the missed event counts as applied (the node stops keeping it), and the node can see the restore was taken
      expect(s.ctx()).toMatchObject({ orderEvents: 1, restores: 1 });
    }
  });

  it('restore: a reduction the catch-up sends is in flight; one discarded while halted is not', () => {
    const contingent = joinOco(joinOco(NO_CONTINGENCIES, 'b-2', 'b-1', 'reduce'), 'b-3', 'b-1', 'reduce');
    const missed = [
      orderEvent({
        clientOrderId: 'b-3',
        side: 'sell',
        orderType: 'limit',
        type: 'order.filled',
        lastQty: 2,
        lastPx: 120,
        filledQty: 2,
        leavesQty: 3,
        to: 'PARTIAL_FILL'
      })
    ];
    const open = {
      'b-2': { instrumentId: X, leaves: -5, filled: 0, status: 'ACKNOWLEDGED' },
      'b-3': { instrumentId: X, leaves: -3, filled: 2, status: 'PARTIAL_FILL' }
    } as const;
    for (const halted of [false, true]) {
      const s = start(bracketing().strategy);
      if (halted) s.send({ type: 'strategy.halt', reason: 'kill switch' });
      s.send({ type: 'strategy.restore', positions: { [X]: 3 }, open, issued: 3, contingent, missed });
      const replaces = halted ? s.discarded.flatMap((d) => d.intents) : s.emitted.map((e) => e.intent);
      expect(replaces).toEqual([
        { kind: 'replace', clientOrderId: 'b-2', qty: 3, reason: 'OUO: group filled 2' }
      ]);
      expect(s.ctx().contingent.reducing).toEqual(
        halted ? {} : { 'b-2': { lots: 2, retry: false, basis: 5, target: 3 } }
      );
    }
  });

  it('halted: the exits an entry fill calls for are discarded with the halt, and the bracket is gone', () => {
    const { strategy } = bracketing();
    const s = start(strategy);
    s.send(bar(1));
    s.send({ type: 'strategy.halt', reason: 'kill switch' });
    s.send(
      ev('b-1', { type: 'order.filled', lastQty: 5, lastPx: 100, filledQty: 5, leavesQty: 0, to: 'FILLED' })
    );
    expect(s.discarded).toMatchObject([
      { reason: 'kill switch', intents: [{ stopPx: 90 }, { limitPx: 120 }] }
    ]);
    expect(s.ctx().contingent.brackets).toEqual({});
    expect(s.ctx().nextOrder).toBe(1);
  });
});

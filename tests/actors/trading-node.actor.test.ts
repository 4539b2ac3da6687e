import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { startTradingNode } from '../../src/actors/trading-node.actor.ts';
import { NS_PER_MIN } from '../../src/core/nanos.ts';
import type { StrategyIntentsDiscarded, StrategyRequest } from '../../src/machines/strategy.machine.ts';
import type { SupervisorEmitted } from '../../src/machines/supervisor.machine.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { WorkingOrders } from '../../src/oms/working-orders.ts';
import type { OrderIntent, Strategy, StrategyAction } from '../../src/strategies/strategy.ts';
import { SimulatedClock } from '../../src/time/clock.ts';
import type { OrderVenue } from '../../src/venue/venue.ts';
import { orderEvent } from '../support/order-fixtures.ts';
import { smallConfig } from '../support/run-config.ts';

const X = 'AAA@SIM';

function bar(i: number): Bar {
  const t = BigInt(i) * NS_PER_MIN;
  return {
    type: 'market.bar',
    instrumentId: X,
    tsOpen: t - NS_PER_MIN,
    tsEvent: t,
    tsInit: t,
    open: 100,
    high: 101,
    low: 99,
    close: 100,
    volume: 10
  };
}

/** Wants a 1-lot buy on every bar, and throws on the bars listed. */
function eager(crashAt: readonly number[]): Strategy & { seen: number } {
  const s = {
    id: 'eager',
    seen: 0,
    onBar(b: Bar): readonly OrderIntent[] {
      s.seen++;
      if (crashAt.includes(Number(b.tsEvent / NS_PER_MIN))) throw new Error('boom');
      return [{ instrumentId: X, side: 'buy', qty: 1, orderType: 'market', tif: 'day', reason: 'eager' }];
    },
    snapshot: () => ({})
  };
  return s;
}

const nowhere: OrderVenue = {
  name: 'nowhere',
  submit: () => {},
  cancel: () => {},
  replace: () => {},
  query: () => {},
  drain: () => []
};

/**
 * A node running `strategy` on `bars`, with a 1 s restart backoff; what its strategies ask for is collected. Each
 * restore gives the working orders `open(n)` (n: restores so far; default none).
 */
function nodeOf(strategy: Strategy, open: (n: number) => WorkingOrders = () => ({})) {
  let restores = 0;
  const clock = new SimulatedClock(0n);
  const bars = new Subject<Bar>();
  const requested: StrategyRequest[] = [];
  const discarded: StrategyIntentsDiscarded[] = [];
  const supervisor: SupervisorEmitted['type'][] = [];
  const config = smallConfig({
    supervision: { intensity: 3, periodMs: 60_000, backoff: { minMs: 1_000, maxMs: 1_000, factor: 1 } }
  });
  const node = startTradingNode({
    clock,
    venue: nowhere,
    config,
    strategies: [strategy],
    data$: bars,
    start: 0n,
    onOrderEvent: () => {},
    onOmsEvent: () => {},
    onStrategyEvent: (e) =>
      void (e.type === 'strategy.intents_discarded' ? discarded.push(e) : requested.push(e)),
    onKillSwitchEvent: () => {},
    onSupervisorEvent: (e) => void supervisor.push(e.type),
    restoreStrategy: () => ({
      type: 'strategy.restore',
      positions: {},
      open: open(restores++),
      issued: requested.length
    })
  });
  return { clock, bars, requested, discarded, supervisor, node };
}

describe('trading node', () => {
  it('a strategy restarted while the kill switch holds trading halted comes back halted', () => {
    const strategy = eager([2]);
    const { clock, bars, requested, discarded, supervisor, node } = nodeOf(strategy);
    try {
      bars.next(bar(1));
      expect(requested.map((r) => r.clientOrderId)).toEqual(['eager-1']);
      node.sendToKillSwitch({
        type: 'killswitch.trip',
        by: 'ops',
        reason: 'test halt',
        tsEvent: bar(1).tsEvent
      });
      bars.next(bar(2)); // halted: indicators stay warm, so onBar runs, and throws
      clock.advanceTo(2n * NS_PER_MIN + 1_000_000_000n); // the restart backoff
      expect(supervisor).toContain('supervisor.child_restarted');
      const seen = strategy.seen;
      bars.next(bar(3));
      bars.next(bar(4));
      expect(strategy.seen).toBe(seen + 2); // the restarted strategy sees the bars…
      expect(requested.map((r) => r.clientOrderId)).toEqual(['eager-1']); // …and asks for nothing
      // what it wanted is said, with the halt's reason
      expect(discarded.map((d) => [d.tsEvent, d.reason, d.intents.length])).toEqual([
        [bar(3).tsEvent, 'kill switch', 1],
        [bar(4).tsEvent, 'kill switch', 1]
      ]);
    } finally {
      node.stop();
    }
  });

  it('a kill-switch reset resumes the strategies the halt halted, and lifts the held mass cancel', () => {
    const strategy = eager([]);
    const { bars, requested, discarded, node } = nodeOf(strategy);
    try {
      bars.next(bar(1));
      node.sendToKillSwitch({ type: 'killswitch.trip', by: 'ops', reason: 'halt', tsEvent: bar(1).tsEvent });
      expect(node.root.system.get('oms')?.getSnapshot().context.hold).toMatchObject({
        hold: true,
        why: 'risk'
      });
      bars.next(bar(2)); // halted: discarded
      node.sendToKillSwitch({ type: 'killswitch.reset', by: 'ops', reason: 'ok', tsEvent: bar(2).tsEvent });
      expect(node.killSwitch().getSnapshot().value).toBe('ACTIVE');
      expect(node.root.system.get('oms')?.getSnapshot().context.hold).toBeUndefined();
      bars.next(bar(3)); // trading again
      expect(requested.map((r) => r.clientOrderId)).toEqual(['eager-1', 'eager-2']);
      expect(discarded.map((d) => [d.tsEvent, d.reason])).toEqual([[bar(2).tsEvent, 'kill switch']]);
    } finally {
      node.stop();
    }
  });

  it('a kill-switch reset does not resume strategies halted because the session is stopping', () => {
    for (const order of ['halt first', 'stop first'] as const) {
      const strategy = eager([]);
      const { bars, requested, node } = nodeOf(strategy);
      try {
        bars.next(bar(1));
        const trip = () =>
          node.sendToKillSwitch({
            type: 'killswitch.trip',
            by: 'ops',
            reason: 'halt',
            tsEvent: bar(1).tsEvent
          });
        if (order === 'halt first') trip();
        node.haltStrategies('session stopped');
        if (order === 'stop first') trip();
        node.sendToKillSwitch({ type: 'killswitch.reset', by: 'ops', reason: 'ok', tsEvent: bar(1).tsEvent });
        bars.next(bar(2));
        expect(requested.map((r) => r.clientOrderId)).toEqual(['eager-1']);
      } finally {
        node.stop();
      }
    }
  });

  it('a stopping session halts its strategies for good: nothing is asked for, not even after a restart', () => {
    const strategy = eager([3]);
    const { clock, bars, requested, discarded, supervisor, node } = nodeOf(strategy);
    try {
      bars.next(bar(1));
      node.haltStrategies('session stopped');
      bars.next(bar(2));
      expect(strategy.seen).toBe(2);
      bars.next(bar(3)); // throws: the supervisor restarts the strategy
      clock.advanceTo(3n * NS_PER_MIN + 1_000_000_000n);
      expect(supervisor).toContain('supervisor.child_restarted');
      bars.next(bar(4));
      expect(strategy.seen).toBe(4);
      // the kill switch never tripped: only the stop keeps the restarted strategy halted
      expect(node.killSwitch().getSnapshot().value).not.toBe('HALTED');
      expect(requested.map((r) => r.clientOrderId)).toEqual(['eager-1']);
      expect(discarded.map((d) => [d.tsEvent, d.reason])).toEqual([
        [bar(2).tsEvent, 'session stopped'],
        [bar(4).tsEvent, 'session stopped']
      ]);
    } finally {
      node.stop();
    }
  });

  /** Sends a bracket (entry b-1) on every bar, and fails on the first event of its orders it is shown. */
  function bracketOnce(): Strategy {
    let failed = false;
    return {
      id: 'b',
      onBar: (): readonly StrategyAction[] => [
        {
          kind: 'bracket',
          entry: { instrumentId: X, side: 'buy', qty: 5, orderType: 'market', tif: 'day' },
          stopLossPx: 90,
          takeProfitPx: 110,
          reason: 'go'
        }
      ],
      onOrderEvent(): readonly StrategyAction[] {
        if (failed) return [];
        failed = true;
        throw new Error('boom');
      },
      snapshot: () => ({})
    };
  }
  /** Event `over` of the entry b-1 (a buy of 5), sent to the strategy through the node. */
  const entryOf =
    (node: ReturnType<typeof nodeOf>['node']) =>
    (over: Parameters<typeof orderEvent>[0]): void =>
      node.sendToStrategy('b', {
        type: 'strategy.order_event',
        event: orderEvent({
          clientOrderId: 'b-1',
          strategyId: 'b',
          instrumentId: X,
          qty: 5,
          leavesQty: 5,
          ...over
        })
      });

  it('order events a strategy failed on or missed while down catch its brackets up at the restart, once', () => {
    const { clock, bars, requested, supervisor, node } = nodeOf(bracketOnce());
    const entry = entryOf(node);
    try {
      bars.next(bar(1)); // the bracket's entry b-1 is asked for
      entry({ type: 'order.accepted', to: 'ACKNOWLEDGED' }); // the strategy fails on it
      expect(supervisor).toContain('supervisor.child_failed');
      // the entry fills while the strategy is down
      entry({ type: 'order.filled', lastQty: 5, lastPx: 100, filledQty: 5, leavesQty: 0, to: 'FILLED' });
      expect(requested.map((r) => r.clientOrderId)).toEqual(['b-1']);
      clock.advanceTo(bar(1).tsEvent + 1_000_000_000n); // the restart backoff
      expect(supervisor).toContain('supervisor.child_restarted');
      const exits = requested
        .slice(1)
        .map((r) => [r.clientOrderId, r.type, 'intent' in r ? r.intent : undefined]);
      expect(exits).toMatchObject([
        ['b-2', 'strategy.order_requested', { orderType: 'stop', qty: 5, ocoGroup: 'b-1' }],
        ['b-3', 'strategy.order_requested', { orderType: 'limit', qty: 5, ocoGroup: 'b-1' }]
      ]);
      // applied now: another event is not replayed, and no exit is asked for twice
      node.sendToStrategy('b', {
        type: 'strategy.order_event',
        event: orderEvent({
          clientOrderId: 'b-2',
          strategyId: 'b',
          instrumentId: X,
          side: 'sell',
          qty: 5,
          leavesQty: 5
        })
      });
      expect(requested.map((r) => r.clientOrderId)).toEqual(['b-1', 'b-2', 'b-3']);
    } finally {
      node.stop();
    }
  });

  it('a restore that fails loses nothing: the next restart has the brackets and the missed events (running or halted)', () => {
    // the first restore's working orders cannot be read: the restarted actor fails taking it
    const unreadable = new Proxy({} as WorkingOrders, {
      ownKeys: () => {
        throw new Error('unreadable');
      }
    });
    for (const halted of [false, true]) {
      const { clock, bars, requested, discarded, supervisor, node } = nodeOf(bracketOnce(), (n) =>
        n === 0 ? unreadable : {}
      );
      const entry = entryOf(node);
      try {
        bars.next(bar(1));
        if (halted)
          node.sendToKillSwitch({
            type: 'killswitch.trip',
            by: 'ops',
            reason: 'test',
            tsEvent: bar(1).tsEvent
          });
        entry({ type: 'order.accepted', to: 'ACKNOWLEDGED' }); // the strategy fails on it
        entry({ type: 'order.filled', lastQty: 5, lastPx: 100, filledQty: 5, leavesQty: 0, to: 'FILLED' });
        clock.advanceTo(bar(1).tsEvent + 1_000_000_000n); // restarted; the restore fails
        expect(supervisor.filter((t) => t === 'supervisor.child_failed')).toHaveLength(2);
        clock.advanceTo(bar(1).tsEvent + 3_000_000_000n); // restarted again
        expect(supervisor.filter((t) => t === 'supervisor.child_restarted')).toHaveLength(2);
        // the exits the entry's fill made due are asked for (or, halted, discarded) then, once
        const exits = halted
          ? discarded.flatMap((d) => d.intents)
          : requested.slice(1).map((r) => ('intent' in r ? r.intent : undefined));
        expect(exits).toMatchObject([
          { orderType: 'stop', qty: 5, ocoGroup: 'b-1' },
          { orderType: 'limit', qty: 5, ocoGroup: 'b-1' }
        ]);
      } finally {
        node.stop();
      }
    }
  });
});

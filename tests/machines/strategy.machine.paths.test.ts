import { describe, expect, it } from 'vitest';
import { createActor } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { NS_PER_MIN } from '../../src/core/nanos.ts';
import {
  type StrategyEmitted,
  type StrategyEvent,
  type StrategyInput,
  type StrategyRequest,
  strategyMachine
} from '../../src/machines/strategy.machine.ts';
import type { Strategy } from '../../src/strategies/strategy.ts';

type Snap = ReturnType<typeof strategyMachine.transition>;
type StateName = 'running' | 'halted';
const X = 'X@SIM';
const T0 = 1_700_000_000_000_000_000n;
const PREFIX = 'm-sess';

/** Buys one lot on every bar it sees; counts the bars, quotes, trades and order events it is shown (stateless as far as its decisions go). */
function buyer(): {
  strategy: Strategy;
  calls: () => number;
  orderCalls: () => number;
  quoteCalls: () => number;
  tradeCalls: () => number;
} {
  let n = 0;
  let orderEvents = 0;
  let quotes = 0;
  let trades = 0;
  return {
    strategy: {
      id: 'm',
      onBar: (bar) => {
        n++;
        return [
          {
            instrumentId: bar.instrumentId,
            side: 'buy',
            qty: 1,
            orderType: 'market',
            tif: 'day',
            reason: 'm'
          }
        ];
      },
      onOrderEvent: () => {
        orderEvents++;
        return [];
      },
      onQuote: () => {
        quotes++;
        return [];
      },
      onTrade: () => {
        trades++;
        return [];
      },
      snapshot: () => ({ n })
    },
    calls: () => n,
    orderCalls: () => orderEvents,
    quoteCalls: () => quotes,
    tradeCalls: () => trades
  };
}

const inputOf = (strategy: Strategy): StrategyInput => ({ strategy, start: T0, orderIdPrefix: PREFIX });

const BAR: StrategyEvent = {
  type: 'market.bar',
  instrumentId: X,
  tsOpen: T0,
  tsEvent: T0 + NS_PER_MIN,
  tsInit: T0 + NS_PER_MIN,
  open: 100,
  high: 101,
  low: 99,
  close: 100,
  volume: 7
};
const QUOTE: StrategyEvent = {
  type: 'market.quote',
  instrumentId: X,
  tsEvent: T0 + 2n * NS_PER_MIN,
  tsInit: T0 + 2n * NS_PER_MIN,
  bidPx: 99,
  bidSz: 5,
  askPx: 101,
  askSz: 7
};
const TRADE: StrategyEvent = {
  type: 'market.trade',
  instrumentId: X,
  tsEvent: T0 + 3n * NS_PER_MIN,
  tsInit: T0 + 3n * NS_PER_MIN,
  px: 100,
  sz: 3,
  aggressor: 'buy',
  tradeId: 't1'
};
const FILL: StrategyEvent = {
  type: 'strategy.order_event',
  event: {
    type: 'order.filled',
    clientOrderId: `${PREFIX}-1`,
    strategyId: 'm',
    instrumentId: X,
    side: 'buy',
    orderType: 'market',
    qty: 1,
    filledQty: 1,
    leavesQty: 0,
    lastQty: 1,
    lastPx: 100,
    notionalTicks: 100,
    commission: 0n,
    from: 'ACKNOWLEDGED',
    to: 'FILLED',
    cause: 'venue.filled',
    actor: 'venue',
    why: 'venue',
    tsEvent: T0 + NS_PER_MIN
  }
};
const RESTORE_HIGH: StrategyEvent = {
  type: 'strategy.restore',
  positions: { [X]: 2 },
  open: { [`${PREFIX}-5`]: { instrumentId: X, leaves: 3, filled: 0 } },
  issued: 5
};
const RESTORE_LOW: StrategyEvent = { type: 'strategy.restore', positions: {}, open: {}, issued: 0 };
const EVENTS: StrategyEvent[] = [
  BAR,
  QUOTE,
  TRADE,
  { type: 'strategy.halt', reason: 'test' },
  { type: 'strategy.resume' },
  RESTORE_HIGH,
  RESTORE_LOW,
  FILL,
  // the order refused a request of the one order RESTORE_HIGH leaves working
  { type: 'strategy.request_refused', clientOrderId: `${PREFIX}-5`, status: 'ACKNOWLEDGED' }
];

/** Bounded: whether anything was issued, anything works, anything is held (the counters grow forever). */
const serializeState = (s: Snap): string =>
  JSON.stringify([
    s.value,
    s.context.nextOrder > 0,
    Object.keys(s.context.open).length > 0,
    Object.keys(s.context.positions).length > 0
  ]);
const serializeEvent = (e: StrategyEvent): string =>
  JSON.stringify(e, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));

const paths = getShortestPaths(strategyMachine, {
  events: EVENTS,
  input: inputOf(buyer().strategy),
  serializeState,
  serializeEvent
});

/** The events of a path, without the graph's own `xstate.init` step. */
const eventsOf = (p: (typeof paths)[number]): StrategyEvent[] =>
  p.steps.map((s) => s.event).filter((e) => (e.type as string) !== 'xstate.init');

/** Every transition of the definition, as `<state>:<event>` (`(root)` for machine-level handlers). */
function definedTransitions(): string[] {
  const out = Object.keys(strategyMachine.root.on).map((t) => `(root):${t}`);
  for (const [name, node] of Object.entries(strategyMachine.root.states))
    for (const t of Object.keys(node.on)) out.push(`${name}:${t}`);
  return out.sort();
}

/** The node that takes `type` in `state` (the state's own handler wins over the root's). */
function handler(state: StateName, type: string): string | undefined {
  if (type in strategyMachine.root.states[state]!.on) return `${state}:${type}`;
  if (type in strategyMachine.root.on) return `(root):${type}`;
  return undefined;
}

const nOf = (id: string): number => {
  expect(id.startsWith(`${PREFIX}-`), id).toBe(true);
  return Number(id.slice(PREFIX.length + 1));
};

/** Replays events on a fresh real actor, checking the per-step invariants as it goes. */
function replay(events: readonly StrategyEvent[]) {
  const probe = buyer();
  const actor = createActor(strategyMachine, { input: inputOf(probe.strategy) });
  const all: StrategyEmitted[] = [];
  actor.on('*', (e) => void all.push(e as StrategyEmitted));
  /** The requests (every emitted event but the discards). */
  const emitted: StrategyRequest[] = [];
  actor.start();
  const step = (e: StrategyEvent) => {
    const before = actor.getSnapshot();
    const from = before.value as StateName;
    const n = all.length;
    const calls = probe.calls();
    const orderCalls = probe.orderCalls();
    const quoteCalls = probe.quoteCalls();
    const tradeCalls = probe.tradeCalls();
    actor.send(e);
    const after = actor.getSnapshot();
    const to = after.value as StateName;
    const out = all.slice(n);
    for (const o of out) if (o.type !== 'strategy.intents_discarded') emitted.push(o);
    const where = `${from} --${e.type}--> ${to}`;

    // only halt and resume move the machine, and only from running and halted respectively
    const expectedTo: StateName =
      e.type === 'strategy.halt' ? 'halted' : e.type === 'strategy.resume' ? 'running' : from;
    expect(to, where).toBe(expectedTo);
    // the halt's reason is kept while halted, and forgotten on resume
    expect(after.context.haltReason, where).toBe(
      to === 'running' ? undefined : from === 'halted' ? before.context.haltReason : 'test'
    );

    // every bar is counted and shown to the strategy in both states; nothing else is
    const isBar = e.type === 'market.bar';
    expect(after.context.bars, where).toBe(before.context.bars + (isBar ? 1 : 0));
    expect(probe.calls(), where).toBe(calls + (isBar ? 1 : 0));
    const isQuote = e.type === 'market.quote';
    const isTrade = e.type === 'market.trade';
    expect(after.context.now, where).toBe(isBar || isQuote || isTrade ? e.tsEvent : before.context.now);
    // every quote and trade is shown to onQuote / onTrade in both states (this strategy answers none)
    expect(probe.quoteCalls(), where).toBe(quoteCalls + (isQuote ? 1 : 0));
    expect(probe.tradeCalls(), where).toBe(tradeCalls + (isTrade ? 1 : 0));
    // every order event is shown to the strategy in both states (its answer is discarded while halted)
    expect(probe.orderCalls(), where).toBe(orderCalls + (e.type === 'strategy.order_event' ? 1 : 0));

    // only a bar while running emits: the one intent, numbered right after the last issued
    if (isBar && from === 'running') {
      const id = `${PREFIX}-${before.context.nextOrder + 1}`;
      expect(out, where).toEqual([
        {
          type: 'strategy.order_requested',
          strategyId: 'm',
          clientOrderId: id,
          intent: { instrumentId: X, side: 'buy', qty: 1, orderType: 'market', tif: 'day', reason: 'm' },
          tsEvent: e.tsEvent
        }
      ]);
      expect(after.context.nextOrder, where).toBe(before.context.nextOrder + 1);
      expect(after.context.open, where).toEqual({
        ...before.context.open,
        [id]: { instrumentId: X, leaves: 1, filled: 0 }
      });
    } else if (isBar && from === 'halted') {
      // halted: the same intent is said to be discarded, with the halt's reason, and nothing is numbered
      expect(out, where).toEqual([
        {
          type: 'strategy.intents_discarded',
          strategyId: 'm',
          reason: 'test',
          intents: [{ instrumentId: X, side: 'buy', qty: 1, orderType: 'market', tif: 'day', reason: 'm' }],
          tsEvent: e.tsEvent
        }
      ]);
      expect(after.context.nextOrder, where).toBe(before.context.nextOrder);
      expect(after.context.open, where).toEqual(before.context.open);
    } else {
      expect(out, where).toEqual([]);
      if (e.type !== 'strategy.restore')
        expect(after.context.nextOrder, where).toBe(before.context.nextOrder);
    }

    // a refused request sends nothing, and only the order's status in the view changes
    if (e.type === 'strategy.request_refused') {
      const o = before.context.open[e.clientOrderId];
      expect(after.context.open, where).toEqual(
        o === undefined
          ? before.context.open
          : { ...before.context.open, [e.clientOrderId]: { ...o, status: e.status } }
      );
      expect(after.context.positions, where).toEqual(before.context.positions);
    }

    // restore replaces positions and working orders and never lowers the numbering
    if (e.type === 'strategy.restore') {
      expect(after.context.nextOrder, where).toBe(Math.max(before.context.nextOrder, e.issued));
      expect([after.context.positions, after.context.open], where).toEqual([e.positions, e.open]);
    }
    expect(after.context.nextOrder, where).toBeGreaterThanOrEqual(before.context.nextOrder);

    // the node counts on it: one more applied order event per order event, in both states, and nothing else
    expect(after.context.orderEvents, where).toBe(
      before.context.orderEvents + (e.type === 'strategy.order_event' ? 1 : 0)
    );

    // an order event moves the position by the fill and drops the finished order
    if (e.type === 'strategy.order_event') {
      const { clientOrderId, lastQty = 0 } = e.event;
      expect(after.context.positions[X] ?? 0, where).toBe((before.context.positions[X] ?? 0) + lastQty);
      expect(clientOrderId in after.context.open, where).toBe(false);
    }

    // the ids issued so far are unique and strictly increasing
    const ns = emitted.flatMap((o) => (o.clientOrderId === undefined ? [] : [nOf(o.clientOrderId)]));
    for (let i = 1; i < ns.length; i++) expect(ns[i]!, where).toBeGreaterThan(ns[i - 1]!);
    expect(new Set(ns).size).toBe(ns.length);
    if (ns.length > 0) expect(ns.at(-1)!, where).toBeLessThanOrEqual(after.context.nextOrder);
    return { from, to };
  };
  for (const e of events) step(e);
  return { actor, emitted, step };
}

describe('strategyMachine: model-based paths (xstate/graph)', () => {
  it('reaches every state of the machine by a shortest path', () => {
    const reached = new Set(paths.map((p) => String(p.state.value)));
    expect([...reached].sort()).toEqual(Object.keys(strategyMachine.root.states).sort());
    expect([...reached].sort()).toEqual(['halted', 'running']);
  });

  it('the definition has the transitions this test exercises', () => {
    expect(definedTransitions()).toEqual([
      '(root):strategy.request_refused',
      '(root):strategy.restore',
      'halted:market.bar',
      'halted:market.quote',
      'halted:market.trade',
      'halted:strategy.order_event',
      'halted:strategy.resume',
      'running:market.bar',
      'running:market.quote',
      'running:market.trade',
      'running:strategy.halt',
      'running:strategy.order_event'
    ]);
  });

  const labelled = paths.map((p) => ({
    name: `${serializeState(p.state)} via ${
      eventsOf(p)
        .map((e) => e.type)
        .join(' → ') || '(start)'
    }`,
    p
  }));
  it.each(labelled)('every event in $name keeps the invariants', ({ p }) => {
    const prefix = eventsOf(p);
    for (const e of EVENTS) {
      const r = replay(prefix);
      expect(serializeState(r.actor.getSnapshot())).toBe(serializeState(p.state));
      r.step(e);
      r.actor.stop();
    }
  });

  it('every transition of the definition is exercised by some (state, event) pair', () => {
    const exercised = new Set<string>();
    for (const p of paths)
      for (const e of EVENTS) {
        const r = replay(eventsOf(p));
        const { from, to } = r.step(e);
        const h = handler(from, e.type);
        if (h) exercised.add(h);
        if (h === 'running:strategy.halt') expect(to).toBe('halted');
        if (h === 'halted:strategy.resume') expect(to).toBe('running');
        r.actor.stop();
      }
    expect([...exercised].sort()).toEqual(definedTransitions());
  });

  it('a long mixed run keeps the numbering unique and increasing', () => {
    const script: StrategyEvent[] = [
      BAR,
      BAR,
      { type: 'strategy.halt', reason: 'test' },
      BAR,
      QUOTE,
      RESTORE_HIGH,
      { type: 'strategy.resume' },
      BAR,
      QUOTE,
      RESTORE_LOW,
      FILL,
      BAR
    ];
    const r = replay(script);
    expect(r.emitted.map((o) => o.clientOrderId)).toEqual([
      `${PREFIX}-1`,
      `${PREFIX}-2`,
      `${PREFIX}-6`,
      `${PREFIX}-7`
    ]);
    expect(r.actor.getSnapshot().context).toMatchObject({ bars: 5, nextOrder: 7 });
  });
});

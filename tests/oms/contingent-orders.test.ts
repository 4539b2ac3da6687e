import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import {
  bracketProblem,
  type Contingencies,
  catchUpContingencies,
  contingentActions,
  intentOco,
  joinOco,
  NO_CONTINGENCIES,
  openBracket,
  ownReplace,
  requestRefused,
  unsent
} from '../../src/oms/contingent-orders.ts';
import type { WorkingOrders } from '../../src/oms/working-orders.ts';
import type { BracketIntent } from '../../src/strategies/strategy.ts';
import { orderEvent } from '../support/order-fixtures.ts';

const X = 'X@SIM';

const bracket = (
  over: Partial<BracketIntent> = {},
  entry: Partial<BracketIntent['entry']> = {}
): BracketIntent => ({
  kind: 'bracket',
  entry: { instrumentId: X, side: 'buy', qty: 10, orderType: 'limit', limitPx: 1000, tif: 'day', ...entry },
  stopLossPx: 950,
  takeProfitPx: 1100,
  reason: 'breakout',
  ...over
});

/** An event of order `id` (a buy of 10 by default). */
const ev = (id: string, over: Partial<OrderEvent>): OrderEvent =>
  orderEvent({ clientOrderId: id, strategyId: 's', instrumentId: X, qty: 10, ...over });
/** Contingent actions for one live event (no venue OCO), with `open` working orders (none by default). */
const live = (c: Contingencies, e: OrderEvent, open: WorkingOrders = {}) =>
  contingentActions(c, e, open, false);
/** sl (a sell) replaced by sl2, acknowledged unless `over` says. */
const slReplaced = (over: Partial<OrderEvent>): OrderEvent =>
  ev('sl2', { type: 'order.replaced', origClientOrderId: 'sl', side: 'sell', to: 'ACKNOWLEDGED', ...over });
const filled = (id: string, lastQty: number, filledQty: number, over: Partial<OrderEvent> = {}) =>
  ev(id, {
    type: 'order.filled',
    lastQty,
    lastPx: 1000,
    filledQty,
    leavesQty: 10 - filledQty,
    to: filledQty === 10 ? 'FILLED' : 'PARTIAL_FILL',
    ...over
  });

/** Working sells of 10 (`leaves` of them left) in the given statuses. */
const working = (...ids: [string, string?, number?][]): WorkingOrders =>
  Object.fromEntries(
    ids.map(([id, status = 'ACKNOWLEDGED', leaves = 10]) => [
      id,
      { instrumentId: X, leaves: -leaves, filled: 10 - leaves, status }
    ])
  ) as WorkingOrders;

describe('bracketProblem', () => {
  it('accepts exits on the right sides, for a buy and for a sell entry, with or without an entry limit', () => {
    expect(bracketProblem(bracket())).toBeUndefined();
    expect(bracketProblem(bracket({ stopLossPx: undefined }))).toBeUndefined();
    expect(bracketProblem(bracket({ takeProfitPx: undefined }))).toBeUndefined();
    expect(bracketProblem(bracket({}, { orderType: 'market', limitPx: undefined }))).toBeUndefined();
    expect(
      bracketProblem(bracket({ stopLossPx: 1050, takeProfitPx: 900 }, { side: 'sell' }))
    ).toBeUndefined();
  });

  it('refuses a bracket without exits, or with exits on the wrong side of each other or of the entry', () => {
    const problems = [
      bracket({ stopLossPx: undefined, takeProfitPx: undefined }),
      bracket({ stopLossPx: 1100, takeProfitPx: 950 }),
      bracket({ stopLossPx: 1000, takeProfitPx: 1000 }, { orderType: 'market', limitPx: undefined }),
      bracket({ takeProfitPx: 1000 }),
      bracket({ stopLossPx: 1000 }),
      bracket({ stopLossPx: 950, takeProfitPx: 1100 }, { side: 'sell' }),
      bracket({ stopLossPx: 1050, takeProfitPx: 1010 }, { side: 'sell' })
    ].map(bracketProblem);
    expect(problems).toEqual([
      'a bracket needs a stopLossPx or a takeProfitPx',
      'takeProfitPx 950 must be above stopLossPx 1100 for a buy entry',
      'takeProfitPx 1000 must be above stopLossPx 1000 for a buy entry',
      "takeProfitPx 1000 must be above the entry's limitPx 1000",
      "stopLossPx 1000 must be below the entry's limitPx 1000",
      'takeProfitPx 1100 must be below stopLossPx 950 for a sell entry',
      "takeProfitPx 1010 must be below the entry's limitPx 1000"
    ]);
  });
});

describe('contingentActions: brackets', () => {
  const opened = openBracket(NO_CONTINGENCIES, 's-1', bracket());

  it('an entry that fills in parts sends nothing until it is done, then both exits for all it filled', () => {
    const a = contingentActions(opened, filled('s-1', 4, 4), {}, true);
    expect(a.actions).toEqual([]);
    expect(a.next).toBe(opened);
    const b = contingentActions(a.next, filled('s-1', 6, 10), {}, true);
    const exit = { instrumentId: X, side: 'sell', qty: 10, tif: 'gtc', ocoGroup: 's-1', ocoMode: 'reduce' };
    expect(b.actions).toEqual([
      { ...exit, orderType: 'stop', stopPx: 950, reason: 'stop-loss of s-1: breakout' },
      { ...exit, orderType: 'limit', limitPx: 1100, reason: 'take-profit of s-1: breakout' }
    ]);
    expect(b.next.brackets).toEqual({});
  });

  it('an entry canceled after a partial fill protects what filled; one rejected with nothing filled is dropped', () => {
    const part = ev('s-1', { type: 'order.canceled', filledQty: 3, leavesQty: 0, to: 'CANCELED' });
    expect(contingentActions(opened, part, {}, true).actions.map((x) => ('qty' in x ? x.qty : 0))).toEqual([
      3, 3
    ]);
    const r = contingentActions(
      opened,
      ev('s-1', { type: 'order.rejected', filledQty: 0, to: 'REJECTED' }),
      {},
      true
    );
    expect([r.actions, r.next.brackets]).toEqual([[], {}]);
  });

  it('an entry canceled or expired keeps its bracket for late fills (a pair for each), until it closes', () => {
    const exit = { instrumentId: X, side: 'sell', tif: 'gtc', ocoMode: 'reduce' };
    const pair = (qty: number, ocoGroup: string) => [
      { ...exit, qty, ocoGroup, orderType: 'stop', stopPx: 950, reason: 'stop-loss of s-1: breakout' },
      { ...exit, qty, ocoGroup, orderType: 'limit', limitPx: 1100, reason: 'take-profit of s-1: breakout' }
    ];
    const late = (to: 'CANCELED' | 'EXPIRED', lastQty: number, filledQty: number) =>
      filled('s-1', lastQty, filledQty, { leavesQty: 0, from: to, to, late: true });
    for (const to of ['CANCELED', 'EXPIRED'] as const) {
      // nothing filled when it ended: no exits yet, but the bracket waits
      const ended = live(opened, ev('s-1', { type: 'order.canceled', filledQty: 0, leavesQty: 0, to }));
      expect(ended.actions).toEqual([]);
      expect(ended.next.brackets['s-1']).toMatchObject({ released: 0 });
      const first = live(ended.next, late(to, 10, 10));
      expect(first.actions).toEqual(pair(10, 's-1'));
      expect(first.next.brackets['s-1']).toMatchObject({ released: 10 });
      // 3 filled before it ended, 2 late: each its own pair
      const part = live(opened, ev('s-1', { type: 'order.canceled', filledQty: 3, leavesQty: 0, to }));
      expect(part.actions).toEqual(pair(3, 's-1'));
      const more = live(part.next, late(to, 2, 5));
      expect(more.actions).toEqual(pair(2, 's-1+3'));
      // closed: it can never fill again, and the bracket goes
      const closed = live(
        more.next,
        ev('s-1', { type: 'order.closed', filledQty: 5, leavesQty: 0, from: to, to: 'CLOSED' })
      );
      expect([closed.actions, closed.next.brackets]).toEqual([[], {}]);
    }
  });

  it('a sell entry protects with a buy stop above and a buy limit below; exits get the bracket exitTif', () => {
    const c = openBracket(
      NO_CONTINGENCIES,
      's-2',
      bracket({ stopLossPx: 1050, takeProfitPx: 900, exitTif: 'day' }, { side: 'sell' })
    );
    const r = contingentActions(c, filled('s-2', 10, 10, { side: 'sell' }), {}, true);
    expect(r.actions).toMatchObject([
      { side: 'buy', orderType: 'stop', stopPx: 1050, tif: 'day' },
      { side: 'buy', orderType: 'limit', limitPx: 900, tif: 'day' }
    ]);
  });

  it('a replaced entry keeps its bracket under the new id, and the exits keep the first id as their group', () => {
    const r = contingentActions(
      opened,
      ev('s-3', { type: 'order.replaced', origClientOrderId: 's-1', to: 'ACKNOWLEDGED' }),
      {},
      true
    );
    expect(Object.keys(r.next.brackets)).toEqual(['s-3']);
    const done = contingentActions(r.next, filled('s-3', 10, 10), {}, true);
    expect(done.actions.map((x) => ('ocoGroup' in x ? x.ocoGroup : undefined))).toEqual(['s-1', 's-1']);
  });

  it("a bracket's ocoMode cancel makes its exits a cancel group", () => {
    const c = openBracket(NO_CONTINGENCIES, 's-1', bracket({ ocoMode: 'cancel' }));
    const r = contingentActions(c, filled('s-1', 10, 10), {}, true);
    expect(r.actions.map((x) => ('ocoMode' in x ? x.ocoMode : undefined))).toEqual(['cancel', 'cancel']);
  });

  it('events of other orders leave it alone', () => {
    const r = live(opened, filled('s-9', 10, 10));
    expect(r).toEqual({ next: opened, actions: [] });
  });
});

describe("contingentActions: a bracket with exitsOn 'fill'", () => {
  const opened = openBracket(NO_CONTINGENCIES, 's-1', bracket({ exitsOn: 'fill' }));
  const exit = { instrumentId: X, side: 'sell', tif: 'gtc', ocoMode: 'reduce' };
  const pair = (qty: number, ocoGroup: string) => [
    { ...exit, qty, ocoGroup, orderType: 'stop', stopPx: 950, reason: 'stop-loss of s-1: breakout' },
    { ...exit, qty, ocoGroup, orderType: 'limit', limitPx: 1100, reason: 'take-profit of s-1: breakout' }
  ];

  it('each fill sends a pair of exits for that fill, in a group of its own; the last one drops the bracket', () => {
    const first = live(opened, filled('s-1', 4, 4));
    expect(first.actions).toEqual(pair(4, 's-1'));
    expect(first.next.brackets['s-1']).toMatchObject({ exitsOn: 'fill', released: 4 });
    // the first pair is working (and may have filled): the next fill gets its own, touching nothing of the first
    const open: WorkingOrders = {
      sl: { instrumentId: X, leaves: -4, filled: 0, status: 'ACKNOWLEDGED' },
      tp: { instrumentId: X, leaves: -2, filled: 2, status: 'PARTIAL_FILL' }
    };
    const c = joinOco(joinOco(first.next, 'sl', 's-1', 'reduce'), 'tp', 's-1', 'reduce');
    const second = contingentActions(c, filled('s-1', 3, 7), open, false);
    expect(second.actions).toEqual(pair(3, 's-1+4'));
    const last = contingentActions(second.next, filled('s-1', 3, 10), open, false);
    expect(last.actions).toEqual(pair(3, 's-1+7'));
    expect(last.next.brackets).toEqual({});
  });

  it('an entry canceled after parts filled has them all protected, pair by pair; an event without a fill sends none', () => {
    const first = live(opened, filled('s-1', 4, 4));
    const acked = live(
      first.next,
      ev('s-1', { type: 'order.accepted', filledQty: 4, leavesQty: 6, to: 'PARTIAL_FILL' })
    );
    expect(acked.actions).toEqual([]);
    const canceled = live(
      first.next,
      ev('s-1', { type: 'order.canceled', filledQty: 6, leavesQty: 0, to: 'CANCELED' })
    );
    expect(canceled.actions).toEqual(pair(2, 's-1+4'));
    expect(canceled.next.brackets['s-1']).toMatchObject({ released: 6 });
    // a late fill gets its pair; once the entry closes, the bracket goes
    const late = live(
      canceled.next,
      filled('s-1', 1, 7, { leavesQty: 0, from: 'CANCELED', to: 'CANCELED', late: true })
    );
    expect(late.actions).toEqual(pair(1, 's-1+6'));
    const closed = live(
      late.next,
      ev('s-1', { type: 'order.closed', filledQty: 7, leavesQty: 0, from: 'CANCELED', to: 'CLOSED' })
    );
    expect([closed.actions, closed.next.brackets]).toEqual([[], {}]);
  });

  it('the catch-up sends one pair for all the entry filled while the strategy was down', () => {
    const first = live(opened, filled('s-1', 4, 4));
    const missed = [filled('s-1', 3, 7), filled('s-1', 2, 9)];
    const now = { 's-1': { instrumentId: X, leaves: 1, filled: 9, status: 'PARTIAL_FILL' } } as WorkingOrders;
    const r = catchUpContingencies(first.next, missed, now, false);
    expect(r.actions).toEqual(pair(5, 's-1+4'));
    expect(r.next.brackets['s-1']).toMatchObject({ released: 9 });
    // the entry ended while it was down: the pair at its end, for what it filled since the last release
    const ended = catchUpContingencies(first.next, [filled('s-1', 6, 10)], {}, false);
    expect(ended.actions).toEqual(pair(6, 's-1+4'));
    // a first fill missed: the first pair, in the bracket's own group
    expect(catchUpContingencies(opened, missed, now, false).actions).toEqual(pair(9, 's-1'));
  });
});

describe('intentOco', () => {
  const plain = {
    instrumentId: X,
    side: 'sell',
    qty: 5,
    orderType: 'market',
    tif: 'day',
    reason: 'r'
  } as const;
  it("an intent's group is a cancel group unless it says reduce; no group, no membership", () => {
    expect(intentOco({ ...plain, ocoGroup: 'g' })).toEqual({ ocoGroup: 'g', ocoMode: 'cancel' });
    expect(intentOco({ ...plain, ocoGroup: 'g', ocoMode: 'reduce' })).toEqual({
      ocoGroup: 'g',
      ocoMode: 'reduce'
    });
    expect(intentOco(plain)).toBeUndefined();
  });
});

describe('contingentActions: OCO groups', () => {
  const group: Contingencies = joinOco(
    joinOco(joinOco(NO_CONTINGENCIES, 'sl', 'g', 'cancel'), 'tp', 'g', 'cancel'),
    'x',
    'h',
    'cancel'
  );
  const open = working(['sl'], ['tp'], ['x']);

  it('without venue OCO: the first fill of a member cancels the working rest of its group, and only that', () => {
    const r = contingentActions(group, filled('tp', 4, 4, { side: 'sell' }), open, false);
    expect(r.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: tp filled' }]);
    expect(r.next.oco).toEqual(group.oco); // tp still works
  });

  it('with venue OCO the venue cancels: nothing is sent', () => {
    expect(contingentActions(group, filled('tp', 10, 10, { side: 'sell' }), open, true).actions).toEqual([]);
  });

  it('no cancel for a sibling already being canceled or no longer working', () => {
    const fill = filled('tp', 4, 4, { side: 'sell' });
    expect(contingentActions(group, fill, working(['sl', 'PENDING_CANCEL'], ['tp']), false).actions).toEqual(
      []
    );
    expect(contingentActions(group, fill, working(['tp']), false).actions).toEqual([]);
  });

  it('a member canceled stays in its group until it closes: a late fill cancels the working rest', () => {
    const canceled = live(
      group,
      ev('tp', { type: 'order.canceled', side: 'sell', leavesQty: 0, to: 'CANCELED' }),
      open
    );
    expect(canceled.actions).toEqual([]);
    expect(canceled.next.oco).toEqual(group.oco);
    const late = live(
      canceled.next,
      filled('tp', 10, 10, { side: 'sell', leavesQty: 0, from: 'CANCELED', to: 'CANCELED', late: true }),
      working(['sl'], ['x'])
    );
    expect(late.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: tp filled' }]);
    // closed (or expired, then closed): it leaves its group
    const closed = live(
      late.next,
      ev('tp', { type: 'order.closed', side: 'sell', leavesQty: 0, from: 'CANCELED', to: 'CLOSED' })
    );
    expect(closed.next.oco).toEqual({
      sl: { ocoGroup: 'g', ocoMode: 'cancel' },
      x: { ocoGroup: 'h', ocoMode: 'cancel' }
    });
  });

  it('a reduce-group member expired, then filled late, reduces its working sibling by the late fill', () => {
    const g = joinOco(joinOco(NO_CONTINGENCIES, 'sl', 'g', 'reduce'), 'tp', 'g', 'reduce');
    const expired = live(
      g,
      ev('tp', { type: 'order.expired', side: 'sell', leavesQty: 0, to: 'EXPIRED' }),
      working(['sl'])
    );
    const late = live(
      expired.next,
      filled('tp', 4, 4, { side: 'sell', leavesQty: 0, from: 'EXPIRED', to: 'EXPIRED', late: true }),
      working(['sl'])
    );
    expect(late.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 6, reason: 'OUO: tp filled 4' }
    ]);
  });

  it('a member that is done leaves its group; a replaced one stays in it under its new id', () => {
    const done = contingentActions(group, filled('tp', 10, 10, { side: 'sell' }), open, false);
    const g = { ocoGroup: 'g', ocoMode: 'cancel' };
    expect(done.next.oco).toEqual({ sl: g, x: { ocoGroup: 'h', ocoMode: 'cancel' } });
    const moved = contingentActions(
      group,
      ev('sl2', { type: 'order.replaced', origClientOrderId: 'sl', to: 'ACKNOWLEDGED' }),
      open,
      false
    );
    expect(moved.next.oco).toEqual({ tp: g, x: { ocoGroup: 'h', ocoMode: 'cancel' }, sl2: g });
    const fill = contingentActions(
      moved.next,
      filled('tp', 1, 1, { side: 'sell' }),
      working(['sl2'], ['tp']),
      false
    );
    expect(fill.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl2', reason: 'OCO: tp filled' }]);
  });
});

describe('contingentActions: reduce (one-updates-other) groups', () => {
  const group: Contingencies = joinOco(joinOco(NO_CONTINGENCIES, 'sl', 'g', 'reduce'), 'tp', 'g', 'reduce');

  it('without venue OCO: a partial fill replaces each working sibling by one smaller by the fill', () => {
    const r = contingentActions(group, filled('tp', 4, 4, { side: 'sell' }), working(['sl'], ['tp']), false);
    expect(r.actions).toEqual([{ kind: 'replace', clientOrderId: 'sl', qty: 6, reason: 'OUO: tp filled 4' }]);
    // a sibling that had filled 3 of its 10 and has 7 left: 3 + (7 − 4)
    const part = contingentActions(
      group,
      filled('tp', 4, 4, { side: 'sell' }),
      working(['sl', 'PARTIAL_FILL', 7], ['tp']),
      false
    );
    expect(part.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 6, reason: 'OUO: tp filled 4' }
    ]);
  });

  it('a fill that leaves a sibling nothing cancels it', () => {
    const r = contingentActions(group, filled('tp', 10, 10, { side: 'sell' }), working(['sl']), false);
    expect(r.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: tp filled' }]);
    expect(r.next.oco).toEqual({ sl: { ocoGroup: 'g', ocoMode: 'reduce' } });
  });

  it('a sibling whose size cannot change now owes the fill, and a second fill adds to the debt', () => {
    const fill = filled('tp', 4, 4, { side: 'sell' });
    const requested: WorkingOrders = { sl: { instrumentId: X, leaves: -10, filled: 0 } };
    for (const open of [
      working(['sl', 'PENDING_NEW']),
      working(['sl', 'PENDING_REPLACE']),
      working(['sl', 'PENDING_CANCEL']),
      requested
    ]) {
      const r = contingentActions(group, fill, open, false);
      expect(r.actions).toEqual([]);
      expect(r.next.owed).toEqual({ sl: 4 });
      const again = contingentActions(r.next, filled('tp', 3, 7, { side: 'sell' }), open, false);
      expect(again.next.owed).toEqual({ sl: 7 });
    }
  });

  /** `group` after tp filled `q` while sl was not yet acknowledged. */
  const owing = (q: number) =>
    contingentActions(group, filled('tp', q, q, { side: 'sell' }), working(['sl', 'PENDING_NEW']), false)
      .next;
  const slEvent = (over: Partial<OrderEvent>) => ev('sl', { side: 'sell', ...over });

  it('the debt is paid by a replace as soon as an event shows the sibling acknowledged, and only then', () => {
    const c = owing(4);
    const still = live(c, slEvent({ type: 'order.submitted', to: 'PENDING_NEW' }));
    expect(still).toEqual({ next: c, actions: [] });
    const acked = live(c, slEvent({ type: 'order.accepted', to: 'ACKNOWLEDGED' }));
    expect(acked.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 6, reason: 'OUO: group filled 4' }
    ]);
    expect(acked.next.owed).toEqual({});
    // its own fill while in flight keeps the debt; the answer to the replace (here rejected) pays it, counting
    // that fill: 2 filled, 8 left, 4 owed → 6
    const busy = { ...c, owed: { sl: 4 } };
    const own = live(
      busy,
      slEvent({ type: 'order.filled', lastQty: 2, filledQty: 2, leavesQty: 8, to: 'PENDING_REPLACE' })
    );
    expect(own.actions).toEqual([]);
    expect(own.next.owed).toEqual({ sl: 4 });
    const answered = live(
      own.next,
      slEvent({ type: 'order.replace_rejected', filledQty: 2, leavesQty: 8, to: 'PARTIAL_FILL' })
    );
    expect(answered.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 6, reason: 'OUO: group filled 4' }
    ]);
  });

  it('a replaced sibling takes its debt to its new id and pays it from the new size', () => {
    // tp filled 4: sl was replaced to 6; tp filled 3 more while that replace was in flight
    const c = contingentActions(
      group,
      filled('tp', 3, 7, { side: 'sell' }),
      working(['sl', 'PENDING_REPLACE']),
      false
    ).next;
    const r = live(c, slReplaced({ qty: 6, leavesQty: 6 }));
    expect(r.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 3, reason: 'OUO: group filled 3' }
    ]);
    expect(r.next.owed).toEqual({});
    expect(r.next.oco).toEqual({
      tp: { ocoGroup: 'g', ocoMode: 'reduce' },
      sl2: { ocoGroup: 'g', ocoMode: 'reduce' }
    });
  });

  it('a debt of all it has left cancels it: at once, or when its cancel is rejected', () => {
    const fill = filled('tp', 10, 10, { side: 'sell' });
    for (const status of ['PENDING_NEW', 'PENDING_REPLACE']) {
      const r = contingentActions(group, fill, working(['sl', status]), false);
      expect(r.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: tp filled' }]);
      expect(r.next.owed).toEqual({});
    }
    const canceling = contingentActions(group, fill, working(['sl', 'PENDING_CANCEL']), false);
    expect(canceling.actions).toEqual([]);
    const rejected = live(canceling.next, slEvent({ type: 'order.cancel_rejected', to: 'ACKNOWLEDGED' }));
    expect(rejected.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: group filled' }]);
  });

  it('a sibling that is done before it can pay drops its debt', () => {
    const r = live(owing(4), slEvent({ type: 'order.canceled', to: 'CANCELED' }));
    expect(r.actions).toEqual([]);
    expect(r.next.owed).toEqual({});
  });

  it('with venue OCO the venue restates: nothing is sent', () => {
    expect(
      contingentActions(group, filled('tp', 4, 4, { side: 'sell' }), working(['sl'], ['tp']), true).actions
    ).toEqual([]);
  });
});

describe('contingentActions: a reduction in flight, and one the venue refuses', () => {
  const group: Contingencies = joinOco(joinOco(NO_CONTINGENCIES, 'sl', 'g', 'reduce'), 'tp', 'g', 'reduce');
  const tpFill = (lastQty: number, filledQty: number) => filled('tp', lastQty, filledQty, { side: 'sell' });
  const slEvent = (over: Partial<OrderEvent>) => ev('sl', { side: 'sell', ...over });
  /** tp filled 4 with sl acknowledged: sl is being replaced to 6. */
  const sent = contingentActions(group, tpFill(4, 4), working(['sl'], ['tp', 'PARTIAL_FILL', 6]), false);
  const refused = (over: Partial<OrderEvent> = {}) =>
    slEvent({ type: 'order.replace_rejected', to: 'ACKNOWLEDGED', ...over });

  it('a reduction sent is in flight until answered: a fill before then is owed, not a second replace', () => {
    expect(sent.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 6, reason: 'OUO: tp filled 4' }
    ]);
    expect(sent.next.reducing).toEqual({ sl: { lots: 4, retry: false, basis: 10, target: 6 } });
    // tp fills 1 more before sl's order.pending_replace arrives: sl still looks acknowledged
    const r = contingentActions(sent.next, tpFill(1, 5), working(['sl'], ['tp', 'PARTIAL_FILL', 5]), false);
    expect(r.actions).toEqual([]);
    expect(r.next.owed).toEqual({ sl: 1 });
    // nor is a debt paid at an event of sl's own before the answer (its fill, before its order.pending_replace)
    const own = live(
      r.next,
      slEvent({ type: 'order.filled', lastQty: 2, filledQty: 2, leavesQty: 8, to: 'PARTIAL_FILL' })
    );
    expect(own.actions).toEqual([]);
    expect(own.next.owed).toEqual({ sl: 1 });
    // taken: nothing more in flight, and the debt is paid from the new size (6, 2 of it filled: 2 + 4 − 1)
    const took = live(own.next, slReplaced({ qty: 6, filledQty: 2, leavesQty: 4, to: 'PARTIAL_FILL' }));
    expect(took.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 5, reason: 'OUO: group filled 1' }
    ]);
    expect(took.next.reducing).toEqual({ sl2: { lots: 1, retry: false, basis: 6, target: 5 } });
    expect(took.next.owed).toEqual({});
  });

  it('refused, the reduction is owed again and sent once more from the size now, with what was owed since', () => {
    const owing = contingentActions(sent.next, tpFill(1, 5), working(['sl', 'PENDING_REPLACE']), false).next;
    const r = live(owing, refused());
    expect(r.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 5, reason: 'OUO: group filled 5' }
    ]);
    expect(r.next.reducing).toEqual({ sl: { lots: 5, retry: true, basis: 10, target: 5 } });
    expect(r.next.owed).toEqual({});
    // refused again (say the venue cannot replace it in its state): canceled rather than left larger than the position
    const again = live(r.next, refused());
    expect(again.actions).toEqual([
      { kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: reduction refused twice' }
    ]);
    expect([again.next.reducing, again.next.owed]).toEqual([{}, {}]);
    // a risk denial is a refusal too
    expect(live(sent.next, refused({ type: 'order.replace_denied' })).actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 6, reason: 'OUO: group filled 4' }
    ]);
  });

  it('refused because sl filled past the new size meanwhile: what it has left is canceled', () => {
    // sl filled 6 of its 10 while being replaced to 6: the venue refuses (new qty not above filled); 4 left, 4 owed
    const r = live(sent.next, refused({ filledQty: 6, leavesQty: 4, to: 'PARTIAL_FILL' }));
    expect(r.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: group filled' }]);
    expect([r.next.reducing, r.next.owed]).toEqual([{}, {}]);
  });

  it('refused with a cancel held behind it: the debt waits; a fill owing all it has left cancels it at once', () => {
    const held = live(sent.next, refused({ to: 'PENDING_CANCEL' }));
    expect(held.actions).toEqual([]);
    expect([held.next.reducing, held.next.owed]).toEqual([{}, { sl: 4 }]);
    // tp fills 6 more while the 4 are in flight: 4 + 6 is all sl has
    const all = contingentActions(sent.next, tpFill(6, 10), working(['sl', 'PENDING_REPLACE']), false);
    expect(all.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: tp filled' }]);
    expect([all.next.reducing, all.next.owed]).toEqual([{}, {}]);
  });

  it('a sibling that is done drops its reduction in flight', () => {
    const r = live(
      sent.next,
      slEvent({ type: 'order.filled', lastQty: 10, filledQty: 10, leavesQty: 0, to: 'FILLED' })
    );
    expect(r.actions).toEqual([]);
    expect(r.next.reducing).toEqual({});
  });

  it('a venue restatement while a replace of ours is in flight is owed again if the replace takes (its size is absolute)', () => {
    // sl 10 → 6 in flight; the venue restates sl to 8 meanwhile (say its own OCO took 2 off)
    const restated = live(
      sent.next,
      slEvent({ type: 'order.restated', qty: 8, leavesQty: 8, to: 'PENDING_REPLACE' })
    );
    expect(restated.next.reducing).toEqual({
      sl: { lots: 4, retry: false, basis: 8, target: 6, restated: 2 }
    });
    // the replace to 6 takes, undoing the 2: they are taken off again
    const took = live(restated.next, slReplaced({ qty: 6, leavesQty: 6 }));
    expect(took.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 4, reason: 'OUO: group filled 2' }
    ]);
    // refused, the restatement stands: only the 4 of the reduction are owed again (8 − 4)
    const no = live(restated.next, refused({ qty: 8, leavesQty: 8 }));
    expect(no.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 4, reason: 'OUO: group filled 4' }
    ]);
  });

  it('a replace that took at the size asked for less the restatement did not undo it: only what it undid is owed', () => {
    // sl 10 → 6 in flight, restated to 8 meanwhile: a venue that applied the reduction to the restated size
    // leaves 4 (nothing owed); one that left 5 undid 1 of the 2
    const restated = live(
      sent.next,
      slEvent({ type: 'order.restated', qty: 8, leavesQty: 8, to: 'PENDING_REPLACE' })
    );
    const kept = live(restated.next, slReplaced({ qty: 4, leavesQty: 4 }));
    expect([kept.actions, kept.next.owed, kept.next.reducing]).toEqual([[], {}, {}]);
    expect(live(restated.next, slReplaced({ qty: 5, leavesQty: 5 })).actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 4, reason: 'OUO: group filled 1' }
    ]);
  });

  it("the strategy's own price-only replace is followed too: FIX sends the size it had, undoing a restatement", () => {
    const own = ownReplace(group, 'sl', 10); // a new stop price, no size: the size asked for is the 10 it has
    expect(own.reducing).toEqual({ sl: { lots: 0, retry: false, basis: 10, target: 10, own: true } });
    const restated = live(
      own,
      slEvent({ type: 'order.restated', qty: 8, leavesQty: 8, to: 'PENDING_REPLACE' })
    );
    // FIX: the replace carried OrderQty 10 and the venue went back to it: the 2 are taken off again
    expect(live(restated.next, slReplaced({ qty: 10, leavesQty: 10 })).actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 8, reason: 'OUO: group filled 2' }
    ]);
    // a venue that kept the restated size (Alpaca's PATCH without a qty): nothing to do
    const kept = live(restated.next, slReplaced({ qty: 8, leavesQty: 8 }));
    expect([kept.actions, kept.next.owed, kept.next.reducing]).toEqual([[], {}, {}]);
  });

  it('an order outside any group that owes a restatement a replace undid is reduced with that reason', () => {
    const alone = ownReplace(NO_CONTINGENCIES, 'sl', 10);
    const restated = live(
      alone,
      slEvent({ type: 'order.restated', qty: 8, leavesQty: 8, to: 'PENDING_REPLACE' })
    );
    expect(live(restated.next, slReplaced({ qty: 10, leavesQty: 10 })).actions).toEqual([
      {
        kind: 'replace',
        clientOrderId: 'sl2',
        qty: 8,
        reason: 'restated: the venue’s restatement, undone by a replace, taken off again 2'
      }
    ]);
  });

  it("the strategy's own size replace crossed by a restatement: owed again if it takes, nothing if refused", () => {
    // the strategy replaces sl (10) to 12; the venue restates it to 8 meanwhile
    const own = ownReplace(group, 'sl', 10, 12);
    expect(own.reducing).toEqual({ sl: { lots: 0, retry: false, basis: 10, target: 12, own: true } });
    expect(ownReplace(sent.next, 'sl', 10)).toBe(sent.next); // one of our reductions is followed already
    const restated = live(
      own,
      slEvent({ type: 'order.restated', qty: 8, leavesQty: 8, to: 'PENDING_REPLACE' })
    );
    const took = live(restated.next, slReplaced({ qty: 12, leavesQty: 12 }));
    expect(took.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 10, reason: 'OUO: group filled 2' }
    ]);
    // refused: nothing is owed, and it is no refusal of a reduction (no retry, no cancel)
    const no = live(restated.next, refused({ qty: 8, leavesQty: 8 }));
    expect([no.actions, no.next.owed, no.next.reducing]).toEqual([[], {}, {}]);
  });

  it('a request the order refused itself is not in flight: a reduction is owed again, the strategy’s own just ends', () => {
    const owedAgain = requestRefused(sent.next, 'sl');
    expect([owedAgain.reducing, owedAgain.owed]).toEqual([{}, { sl: 4 }]);
    const own = requestRefused(ownReplace(group, 'sl', 10), 'sl');
    expect([own.reducing, own.owed]).toEqual([{}, {}]);
    expect(requestRefused(group, 'sl')).toBe(group);
    // a later own replace starts afresh from the size then
    const again = ownReplace(ownReplace(group, 'sl', 10), 'sl', 8);
    expect(again.reducing).toEqual({ sl: { lots: 0, retry: false, basis: 8, target: 8, own: true } });
  });

  it('unsent: reductions discarded while halted are not in flight', () => {
    expect(unsent(sent.next, sent.actions).reducing).toEqual({});
    expect(unsent(sent.next, [])).toBe(sent.next);
  });
});

describe('catchUpContingencies: a restarted strategy and the order events it missed', () => {
  const tpFill = (lastQty: number, filledQty: number) => filled('tp', lastQty, filledQty, { side: 'sell' });
  const reduceGroup = joinOco(joinOco(NO_CONTINGENCIES, 'sl', 'g', 'reduce'), 'tp', 'g', 'reduce');

  it('a bracket whose entry ended while it was down releases the exits for what it filled', () => {
    const c = openBracket(NO_CONTINGENCIES, 's-1', bracket());
    const r = catchUpContingencies(c, [filled('s-1', 4, 4), filled('s-1', 6, 10)], {}, true);
    expect(r.actions).toMatchObject([
      { orderType: 'stop', qty: 10, ocoGroup: 's-1' },
      { orderType: 'limit', qty: 10, ocoGroup: 's-1' }
    ]);
    expect(r.next.brackets).toEqual({});
  });

  it('reduce siblings are reduced once by all the missed fills, from their size now', () => {
    const r = catchUpContingencies(
      reduceGroup,
      [tpFill(2, 2), tpFill(3, 5)],
      working(['sl'], ['tp', 'PARTIAL_FILL', 5]),
      false
    );
    // replayed one by one against the size now, they would ask for 8, then 7
    expect(r.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 5, reason: 'OUO: group filled 5' }
    ]);
    expect(r.next.owed).toEqual({});
  });

  it('a sibling that cannot change now keeps the debt; one no longer working drops it', () => {
    const missed = [tpFill(2, 2), tpFill(3, 5)];
    const busy = catchUpContingencies(reduceGroup, missed, working(['sl', 'PENDING_REPLACE']), false);
    expect([busy.actions, busy.next.owed]).toEqual([[], { sl: 5 }]);
    const gone = catchUpContingencies(reduceGroup, missed, {}, false);
    expect([gone.actions, gone.next.owed]).toEqual([[], {}]);
  });

  it('a debt from before the crash is paid once, with the missed fills, not at a missed ack and again after', () => {
    const c = { ...reduceGroup, owed: { sl: 2 } }; // sl was not yet acknowledged when tp filled 2
    const missed = [ev('sl', { type: 'order.accepted', side: 'sell', to: 'ACKNOWLEDGED' }), tpFill(3, 5)];
    const r = catchUpContingencies(c, missed, working(['sl'], ['tp', 'PARTIAL_FILL', 5]), false);
    expect(r.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 5, reason: 'OUO: group filled 5' }
    ]);
  });

  it('a cancel group cancels the working siblings once, not one already being canceled', () => {
    const group = joinOco(joinOco(NO_CONTINGENCIES, 'sl', 'g', 'cancel'), 'tp', 'g', 'cancel');
    expect(catchUpContingencies(group, [tpFill(2, 2), tpFill(3, 5)], working(['sl']), false).actions).toEqual(
      [{ kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: tp filled' }]
    );
    expect(
      catchUpContingencies(group, [tpFill(2, 2)], working(['sl', 'PENDING_CANCEL']), false).actions
    ).toEqual([]);
  });

  it('a reduce sibling canceled in the replay (all it had was owed) gets nothing more', () => {
    const three = joinOco(reduceGroup, 'x', 'g', 'reduce');
    // tp's fill of 10 leaves sl and x nothing; x's own fill (before its cancel landed) would owe sl 2 more
    const xFill = filled('x', 2, 2, { side: 'sell' });
    const r = catchUpContingencies(
      three,
      [tpFill(10, 10), xFill],
      working(['sl'], ['x', 'PARTIAL_FILL', 8]),
      false
    );
    expect(r.actions).toEqual([
      { kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: tp filled' },
      { kind: 'cancel', clientOrderId: 'x', reason: 'OCO: tp filled' }
    ]);
    expect(r.next.owed).toEqual({});
  });

  it('a reduction refused while it was down is sent again from the size now; one still in flight keeps the debt', () => {
    const c = { ...reduceGroup, reducing: { sl: { lots: 2, retry: false } } };
    const refused = ev('sl', { type: 'order.replace_rejected', side: 'sell', to: 'ACKNOWLEDGED' });
    const r = catchUpContingencies(
      c,
      [refused, tpFill(3, 5)],
      working(['sl'], ['tp', 'PARTIAL_FILL', 5]),
      false
    );
    expect(r.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl', qty: 5, reason: 'OUO: group filled 5' }
    ]);
    expect(r.next.reducing).toEqual({ sl: { lots: 5, retry: false, basis: 10, target: 5 } });
    const flying = catchUpContingencies(c, [tpFill(3, 5)], working(['sl'], ['tp', 'PARTIAL_FILL', 5]), false);
    expect([flying.actions, flying.next.owed]).toEqual([[], { sl: 3 }]);
  });

  it('a sibling replaced in the missed events is canceled under its id now, once', () => {
    const group = joinOco(joinOco(NO_CONTINGENCIES, 'sl', 'g', 'cancel'), 'tp', 'g', 'cancel');
    // tp filled, then a replace of sl (a trailing stop, sent before the crash) was done, then tp filled again
    const replaced = slReplaced({});
    const r = catchUpContingencies(
      group,
      [tpFill(2, 2), replaced, tpFill(3, 5)],
      working(['sl2'], ['tp', 'PARTIAL_FILL', 5]),
      false
    );
    expect(r.actions).toEqual([{ kind: 'cancel', clientOrderId: 'sl2', reason: 'OCO: tp filled' }]);
    expect(r.next.oco).toEqual({
      tp: { ocoGroup: 'g', ocoMode: 'cancel' },
      sl2: { ocoGroup: 'g', ocoMode: 'cancel' }
    });
    // in a reduce group the debt follows it: sl2 pays 5 from its size now
    const reduce = catchUpContingencies(
      reduceGroup,
      [tpFill(2, 2), replaced, tpFill(3, 5)],
      working(['sl2'], ['tp', 'PARTIAL_FILL', 5]),
      false
    );
    expect(reduce.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 5, reason: 'OUO: group filled 5' }
    ]);
  });

  it('a reduction that took while it was down is not counted again against the size it left', () => {
    // tp filled 4: sl 10 → 6 was in flight; while down, tp filled 3 more and the venue replaced sl by sl2 (6)
    const c = { ...reduceGroup, reducing: { sl: { lots: 4, retry: false } } };
    const replaced = slReplaced({ qty: 6, leavesQty: 6 });
    const r = catchUpContingencies(
      c,
      [tpFill(3, 7), replaced],
      {
        ...working(['tp', 'PARTIAL_FILL', 3]),
        sl2: { instrumentId: X, leaves: -6, filled: 0, status: 'ACKNOWLEDGED' }
      },
      false
    );
    // 3 still held: sl2 goes to 3, it is not canceled (4 in flight + 3 ≥ 6 counted the 4 twice)
    expect(r.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 3, reason: 'OUO: group filled 3' }
    ]);
  });

  it('a restatement that crossed a reduction while the strategy was down is still taken off', () => {
    // sl 10 → 6 was in flight; while down the venue restated sl to 8, then the replace to 6 took (undoing the 2)
    const c = { ...reduceGroup, reducing: { sl: { lots: 4, retry: false, basis: 10 } } };
    const missed = [
      ev('sl', { type: 'order.restated', side: 'sell', qty: 8, leavesQty: 8, to: 'PENDING_REPLACE' }),
      slReplaced({ qty: 6, leavesQty: 6 })
    ];
    const r = catchUpContingencies(
      c,
      missed,
      { sl2: { instrumentId: X, leaves: -6, filled: 0, status: 'ACKNOWLEDGED' } },
      false
    );
    expect(r.actions).toEqual([
      { kind: 'replace', clientOrderId: 'sl2', qty: 4, reason: 'OUO: group filled 2' }
    ]);
  });

  it('a cancel a missed refusal calls for is not sent to an order being canceled now', () => {
    const c = { ...reduceGroup, reducing: { sl: { lots: 2, retry: true } } };
    const refused = ev('sl', { type: 'order.replace_rejected', side: 'sell', to: 'ACKNOWLEDGED' });
    expect(catchUpContingencies(c, [refused], working(['sl', 'PENDING_CANCEL']), false).actions).toEqual([]);
    expect(catchUpContingencies(c, [refused], working(['sl']), false).actions).toEqual([
      { kind: 'cancel', clientOrderId: 'sl', reason: 'OCO: reduction refused twice' }
    ]);
  });

  it('an order that ended later in the missed events is not canceled at an earlier one', () => {
    // sl's reduction was refused a second time, then sl filled in full
    const c = { ...reduceGroup, reducing: { sl: { lots: 2, retry: true } } };
    const missed = [
      ev('sl', { type: 'order.replace_rejected', side: 'sell', to: 'ACKNOWLEDGED' }),
      ev('sl', { type: 'order.filled', side: 'sell', lastQty: 10, filledQty: 10, leavesQty: 0, to: 'FILLED' })
    ];
    const r = catchUpContingencies(c, missed, {}, false);
    expect(r.actions).toEqual([]);
    expect([r.next.reducing, r.next.owed]).toEqual([{}, {}]);
  });

  it('nothing missed: nothing changes', () => {
    expect(catchUpContingencies(reduceGroup, [], working(['sl']), false)).toEqual({
      next: reduceGroup,
      actions: []
    });
  });
});

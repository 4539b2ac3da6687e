import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RiskEngine } from '../../src/risk/risk-engine.ts';
import { RiskState } from '../../src/risk/risk-state.ts';
import { worstCaseExposure } from '../../src/risk/risk-view.ts';
import { orderEvent as ev } from '../support/order-fixtures.ts';
import { cfg, instruments, order } from './risk-fixtures.ts';

describe('RiskState (the ready-made RiskView)', () => {
  it('tracks working quantities, best own prices, fills and gross exposure from order events', () => {
    const s = new RiskState(instruments, { now: () => 5n });
    s.onOrderEvent(ev({ clientOrderId: 'b1', limitPx: 100 }));
    s.onOrderEvent(ev({ clientOrderId: 'b2', limitPx: 102 }));
    s.onOrderEvent(ev({ clientOrderId: 'a1', side: 'sell', limitPx: 110, leavesQty: 4 }));
    expect([s.openBuyQty('X@SIM', 0), s.openSellQty('X@SIM', 0)]).toEqual([20, 4]);
    expect([s.bestOwnBid('s1', 'X@SIM', 0), s.bestOwnAsk('s1', 'X@SIM', 0)]).toEqual([102, 110]);
    expect(s.bestOwnBid('s2', 'X@SIM', 0)).toBeUndefined();
    expect(s.grossExposure()).toBe(20);
    // b2 fills 6 of 10: position +6, leaves 4
    s.onOrderEvent(
      ev({ clientOrderId: 'b2', type: 'order.filled', lastQty: 6, leavesQty: 4, to: 'PARTIAL_FILL' })
    );
    expect([s.position('X@SIM', 0), s.openBuyQty('X@SIM', 0), s.grossExposure()]).toEqual([6, 14, 20]);
    // b2 canceled: best bid falls back to b1
    s.onOrderEvent(ev({ clientOrderId: 'b2', type: 'order.canceled', leavesQty: 0, to: 'CANCELED' }));
    expect(s.bestOwnBid('s1', 'X@SIM', 0)).toBe(100);
    expect(s.grossExposure()).toBe(16);
    s.setPosition('Y@SIM', -30);
    expect(s.grossExposure()).toBe(46);
    s.setMid('X@SIM', 101.5);
    expect([s.mid('X@SIM', 0), s.mid('Y@SIM', 1), s.now()]).toEqual([101.5, undefined, 5n]);
    // gross notional counts instruments with a mid: X's worst case 16 lots × 101.5 ticks × $0.01; Y has none yet
    expect(s.grossNotional()).toBeCloseTo(16 * 101.5 * 0.01, 10);
    s.setMid('Y@SIM', 50);
    expect(s.grossNotional()).toBeCloseTo(16 * 101.5 * 0.01 + 30 * 50 * 0.01, 10);
    // equity only from the account it is given
    expect(s.equity()).toBeUndefined();
    expect(new RiskState(instruments, { now: () => 0n }, () => 123.45).equity()).toBe(123.45);
  });

  it('property: the gross notional kept incrementally equals the sum recomputed from scratch', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('mid' as const),
        i: fc.nat(1),
        mid: fc.option(fc.integer({ min: 1, max: 50_000 }))
      }),
      fc.record({
        kind: fc.constant('pos' as const),
        i: fc.nat(1),
        lots: fc.integer({ min: -500, max: 500 })
      }),
      fc.record({
        kind: fc.constant('order' as const),
        i: fc.nat(1),
        id: fc.nat(5),
        side: fc.constantFrom('buy' as const, 'sell' as const),
        leaves: fc.integer({ min: 0, max: 300 })
      })
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 80 }), (steps) => {
        const s = new RiskState(instruments, { now: () => 0n });
        const mids: (number | undefined)[] = [undefined, undefined];
        for (const st of steps) {
          const id = instruments[st.i]!.id;
          if (st.kind === 'mid') {
            s.setMid(id, st.mid ?? undefined);
            mids[st.i] = st.mid ?? undefined;
          } else if (st.kind === 'pos') s.setPosition(id, st.lots);
          else
            s.onOrderEvent(
              ev({
                clientOrderId: `o${st.id}`,
                instrumentId: id,
                side: st.side,
                leavesQty: st.leaves,
                to: st.leaves === 0 ? 'CANCELED' : 'ACKNOWLEDGED'
              })
            );
        }
        let expected = 0;
        for (let i = 0; i < 2; i++) {
          const id = instruments[i]!.id;
          const m = mids[i];
          if (m === undefined) continue;
          expected +=
            worstCaseExposure(s.position(id, i), s.openBuyQty(id, i), s.openSellQty(id, i)) * m * 0.01;
        }
        expect(s.grossNotional()).toBeCloseTo(expected, 6);
      })
    );
  });

  it('a replace to a larger size counts at the larger size until the venue answers, then at what it answered', () => {
    const s = new RiskState(instruments, { now: () => 0n });
    const buys = () => s.openBuyQty('X@SIM', 0);
    s.onOrderEvent(ev({ clientOrderId: 'b1', qty: 10, leavesQty: 10 }));
    s.onReplaceSent('b1', 30); // passed risk as a 30-lot order
    expect([buys(), s.grossExposure()]).toEqual([30, 30]);
    s.onOrderEvent(ev({ clientOrderId: 'b1', type: 'order.pending_replace', to: 'PENDING_REPLACE' }));
    expect(buys()).toBe(30);
    // it fills 4 meanwhile: 6 left now, 26 if the replace takes
    s.onOrderEvent(
      ev({
        clientOrderId: 'b1',
        type: 'order.filled',
        lastQty: 4,
        filledQty: 4,
        leavesQty: 6,
        to: 'PENDING_REPLACE'
      })
    );
    expect([s.position('X@SIM', 0), buys()]).toEqual([4, 26]);
    s.onOrderEvent(
      ev({
        clientOrderId: 'b2',
        origClientOrderId: 'b1',
        type: 'order.replaced',
        qty: 30,
        filledQty: 4,
        leavesQty: 26
      })
    );
    expect(buys()).toBe(26);
    // refused: back to its own size; a decrease in flight counts the size it has
    s.onReplaceSent('b2', 50);
    expect(buys()).toBe(46);
    s.onOrderEvent(
      ev({
        clientOrderId: 'b2',
        type: 'order.pending_replace',
        qty: 30,
        filledQty: 4,
        leavesQty: 26,
        to: 'PENDING_REPLACE'
      })
    );
    expect(buys()).toBe(46);
    s.onOrderEvent(
      ev({ clientOrderId: 'b2', type: 'order.replace_rejected', qty: 30, filledQty: 4, leavesQty: 26 })
    );
    expect(buys()).toBe(26);
    s.onReplaceSent('b2', 10);
    expect(buys()).toBe(26);
    // an order that ends takes its replace with it; an unknown order is ignored
    s.onReplaceSent('b2', 50);
    s.onOrderEvent(
      ev({ clientOrderId: 'b2', type: 'order.canceled', filledQty: 4, leavesQty: 0, to: 'CANCELED' })
    );
    s.onReplaceSent('nope', 50);
    expect([buys(), s.grossExposure()]).toEqual([0, 4]);
  });

  it('REDUCING: an order sent while a replace to a larger size is in flight cannot sell more than is held', () => {
    const s = new RiskState(instruments, { now: () => 0n });
    const engine = new RiskEngine(cfg(), instruments);
    s.setPosition('X@SIM', 10);
    s.onOrderEvent(ev({ clientOrderId: 'a', side: 'sell', qty: 5, leavesQty: 5, limitPx: 10_000 }));
    s.setTradingState('REDUCING');
    s.onReplaceSent('a', 10); // the working sell of 5 goes to 10 (it passed: 10 ≤ the 10 held)
    const sell5 = order({ clientOrderId: 'b', side: 'sell', qty: 5, limitPx: 10_000 });
    expect(engine.check(sell5, s).ok).toBe(false);
    s.onOrderEvent(
      ev({
        clientOrderId: 'a',
        side: 'sell',
        type: 'order.pending_replace',
        qty: 5,
        leavesQty: 5,
        limitPx: 10_000,
        to: 'PENDING_REPLACE'
      })
    );
    expect(engine.check(sell5, s).ok).toBe(false);
    s.onOrderEvent(
      ev({
        clientOrderId: 'a',
        side: 'sell',
        type: 'order.replace_rejected',
        qty: 5,
        leavesQty: 5,
        limitPx: 10_000
      })
    );
    expect(engine.check(sell5, s).ok).toBe(true);
  });

  it('what the account held before the session counts in the position and, at its mid, in the equity', () => {
    const engine = new RiskEngine(cfg({ order: ['maxLeverage'], maxLeverage: 1 }), instruments);
    const buy100 = order({ qty: 100, limitPx: 10_000 });
    // $100,000 of session equity; the account already holds 950 X at $100 ($95,000)
    const held = new RiskState(instruments, { now: () => 0n }, () => 100_000);
    held.setMid('X@SIM', 10_000);
    held.holdBefore('X@SIM', 950);
    expect([held.position('X@SIM', 0), held.equity()]).toEqual([950, 195_000]);
    // 1,050 × $100 = $105,000 against $195,000
    expect(engine.check(buy100, held).ok).toBe(true);
    // counted as exposure but not as equity, the same buy would be 1.05× a $100,000 account
    const onlyExposure = new RiskState(instruments, { now: () => 0n }, () => 100_000);
    onlyExposure.setMid('X@SIM', 10_000);
    onlyExposure.setPosition('X@SIM', 950);
    expect(engine.check(buy100, onlyExposure).ok).toBe(false);
    // the held value follows the mid
    held.setMid('X@SIM', 11_000);
    expect(held.equity()).toBe(100_000 + 950 * 110);
  });

  it('feeds the engine: a replace moves the resting price, self-trade follows', () => {
    const s = new RiskState(instruments, { now: () => 0n });
    const engine = new RiskEngine(cfg({ order: ['selfTrade'] }), instruments);
    s.onOrderEvent(ev({ clientOrderId: 'a1', side: 'sell', limitPx: 110 }));
    expect(engine.check(order({ limitPx: 110 }), s).ok).toBe(false);
    s.onOrderEvent(
      ev({ clientOrderId: 'a2', origClientOrderId: 'a1', side: 'sell', limitPx: 120, type: 'order.replaced' })
    );
    expect(engine.check(order({ limitPx: 110 }), s).ok).toBe(true);
    s.setTradingState('HALTED');
    expect(s.tradingState()).toBe('HALTED');
  });
  it('a replace the order refuses no longer counts; with one taken in flight, the worst of them counts', () => {
    const s = new RiskState(instruments, { now: () => 0n });
    const buys = () => s.openBuyQty('X@SIM', 0);
    const pendingReplace = ev({
      clientOrderId: 'b1',
      type: 'order.pending_replace',
      qty: 5,
      leavesQty: 5,
      to: 'PENDING_REPLACE'
    });
    // not yet acknowledged: the order refuses a replace to 50 (order.refused), and it counts at its own 5 again
    s.onOrderEvent(
      ev({ clientOrderId: 'b1', qty: 5, leavesQty: 5, type: 'order.submitted', to: 'PENDING_NEW' })
    );
    s.onReplaceSent('b1', 50);
    expect(buys()).toBe(50);
    s.replaceRefused('b1');
    expect(buys()).toBe(5);
    // acknowledged: a replace to 50 taken, then one to 10 refused (PENDING_REPLACE): the 50 may still be applied
    s.onOrderEvent(
      ev({ clientOrderId: 'b1', qty: 5, leavesQty: 5, type: 'order.accepted', to: 'ACKNOWLEDGED' })
    );
    s.onReplaceSent('b1', 50);
    s.onOrderEvent(pendingReplace);
    s.onReplaceSent('b1', 10);
    expect(buys()).toBe(50);
    s.replaceRefused('b1');
    expect(buys()).toBe(50);
    // a larger one sent meanwhile counts until the order answers it, even though it is not the latest
    s.onReplaceSent('b1', 80);
    s.onReplaceSent('b1', 20);
    expect(buys()).toBe(80);
    s.replaceRefused('b1');
    expect(buys()).toBe(50);
    s.replaceRefused('b1');
    expect(buys()).toBe(50);
    // one risk denied counts nothing, and its refusal (order.replace_denied) leaves the one taken counted
    s.onReplaceSent('b1');
    s.onOrderEvent(
      ev({ clientOrderId: 'b1', type: 'order.replace_denied', qty: 5, leavesQty: 5, to: 'PENDING_REPLACE' })
    );
    expect(buys()).toBe(50);
    // the venue applies the 50; a replace sent before that is answered under the new id
    s.onReplaceSent('b1', 70);
    s.onOrderEvent(
      ev({ clientOrderId: 'b2', origClientOrderId: 'b1', type: 'order.replaced', qty: 50, leavesQty: 50 })
    );
    expect(buys()).toBe(70);
    s.replaceRefused('b2');
    expect(buys()).toBe(50);
    // nothing left in flight: an order that ends leaves nothing behind
    s.onOrderEvent(
      ev({ clientOrderId: 'b2', type: 'order.canceled', qty: 50, leavesQty: 0, to: 'CANCELED' })
    );
    expect([buys(), s.grossExposure()]).toEqual([0, 0]);
  });

  it('self-trade: an order with a replace to a more aggressive limit in flight counts at that limit', () => {
    const s = new RiskState(instruments, { now: () => 0n });
    const engine = new RiskEngine(cfg({ order: ['selfTrade'] }), instruments);
    const sellAt = (limitPx: number) => engine.check(order({ side: 'sell', limitPx }), s).ok;
    s.onOrderEvent(ev({ clientOrderId: 'b1', limitPx: 100 }));
    expect([s.bestOwnBid('s1', 'X@SIM', 0), sellAt(101)]).toEqual([100, true]);
    // a price-only replace up to 102: a sell at 101 would cross it once it lands
    s.onReplaceSent('b1', undefined, 102);
    expect([s.bestOwnBid('s1', 'X@SIM', 0), sellAt(101)]).toEqual([102, false]);
    s.onOrderEvent(
      ev({ clientOrderId: 'b1', limitPx: 100, type: 'order.pending_replace', to: 'PENDING_REPLACE' })
    );
    expect(sellAt(101)).toBe(false);
    // the venue refuses it: back to 100
    s.onOrderEvent(
      ev({ clientOrderId: 'b1', limitPx: 100, type: 'order.replace_rejected', to: 'ACKNOWLEDGED' })
    );
    expect([s.bestOwnBid('s1', 'X@SIM', 0), sellAt(101)]).toEqual([100, true]);
    // a replace down to 90 is less aggressive: the order still counts at 100 until it lands
    s.onReplaceSent('b1', undefined, 90);
    expect(s.bestOwnBid('s1', 'X@SIM', 0)).toBe(100);
    s.replaceRefused('b1');
    // a sell's more aggressive price is the lower one
    s.onOrderEvent(ev({ clientOrderId: 'a1', side: 'sell', limitPx: 110 }));
    s.onReplaceSent('a1', undefined, 105);
    s.onReplaceSent('a1', undefined, 108);
    expect(s.bestOwnAsk('s1', 'X@SIM', 0)).toBe(105);
    s.replaceRefused('a1');
    expect(s.bestOwnAsk('s1', 'X@SIM', 0)).toBe(108);
  });
});

import { describe, expect, it } from 'vitest';
import { applyOrderEventToWorking, workingQtyOf } from '../../src/oms/working-orders.ts';
import { orderEvent as ev } from '../support/order-fixtures.ts';

describe('applyOrderEventToWorking', () => {
  it('adds, updates in place, replaces and removes orders without changing its input', () => {
    let w = applyOrderEventToWorking({}, ev({ clientOrderId: 'b1' }));
    w = applyOrderEventToWorking(w, ev({ clientOrderId: 's1', side: 'sell', limitPx: 110, leavesQty: 4 }));
    w = applyOrderEventToWorking(w, ev({ clientOrderId: 'b2', limitPx: 99 }));
    const before = w;
    // b1 partly fills: it keeps its place, leaves 6
    w = applyOrderEventToWorking(
      w,
      ev({ clientOrderId: 'b1', type: 'order.filled', filledQty: 4, leavesQty: 6, to: 'PARTIAL_FILL' })
    );
    expect(Object.keys(w)).toEqual(['b1', 's1', 'b2']);
    expect(w.b1).toEqual({
      instrumentId: 'X@SIM',
      leaves: 6,
      filled: 4,
      limitPx: 100,
      status: 'PARTIAL_FILL'
    });
    expect(before.b1?.leaves).toBe(10);
    expect(workingQtyOf(w, 'X@SIM')).toBe(6 - 4 + 10);
    // s1 replaced by s2 at 111: s1 goes, s2 joins at the end
    w = applyOrderEventToWorking(
      w,
      ev({ clientOrderId: 's2', origClientOrderId: 's1', type: 'order.replaced', side: 'sell', limitPx: 111 })
    );
    expect(Object.keys(w)).toEqual(['b1', 'b2', 's2']);
    expect(w.s2).toEqual({
      instrumentId: 'X@SIM',
      leaves: -10,
      filled: 0,
      limitPx: 111,
      status: 'ACKNOWLEDGED'
    });
    // a market order has no limit price; done orders leave the map
    w = applyOrderEventToWorking(w, ev({ clientOrderId: 'm1', orderType: 'market', limitPx: undefined }));
    expect(w.m1).toEqual({ instrumentId: 'X@SIM', leaves: 10, filled: 0, status: 'ACKNOWLEDGED' });
    for (const [id, to] of [
      ['b1', 'FILLED'],
      ['b2', 'CANCELED'],
      ['s2', 'EXPIRED'],
      ['m1', 'REJECTED']
    ] as const)
      w = applyOrderEventToWorking(w, ev({ clientOrderId: id, to, leavesQty: 0 }));
    expect(w).toEqual({});
    expect(workingQtyOf(w, 'X@SIM')).toBe(0);
  });
});

import { describe, expect, it } from 'vitest';
import { ExecEvents, ExecKind } from '../../src/matching/exec-events.ts';
import { Reason } from '../../src/matching/order-types.ts';

describe('ExecEvents', () => {
  it('keeps every column intact across growth and clear', () => {
    const ev = new ExecEvents(2);
    for (let round = 0; round < 2; round++) {
      ev.clear();
      for (let i = 0; i < 1_000; i++) {
        ev.push(ExecKind.TRADE, i + round, 2 * i, i & 1, 100 + i, 3 * i, 4 * i, 5 * i, Reason.NONE);
      }
      expect(ev.count).toBe(1_000);
      for (let i = 0; i < 1_000; i++) {
        expect(ev.at(i)).toEqual({
          kind: ExecKind.TRADE,
          orderId: i + round,
          otherId: 2 * i,
          side: i & 1,
          price: 100 + i,
          qty: 3 * i,
          leaves: 4 * i,
          otherLeaves: 5 * i,
          reason: Reason.NONE
        });
        expect(ev.kindAt(i)).toBe(ExecKind.TRADE);
        expect(ev.otherLeavesAt(i)).toBe(5 * i);
      }
    }
  });

  it('packs kind, side and reason without mixing them up, for every value each can take', () => {
    const ev = new ExecEvents(1);
    const kinds = Object.values(ExecKind);
    const reasons = Object.values(Reason);
    for (const kind of kinds)
      for (const side of [0, 1]) for (const reason of reasons) ev.push(kind, -1, 0, side, 0, 0, 0, 0, reason);
    let i = 0;
    for (const kind of kinds)
      for (const side of [0, 1])
        for (const reason of reasons) {
          expect([ev.kindAt(i), ev.sideAt(i), ev.reasonAt(i), ev.orderIdAt(i)]).toEqual([
            kind,
            side,
            reason,
            -1
          ]);
          i++;
        }
    expect(i).toBe(ev.count);
  });
});

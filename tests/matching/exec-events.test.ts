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
        expect(ev.kind[i]).toBe(ExecKind.TRADE);
        expect(ev.otherLeaves[i]).toBe(5 * i);
      }
    }
  });
});

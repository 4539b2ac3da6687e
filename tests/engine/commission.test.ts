import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { MemoryEventLog } from '../../src/log/event-log.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import { smallConfig } from '../support/run-config.ts';

describe('execution.commission in a backtest', () => {
  it('Interactive Brokers’ fixed schedule: $0.005 a share, $1 minimum and 1 % cap per order, over its fills', async () => {
    const commission = { bps: 0, perUnit: 0.005, minimum: 1, maximumBps: 100 };
    const r = await runBacktest({
      config: smallConfig({
        execution: { commission, slippage: { bps: 2 } },
        strategy: { type: 'sma-crossover', params: { fast: 5, slow: 20, qty: 300 } }
      }),
      configFile: 't.yaml',
      monteCarloPaths: 0
    });
    const fills = (r.log as MemoryEventLog).records
      .filter((x) => x.type === 'order.filled')
      .map((x) => x.payload as OrderEvent);
    expect(fills.length).toBeGreaterThan(10);
    const valueSoFar = new Map<string, number>();
    const fillsOf = new Map<string, number[]>();
    for (const f of fills) {
      // X-like synthetic instruments: $0.01 a tick, one share a lot
      const value = (valueSoFar.get(f.clientOrderId) ?? 0) + f.lastPx! * 0.01 * f.lastQty!;
      valueSoFar.set(f.clientOrderId, value);
      // the order's total so far (the event's cumulative commission) is the schedule applied to the order so far
      const total = Math.min(Math.max(0.005 * f.filledQty, 1), 0.01 * value);
      expect(Number(f.commission) / 1e8).toBeCloseTo(total, 8);
      fillsOf.set(f.clientOrderId, [...(fillsOf.get(f.clientOrderId) ?? []), Number(f.lastCommission) / 1e8]);
    }
    const split = [...fillsOf.values()].filter((paid) => paid.length > 1);
    expect(split.length).toBeGreaterThan(0);
    // an order split into fills pays the $1 minimum once, with its first fill: a later small fill pays less
    expect(split.some((paid) => paid[0] === 1 && paid.slice(1).some((c) => c < 1))).toBe(true);
    // an order filled in one piece of more than 200 shares pays $0.005 a share
    expect([...fillsOf.values()].some((paid) => paid.length === 1 && paid[0] === 1.5)).toBe(true);
  });
});

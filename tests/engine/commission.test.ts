import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { MemoryEventLog } from '../../src/log/event-log.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import { smallConfig } from '../support/run-config.ts';

describe('execution.commission in a backtest', () => {
  it('Interactive Brokers’ fixed schedule: $0.005 a share, $1 minimum, 1 % cap, on every fill', async () => {
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
    for (const f of fills) {
      // X-like synthetic instruments: $0.01 a tick, one share a lot
      const value = f.lastPx! * 0.01 * f.lastQty!;
      const expected = Math.min(Math.max(0.005 * f.lastQty!, 1), 0.01 * value);
      expect(Number(f.lastCommission) / 1e8).toBeCloseTo(expected, 8);
    }
    // partial fills below 200 shares pay the minimum, larger ones $0.005 a share
    const paid = fills.map((f) => Number(f.lastCommission) / 1e8);
    expect(paid.some((c) => c === 1)).toBe(true);
    expect(paid.some((c) => c === 1.5)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { probeStrategy } from '../support/probe-strategy.ts';
import { smallConfig } from '../support/run-config.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;

describe('execution latency in a backtest', () => {
  it('a 45 s network delay moves every market fill from the next bar open to the one after', async () => {
    const run = (networkMs: number) =>
      runBacktest({
        config: smallConfig({
          execution: { slippage: { bps: 0 }, latency: { networkMs, ackMs: 5, fillMs: 5 } }
        }),
        configFile: 't.yaml',
        strategy: probeStrategy(50)
      });
    for (const [networkMs, barsLater] of [
      [0, 1],
      [45_000, 2]
    ] as const) {
      const recs = records((await run(networkMs)).log);
      const bars = recs.filter((x) => x.type === 'market.bar').map((x) => x.payload as Bar);
      const sent = new Map(
        recs.filter((x) => x.type === 'order.submit').map((x) => [x.ids.clientOrderId, x.ts])
      );
      const fills = recs.filter((x) => x.type === 'order.filled');
      expect(fills.length).toBeGreaterThan(10);
      for (const f of fills) {
        const p = f.payload as { clientOrderId: string; instrumentId: string; lastPx: number };
        const mine = bars.filter(
          (b) => b.instrumentId === p.instrumentId && b.tsOpen >= sent.get(p.clientOrderId)!
        );
        const expected = mine[barsLater - 1]!;
        // the fill happens at that bar's open (venue time)...
        expect([f.ts, p.lastPx]).toEqual([expected.tsOpen, expected.open]);
        // ...and its report reaches us 5 ms later
        const report = recs.find(
          (x) =>
            x.type === 'exec.report' &&
            x.ids.clientOrderId === p.clientOrderId &&
            (x.payload as { execType: string }).execType === 'fill'
        )!;
        expect((report.payload as { tsInit: bigint }).tsInit).toBe(expected.tsOpen + 5_000_000n);
      }
    }
  });
});

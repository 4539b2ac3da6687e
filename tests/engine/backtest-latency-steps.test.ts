import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';
import type { Strategy, StrategyAction } from '../../src/strategies/strategy.ts';
import { probeStrategy } from '../support/probe-strategy.ts';
import { smallConfig } from '../support/run-config.ts';
import { bidThenPull, flatBar, runWithLatency } from './support/latency-run.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;
const MIN = 60_000_000_000n;
const MS = 1_000_000n;
const T0 = 1_709_562_600_000_000_000n; // 2024-03-04 14:30Z

/** The README's latency: 1 ms out, acks and fills 0.5 ms back, 0.2 ms jitter. */
const README_LATENCY = { networkMs: 1, ackMs: 0.5, fillMs: 0.5, jitterMs: 0.2 };

describe('execution latency between bars', () => {
  it('a 1 ms latency: no status queries; every market order fills at the open after the one it missed', async () => {
    const r = await runBacktest({
      config: smallConfig({ execution: { latency: README_LATENCY } }),
      configFile: 'test.yaml',
      strategy: probeStrategy(40)
    });
    const recs = records(r.log);
    // the 2 s in-flight timeout never fired: each ack came 1.5 ms after its order, not at the next bar's close
    expect(recs.filter((x) => x.type === 'order.status_queried')).toEqual([]);
    const sent = new Map(
      recs.filter((x) => x.type === 'order.submit').map((x) => [x.ids.clientOrderId!, x.ts] as const)
    );
    expect(sent.size).toBeGreaterThan(20);
    expect(recs.filter((x) => x.type === 'order.accepted')).toHaveLength(sent.size);
    expect(r.fills).toBe(r.orders);
    // it reached the venue after the next bar's open, so it trades at the open of the bar after
    const bars = recs.filter((x) => x.type === 'market.bar').map((x) => x.payload as Bar);
    for (const f of recs.filter((x) => x.type === 'order.filled')) {
      const p = f.payload as { clientOrderId: string; instrumentId: string; lastPx: number };
      const after = bars.filter(
        (b) => b.instrumentId === p.instrumentId && b.tsOpen > sent.get(p.clientOrderId)!
      );
      expect([f.ts, p.lastPx]).toEqual([after[0]!.tsOpen, after[0]!.open]);
    }
  });

  it('an ack reaches the strategy at its time (1.5 ms after the order), so a cancel it sends on the ack is in time', async () => {
    const probe = probeStrategy(40);
    // cancels each order as soon as it hears it was accepted
    const strategy: Strategy = {
      ...probe,
      onOrderEvent(e: OrderEvent): readonly StrategyAction[] {
        return e.type === 'order.accepted'
          ? [{ kind: 'cancel', clientOrderId: e.clientOrderId, reason: 'pull' }]
          : [];
      }
    };
    const r = await runBacktest({
      config: smallConfig({ execution: { latency: README_LATENCY } }),
      configFile: 'test.yaml',
      strategy
    });
    const recs = records(r.log);
    const at = (type: string) =>
      new Map(recs.filter((x) => x.type === type).map((x) => [x.ids.clientOrderId!, x.ts] as const));
    const sent = at('order.submit');
    const cancels = at('order.cancel');
    expect(sent.size).toBeGreaterThan(20);
    expect([...cancels.keys()].sort()).toEqual([...sent.keys()].sort());
    for (const [id, ts] of sent) {
      // 1 ms out, 0.5 ms back, up to 0.2 ms jitter each way
      const late = cancels.get(id)! - ts;
      expect(late).toBeGreaterThanOrEqual(1_500_000n);
      expect(late).toBeLessThanOrEqual(1_900_000n);
    }
    // each cancel reached the venue before the bar its order would have traded on opened
    expect(r.fills).toBe(0);
    expect(recs.filter((x) => x.type === 'order.canceled')).toHaveLength(sent.size);
    expect(recs.filter((x) => x.type === 'order.status_queried')).toEqual([]);
  });

  it('with latency the same config and seed still give a byte-identical events.jsonl', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-latency-det-'));
    const config = smallConfig({ execution: { latency: README_LATENCY } });
    for (const d of ['a', 'b']) await runBacktest({ config, configFile: 'test.yaml', outDir: join(dir, d) });
    const a = readFileSync(join(dir, 'a', 'events.jsonl'));
    expect(a.length).toBeGreaterThan(100_000);
    expect(a.equals(readFileSync(join(dir, 'b', 'events.jsonl')))).toBe(true);
    expect(a.toString()).not.toContain('order.status_queried');
  });

  it('the venue is shown a bar at its open before a later command: a cancel 1 ms after the open comes too late for the fill there', async () => {
    // flat at 100; the 4th bar opens at 98
    const bars: Bar[] = Array.from({ length: 6 }, (_, i) =>
      flatBar('AAA@SIM', T0 + BigInt(i) * MIN, T0 + BigInt(i + 1) * MIN, i === 3 ? 98 : 100)
    );
    // a buy limit at 99 after the 1st bar: it reaches the venue after the 2nd bar's open, and works from the 3rd;
    // cancelled at the 3rd bar's close: the cancel reaches the venue 1 ms after the 4th bar opened at 98
    const { strategy, events } = bidThenPull('AAA@SIM', 1, 3);
    const r = await runWithLatency(strategy, bars, ['AAA']);
    const filled = records(r.log).filter((x) => x.type === 'order.filled');
    // filled at the open of the 4th bar (the limit's price: a buy limit opened through fills at the open)
    expect(filled.map((x) => [x.ts, (x.payload as { lastPx: number }).lastPx])).toEqual([
      [bars[3]!.tsOpen, 98]
    ]);
    expect(r.fills).toBe(1);
    // the cancel was refused: the order had filled
    expect(events.map((e) => e.type)).toContain('order.filled');
    expect(events.map((e) => e.type)).not.toContain('order.canceled');
    // and the fill reached the strategy 1 ms after that open, before the bar's close
    const fillShown = records(r.log).find(
      (x) => x.type === 'exec.report' && (x.payload as { execType: string }).execType === 'fill'
    )!;
    expect((fillShown.payload as { tsInit: bigint }).tsInit).toBe(bars[3]!.tsOpen + MS);
  });
});

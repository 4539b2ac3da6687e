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
const ser = (log: unknown): string =>
  records(log)
    .map((r) => JSON.stringify(r, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)))
    .join('\n');
const MIN = 60_000_000_000n;
const T0 = 1_709_562_600_000_000_000n; // 2024-03-04 14:30Z
const LAT = { networkMs: 1, ackMs: 0.5, fillMs: 0.5, jitterMs: 0.2 };

describe('latency stepping: determinism and bars of different widths', () => {
  it('determinism: fast vs --speed N× vs snapshotAt mid-run give the same log (with latency)', async () => {
    const config = smallConfig({ execution: { latency: LAT } });
    const fast = await runBacktest({ config, configFile: 't.yaml', strategy: probeStrategy(40) });
    const paced = await runBacktest({
      config,
      configFile: 't.yaml',
      strategy: probeStrategy(40),
      speed: 1e9
    });
    const snap = await runBacktest({
      config,
      configFile: 't.yaml',
      strategy: probeStrategy(40),
      // between two bars, 30 s into a minute
      snapshotAt: T0 + 100n * MIN + 30_000_000_000n
    });
    expect(records(fast.log).length).toBeGreaterThan(1000);
    expect(ser(paced.log)).toBe(ser(fast.log));
    expect(ser(snap.log)).toBe(ser(fast.log));
  }, 60_000);

  it('mixed bar widths in one timestamp: a bar is fed to the venue before its own open', async () => {
    // AAA: 1-minute bars with no bar [T0+3m, T0+4m); BBB: one 5-minute bar [T0, T0+5m)
    const mk = (withBbb: boolean): Bar[] => {
      const out: Bar[] = [];
      for (const i of [1n, 2n, 3n]) out.push(flatBar('AAA@SIM', T0 + (i - 1n) * MIN, T0 + i * MIN, 100));
      out.push(flatBar('AAA@SIM', T0 + 4n * MIN, T0 + 5n * MIN, 101)); // opens at 101
      if (withBbb) out.push(flatBar('BBB@SIM', T0, T0 + 5n * MIN, 50));
      out.push(flatBar('AAA@SIM', T0 + 5n * MIN, T0 + 6n * MIN, 105));
      if (withBbb) out.push(flatBar('BBB@SIM', T0 + 5n * MIN, T0 + 10n * MIN, 50));
      return out.sort((a, b) =>
        a.tsEvent !== b.tsEvent ? (a.tsEvent < b.tsEvent ? -1 : 1) : a.instrumentId < b.instrumentId ? -1 : 1
      );
    };
    const run = async (withBbb: boolean) => {
      let n = 0;
      let acks = 0;
      const buy: StrategyAction = {
        instrumentId: 'AAA@SIM',
        side: 'buy',
        qty: 1,
        orderType: 'market',
        tif: 'gtc',
        reason: 'x'
      };
      const strategy: Strategy = {
        id: 'mix',
        onBar(b) {
          // at AAA's 3rd bar close (T0+3m): one market buy
          if (b.instrumentId === 'AAA@SIM' && ++n === 3) return [buy];
          return [];
        },
        onOrderEvent(e: OrderEvent) {
          // on the first ack (T0+3m+~1.5ms): a second market buy, reaching the venue ~T0+3m+2.5ms, before AAA's
          // next bar opens at T0+4m
          if (e.type === 'order.accepted' && ++acks === 1) return [buy];
          return [];
        },
        snapshot: () => ({})
      };
      const r = await runWithLatency(strategy, mk(withBbb), ['AAA', 'BBB']);
      return records(r.log)
        .filter((x) => x.type === 'order.filled')
        .map((x) => [String(x.ts), (x.payload as { lastPx: number }).lastPx]);
    };
    const alone = await run(false);
    const mixed = await run(true);
    // without BBB both buys reached the venue before AAA's T0+4m open and fill there at 101
    expect(alone).toEqual([
      [String(T0 + 4n * MIN), 101],
      [String(T0 + 4n * MIN), 101]
    ]);
    // BBB's 5-minute bar in the same group must not change AAA's fills
    expect(mixed).toEqual(alone);
  }, 60_000);
});

describe('latency stepping: a wider bar in a later group', () => {
  it('a cancel 1 ms after a 5-minute bar opened is too late, as it is for a 1-minute bar (EMULATOR.md)', async () => {
    // BBB: 5-minute bars at 100, the 3rd [T0+10m, T0+15m) opening at 98; AAA (optional): 1-minute bars at 100
    const run = async (withAaa: boolean) => {
      const bars: Bar[] = [];
      for (let i = 1n; i <= 15n; i++) {
        if (withAaa) bars.push(flatBar('AAA@SIM', T0 + (i - 1n) * MIN, T0 + i * MIN, 100));
        if (i % 5n === 0n)
          bars.push(flatBar('BBB@SIM', T0 + (i - 5n) * MIN, T0 + i * MIN, i === 15n ? 98 : 100));
      }
      // a buy limit at 99 after BBB's 1st bar, working from its 3rd; cancelled at the 2nd bar's close (T0+10m): it
      // reaches the venue 1 ms after the 3rd bar opened at 98
      const { strategy, events } = bidThenPull('BBB@SIM', 1, 2);
      const r = await runWithLatency(strategy, bars, ['AAA', 'BBB']);
      return [r.fills, events.map((e) => e.type).includes('order.canceled')];
    };
    // BBB alone: the venue is fed BBB's 3rd bar at its open, before the cancel: it fills at 98
    expect(await run(false)).toEqual([1, false]);
    // AAA's 1-minute bars beside it must not change that
    expect(await run(true)).toEqual([1, false]);
  }, 60_000);
});

describe('latency stepping across the look-ahead batches', () => {
  it('a source read a minute at a time, thousands of bars: no order ever waits for a status query', async () => {
    // each read of the source holds one timestamp: what is known ahead is only what was read ahead
    async function* minuteByMinute(): AsyncGenerator<readonly Bar[]> {
      for (let i = 1n; i <= 1600n; i++) {
        const px = 100 + Number(i % 7n);
        yield [
          flatBar('AAA@SIM', T0 + (i - 1n) * MIN, T0 + i * MIN, px),
          flatBar('BBB@SIM', T0 + (i - 1n) * MIN, T0 + i * MIN, px)
        ];
      }
    }
    const r = await runBacktest({
      config: smallConfig({
        data: { kind: 'synthetic', symbols: ['AAA', 'BBB'], start: '2024-03-04', sessions: 1 },
        execution: { latency: LAT }
      }),
      configFile: 't.yaml',
      strategy: probeStrategy(7),
      bars: minuteByMinute()
    });
    expect(r.bars).toBe(3200);
    expect(r.orders).toBeGreaterThan(100);
    expect(records(r.log).filter((x) => x.type === 'order.status_queried')).toEqual([]);
  }, 60_000);
});

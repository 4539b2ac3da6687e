import { describe, expect, it } from 'vitest';
import { runBacktest } from '../../src/engine/backtest.ts';
import type { LogRecord, MemoryEventLog } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderIntent, Strategy, StrategyAction, StrategyView } from '../../src/strategies/strategy.ts';
import { smallConfig } from '../support/run-config.ts';

const records = (log: unknown): LogRecord[] => (log as MemoryEventLog).records;

/** Rests a far-away buy limit on its first bar, then throws on the bars listed in `crashAt` (bar counts). */
function crashingStrategy(crashAt: readonly number[]): Strategy & { positionsSeen: number[] } {
  let n = 0;
  let placed = false;
  const positionsSeen: number[] = [];
  return {
    id: 'crashy',
    positionsSeen,
    onBar(bar: Bar, view: StrategyView): readonly OrderIntent[] {
      n++;
      if (crashAt.includes(n)) throw new Error(`boom at bar ${n}`);
      positionsSeen.push(view.workingQty('AAA@SIM'));
      if (placed || bar.instrumentId !== 'AAA@SIM') return [];
      placed = true;
      return [
        {
          instrumentId: bar.instrumentId,
          side: 'buy',
          qty: 3,
          orderType: 'limit',
          limitPx: 1,
          tif: 'gtc',
          reason: 'rest'
        }
      ];
    },
    snapshot: () => ({ n })
  };
}

/**
 * Sends a bracket with a market entry on its first AAA bar, and fails on the first event of its entry it is shown:
 * the entry fills while the strategy is down.
 */
function bracketThenCrash(): Strategy {
  let sent = false;
  let failed = false;
  return {
    id: 'br',
    onBar(bar: Bar): readonly StrategyAction[] {
      if (sent || bar.instrumentId !== 'AAA@SIM') return [];
      sent = true;
      const d = Math.round(bar.close * 0.005);
      return [
        {
          kind: 'bracket',
          entry: { instrumentId: bar.instrumentId, side: 'buy', qty: 10, orderType: 'market', tif: 'day' },
          stopLossPx: bar.close - d,
          takeProfitPx: bar.close + d,
          reason: 'enter'
        }
      ];
    },
    onOrderEvent(): readonly StrategyAction[] {
      if (failed) return [];
      failed = true;
      throw new Error('boom in onOrderEvent');
    },
    snapshot: () => ({ sent })
  };
}

describe('supervision in a running node', () => {
  it('a restarted strategy keeps its brackets: an entry that filled while it was down releases the exits at the restart', async () => {
    const r = await runBacktest({
      config: smallConfig({
        supervision: {
          intensity: 3,
          periodMs: 600_000,
          backoff: { minMs: 180_000, maxMs: 180_000, factor: 1 }
        }
      }),
      configFile: 't.yaml',
      strategy: bracketThenCrash()
    });
    const recs = records(r.log);
    const restartedAt = recs.find((x) => x.type === 'supervisor.child_restarted')!.ts;
    const entryFilled = recs.find((x) => x.type === 'order.filled' && x.ids.clientOrderId === 'br-1')!;
    expect(entryFilled.ts).toBeLessThan(restartedAt); // it filled while the strategy was down
    const exits = recs
      .filter((x) => x.type === 'order.submit' && x.ids.clientOrderId !== 'br-1')
      .map((x) => x.payload as { clientOrderId: string; orderType: string; qty: number; ocoGroup?: string });
    expect(exits.map((c) => [c.clientOrderId, c.orderType, c.qty, c.ocoGroup])).toEqual([
      ['br-2', 'stop', 10, 'br-1'],
      ['br-3', 'limit', 10, 'br-1']
    ]);
    const sentAt = recs.filter((x) => x.type === 'order.submit' && x.ids.clientOrderId === 'br-2')[0]!.ts;
    expect(sentAt).toBe(restartedAt);
    expect(recs.filter((x) => x.type === 'order.refused' || x.type === 'oms.refused')).toEqual([]);
  });

  it('restarts a crashed strategy with backoff and restores its working orders', async () => {
    const strategy = crashingStrategy([10]);
    const r = await runBacktest({
      config: smallConfig({
        supervision: { intensity: 3, periodMs: 60_000, backoff: { minMs: 30_000, maxMs: 60_000, factor: 2 } }
      }),
      configFile: 't.yaml',
      strategy
    });
    const recs = records(r.log);
    const sup = recs.filter((x) => x.component === 'supervisor').map((x) => x.type);
    expect(sup).toEqual([
      'supervisor.child_failed',
      'supervisor.child_restarting',
      'supervisor.child_restarted'
    ]);
    const failedAt = recs.find((x) => x.type === 'supervisor.child_failed')!.ts;
    const restartedAt = recs.find((x) => x.type === 'supervisor.child_restarted')!.ts;
    // backoff on the simulated clock: at least 30 s between failure and restart (bars keep flowing meanwhile)
    expect(restartedAt - failedAt).toBeGreaterThanOrEqual(30_000_000_000n);
    // after the restart the strategy still knows its resting order (restored, not forgotten)
    expect(strategy.positionsSeen.at(-1)).toBe(3);
    expect(recs.some((x) => x.component === 'kill-switch')).toBe(false);
  });

  it('a restarted strategy numbers its client order ids on from where it crashed: no id is refused as a duplicate', async () => {
    // one market order every 100 bars; a crash at bar 150, between the first and second order
    let n = 0;
    const periodic: Strategy = {
      id: 'periodic',
      onBar(bar: Bar): readonly OrderIntent[] {
        if (++n === 150) throw new Error('boom');
        if (n % 100 !== 0) return [];
        const side = (n / 100) % 2 ? 'buy' : 'sell';
        return [
          { instrumentId: bar.instrumentId, side, qty: 1, orderType: 'market', tif: 'day', reason: 'p' }
        ];
      },
      snapshot: () => ({})
    };
    const r = await runBacktest({
      config: smallConfig({
        supervision: { intensity: 3, periodMs: 60_000, backoff: { minMs: 1_000, maxMs: 1_000, factor: 1 } }
      }),
      configFile: 't.yaml',
      strategy: periodic
    });
    const recs = records(r.log);
    expect(recs.filter((x) => x.type === 'supervisor.child_restarted')).toHaveLength(1);
    expect(recs.filter((x) => x.type === 'oms.refused')).toEqual([]);
    const ids = recs.filter((x) => x.type === 'order.filled').map((x) => x.ids.clientOrderId);
    expect(ids.length).toBeGreaterThan(5);
    expect(ids).toEqual(ids.map((_, i) => `periodic-${i + 1}`));
  });

  it('crashing beyond the restart intensity escalates to the kill switch, which cancels every working order', async () => {
    const r = await runBacktest({
      config: smallConfig({
        supervision: { intensity: 1, periodMs: 3_600_000, backoff: { minMs: 1_000, maxMs: 1_000, factor: 1 } }
      }),
      configFile: 't.yaml',
      strategy: crashingStrategy([10, 20, 30, 40])
    });
    const recs = records(r.log);
    const types = recs
      .filter((x) => ['supervisor', 'kill-switch', 'oms'].includes(x.component))
      .map((x) => x.type);
    expect(types).toContain('supervisor.escalated');
    const tripped = recs.find((x) => x.type === 'killswitch.tripped')!;
    expect(tripped.payload).toMatchObject({ to: 'HALTED', trigger: 'supervisor' });
    expect(types.indexOf('killswitch.tripped')).toBeGreaterThan(types.indexOf('supervisor.escalated'));
    expect(types).toContain('oms.cancel_all_requested');
    const canceled = recs.find((x) => x.type === 'order.pending_cancel')!;
    expect(canceled.payload).toMatchObject({
      actor: 'system',
      why: 'risk',
      reason: 'kill switch halted trading'
    });
    expect(recs.some((x) => x.type === 'order.canceled')).toBe(true);
  });

  it('the kill switch trips on drawdown, cancels orders, and the risk engine rejects new orders while HALTED', async () => {
    // buy-and-hold-ish churn with a tiny drawdown limit trips quickly
    let n = 0;
    const churn: Strategy = {
      id: 'churn',
      onBar(bar: Bar): readonly OrderIntent[] {
        if (++n % 7 !== 0) return [];
        return [
          {
            instrumentId: bar.instrumentId,
            side: n % 2 ? 'buy' : 'sell',
            qty: 500,
            orderType: 'market',
            tif: 'day',
            reason: 'churn'
          }
        ];
      },
      snapshot: () => ({})
    };
    const r = await runBacktest({
      config: smallConfig({ portfolio: { cash: 100_000 }, killSwitch: { maxDrawdownBps: 20 } }),
      configFile: 't.yaml',
      strategy: churn
    });
    const recs = records(r.log);
    const trip = recs.find((x) => x.type === 'killswitch.tripped')!;
    expect(trip.payload).toMatchObject({ trigger: 'drawdown', to: 'HALTED' });
    // after the trip, nothing new reaches the venue
    const laterSubmits = recs.filter((x) => x.type === 'order.submitted' && x.seq > trip.seq);
    expect(laterSubmits).toEqual([]);
    // …but what the halted strategy still wanted is in the log, one line per answer, all after the trip
    const discarded = recs.filter((x) => x.type === 'strategy.intents_discarded');
    expect(discarded.length).toBeGreaterThan(0);
    for (const d of discarded) {
      expect(d.seq).toBeGreaterThan(trip.seq);
      expect(d.payload).toMatchObject({
        strategyId: 'churn',
        reason: 'kill switch',
        intents: [{ qty: 500 }]
      });
    }
    const wanted = recs.filter((x) => x.type === 'strategy.order_requested' || x.type === 'order.submit');
    expect(wanted.every((x) => x.seq < trip.seq)).toBe(true);
  });
});

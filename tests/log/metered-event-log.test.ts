import { describe, expect, it } from 'vitest';
import { MONEY_ONE } from '../../src/core/instrument.ts';
import type { Nanos } from '../../src/core/nanos.ts';
import { DashboardState } from '../../src/dashboard/dashboard-state.ts';
import { type EventLog, type LogIds, MemoryEventLog } from '../../src/log/event-log.ts';
import { fanOut, MeteredEventLog } from '../../src/log/metered-event-log.ts';
import { TradingMetrics } from '../../src/metrics/trading-metrics.ts';
import { Portfolio } from '../../src/portfolio/portfolio.ts';
import { AAPL } from '../venue/alpaca-local/support.ts';

const aapl = AAPL;

/** Metrics whose update throws on every `market.bar` record. */
class ThrowingOnBars extends TradingMetrics {
  override observe(ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void {
    if (type === 'market.bar') throw new Error('observer broke');
    super.observe(ts, type, component, ids, payload);
  }
}

async function counter(m: TradingMetrics, name: string): Promise<number | undefined> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return metric?.values.reduce((a, v) => a + v.value, 0);
}

describe('MeteredEventLog', () => {
  it('forwards every record unchanged and in order, then observes it', async () => {
    const inner = new MemoryEventLog();
    const metrics = new TradingMetrics({ instruments: [aapl] });
    const log: EventLog = new MeteredEventLog(inner, metrics);
    const payload = { type: 'market.bar', instrumentId: aapl.id, close: 10_000, big: 12n };
    const ids = { instrumentId: aapl.id };
    log.append(1n, 'run.started', 'engine', {}, { runId: 'r' });
    log.append(2n, 'market.bar', 'feed', ids, payload);
    log.append(3n, 'gateway.error', 'gateway', {}, { code: 'TRD_ERR_WS_STALE' });
    log.append(3n, 'market.bar', 'feed', ids, payload);
    expect(log.count).toBe(4);
    expect(inner.records.map((r) => [r.seq, r.ts, r.type, r.component])).toEqual([
      [1, 1n, 'run.started', 'engine'],
      [2, 2n, 'market.bar', 'feed'],
      [3, 3n, 'gateway.error', 'gateway'],
      [4, 3n, 'market.bar', 'feed']
    ]);
    expect(inner.records[1]!.payload).toBe(payload);
    expect(inner.records[1]!.ids).toBe(ids);
    expect(await counter(metrics, 'tradestate_bars_total')).toBe(2);
    expect(await counter(metrics, 'tradestate_errors_total')).toBe(1);
    expect(await counter(metrics, 'tradestate_metrics_errors_total')).toBe(0);
  });

  it("the dashboard's error count and errors_total count the same records", async () => {
    const metrics = new TradingMetrics({ instruments: [aapl] });
    const portfolio = new Portfolio(MONEY_ONE, new Map([[aapl.id, aapl]]));
    const dashboard = new DashboardState({ instruments: [aapl], portfolio: () => portfolio });
    const log = new MeteredEventLog(new MemoryEventLog(), fanOut(metrics, dashboard));
    const err = { code: 'TRD_ERR_VENUE_UNAVAILABLE', message: 'x' };
    for (const source of ['gateway', 'feed', 'reconciler', 'recovery', 'something', 'run'])
      log.append(1n, `${source}.error`, source, {}, err);
    log.append(2n, 'order.refused', 'order', { clientOrderId: 'a' }, { ...err, clientOrderId: 'a' });
    log.append(3n, 'oms.refused', 'oms', { clientOrderId: 'b' }, { ...err, clientOrderId: 'b' });
    log.append(4n, 'order.rejected', 'order', { clientOrderId: 'c' }, { clientOrderId: 'c' });
    log.append(5n, 'risk.failed', 'risk', { clientOrderId: 'd' }, { validator: 'maxOrderQty' });
    expect(await counter(metrics, 'tradestate_errors_total')).toBe(6);
    expect(dashboard.snapshot().errorCount).toBe(6);
  });

  it('a throwing observer loses no line and is counted', async () => {
    const inner = new MemoryEventLog();
    const metrics = new ThrowingOnBars({ instruments: [aapl] });
    const log = new MeteredEventLog(inner, metrics);
    log.append(1n, 'market.bar', 'feed', { instrumentId: aapl.id }, {});
    log.append(2n, 'reconcile.completed', 'reconciler', {}, { pass: 1 });
    log.append(3n, 'market.bar', 'feed', { instrumentId: aapl.id }, {});
    expect(inner.records.map((r) => r.type)).toEqual(['market.bar', 'reconcile.completed', 'market.bar']);
    expect(await counter(metrics, 'tradestate_metrics_errors_total')).toBe(2);
    expect(await counter(metrics, 'tradestate_reconcile_passes_total')).toBe(1);
  });

  it('does not observe a record the inner log refused, and closes the inner log', () => {
    const seen: string[] = [];
    const inner: EventLog = {
      count: 0,
      append: (_ts, type) => {
        if (type === 'bad') throw new Error('disk full');
      },
      close: () => seen.push('closed')
    };
    const log = new MeteredEventLog(inner, {
      observe: (_ts, type) => seen.push(type),
      observeFailed: () => seen.push('failed')
    });
    expect(() => log.append(1n, 'bad', 'x', {}, {})).toThrow('disk full');
    log.append(2n, 'good', 'x', {}, {});
    log.close();
    expect(seen).toEqual(['good', 'closed']);
  });
});

import { describe, expect, it } from 'vitest';
import { moneyToNumber } from '../../src/core/instrument.ts';
import { instrumentsFor } from '../../src/engine/bar-sources.ts';
import { MetricsServer } from '../../src/metrics/metrics.server.ts';
import { TradingMetrics } from '../../src/metrics/trading-metrics.ts';
import { records, startLocalPaper } from '../engine/support/local-paper.ts';
import { requireDebianBinary } from '../support/debian-binary.ts';
import { probeStrategy } from '../support/probe-strategy.ts';
import { startPrometheus } from '../support/prometheus.ts';
import { smallConfig } from '../support/run-config.ts';

/** Poll `f` until it returns a value, every 100 ms, for at most `ms`. */
async function eventually<T>(f: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('Prometheus (a real server, Debian’s package) scraping a paper session', () => {
  it('sees the fills, bars, working orders and equity the session ended with', async () => {
    requireDebianBinary('prometheus', 'prometheus');
    const metrics = new TradingMetrics({
      instruments: instrumentsFor(smallConfig()),
      defaultMetrics: true
    });
    const server = new MetricsServer({ metrics, port: 0 });
    await server.start();
    const prom = await startPrometheus([`127.0.0.1:${server.port}`], 200);
    try {
      const p = await startLocalPaper({ strategy: probeStrategy(40), metrics, intervalMs: 2 });
      const r = await p.result;
      expect(r.fills).toBeGreaterThan(5);
      // the session is over; wait for a scrape taken after it ended
      const scalar = async (expr: string): Promise<number | undefined> => {
        const v = await prom.query(expr);
        return v.length === 1 ? Number(v[0]!.value[1]) : undefined;
      };
      let seen: number | undefined;
      await eventually(
        async () => {
          seen = await scalar('sum(tradestate_bars_total)');
          return seen === r.bars ? true : undefined;
        },
        15_000,
        `prometheus to have scraped ${r.bars} bars`
      ).catch((e: Error) => {
        throw new Error(`${e.message} (it has ${seen})`);
      });
      expect(await scalar('sum(tradestate_fills_total)')).toBe(r.fills);
      expect(await scalar('sum(tradestate_orders_submitted_total)')).toBe(r.orders);
      expect(await scalar('tradestate_working_orders')).toBe(0);
      expect(await scalar('tradestate_kill_switch_state')).toBe(0);
      expect(await scalar('tradestate_up')).toBe(1);
      expect(await scalar('tradestate_equity')).toBeCloseTo(moneyToNumber(r.portfolio.equity()), 6);
      expect(await scalar('sum(tradestate_order_ack_seconds_count)')).toBe(r.orders);
      const byInstrument = await prom.query('tradestate_fills_total');
      const filledSymbols = new Set(
        records(r, 'order.filled').map((x) => String(x.payload['instrumentId']).split('@')[0])
      );
      expect(new Set(byInstrument.map((x) => x.metric['instrument']))).toEqual(filledSymbols);
      expect(await scalar('tradestate_process_resident_memory_bytes')).toBeGreaterThan(0);
    } finally {
      await prom.stop();
      await server.stop();
    }
  }, 30_000);
});

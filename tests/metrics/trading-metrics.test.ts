import perfHooks from 'node:perf_hooks';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { MONEY_ONE, makeInstrument } from '../../src/core/instrument.ts';
import type { LogIds } from '../../src/log/event-log.ts';
import { processMetrics, TradingMetrics } from '../../src/metrics/trading-metrics.ts';
import { Portfolio } from '../../src/portfolio/portfolio.ts';
import { AAPL } from '../venue/alpaca-local/support.ts';

const aapl = AAPL;
const msft = makeInstrument({
  symbol: 'MSFT',
  venue: 'ALPACA',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});
const btc = makeInstrument({
  symbol: 'BTC',
  venue: 'SIM',
  tickSize: '0.01',
  lotSize: '0.001',
  currency: 'USD'
});
const instruments = [aapl, msft, btc];

const MS = 1_000_000n;
const S = 1_000_000_000n;

type Labels = Record<string, string | number>;

/** The value of one sample (`name` may carry a histogram suffix), or undefined when absent. */
async function sample(m: TradingMetrics, name: string, labels: Labels = {}): Promise<number | undefined> {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  for (const metric of await m.registry.getMetricsAsJSON()) {
    if (metric.name !== name && metric.name !== base) continue;
    for (const v of metric.values) {
      const vName = (v as { metricName?: string }).metricName ?? metric.name;
      if (vName !== name) continue;
      const l = v.labels as Labels;
      const keys = Object.keys(l);
      if (keys.length !== Object.keys(labels).length) continue;
      if (keys.every((k) => String(l[k]) === String(labels[k]))) return v.value;
    }
  }
  return undefined;
}

/** A tiny session writer: the records a TradingRuntime logs, in the same shapes. */
class Session {
  readonly m: TradingMetrics;
  constructor(m: TradingMetrics) {
    this.m = m;
  }
  rec(ts: bigint, type: string, component: string, ids: LogIds, payload: unknown): void {
    this.m.observe(ts, type, component, ids, payload);
  }
  bar(ts: bigint, instrumentId: string): void {
    this.rec(ts, 'market.bar', 'feed', { instrumentId }, { type: 'market.bar', instrumentId, close: 100 });
  }
  submit(ts: bigint, id: string, instrumentId: string, side: 'buy' | 'sell', qty: number): void {
    const ids = { clientOrderId: id, strategyId: 'sma', instrumentId, commandId: `${id}:submit` };
    this.rec(ts, 'order.submit', 'strategy', ids, {
      type: 'order.submit',
      clientOrderId: id,
      strategyId: 'sma',
      instrumentId,
      side,
      orderType: 'market',
      qty
    });
  }
  order(
    ts: bigint,
    type: string,
    id: string,
    instrumentId: string,
    side: 'buy' | 'sell',
    to: string,
    extra: Record<string, unknown> = {}
  ): void {
    this.rec(
      ts,
      type,
      'order',
      { clientOrderId: id, strategyId: 'sma', instrumentId },
      { type, clientOrderId: id, strategyId: 'sma', instrumentId, side, to, ...extra }
    );
  }
}

function scripted(m: TradingMetrics): void {
  const s = new Session(m);
  s.bar(1n * S, aapl.id);
  s.bar(2n * S, aapl.id);
  s.bar(3n * S, aapl.id);
  s.bar(3n * S, btc.id);
  // o1: submit → submitted → accepted (+5 ms) → two partial fills (+20 ms, +40 ms) → canceled
  const t1 = 10n * S;
  s.submit(t1, 'o1', aapl.id, 'buy', 10);
  s.rec(t1, 'risk.passed', 'risk', { clientOrderId: 'o1' }, { ok: true });
  s.order(t1, 'order.submitted', 'o1', aapl.id, 'buy', 'PENDING_NEW');
  s.rec(t1 + 5n * MS, 'exec.report', 'venue', { clientOrderId: 'o1' }, { execType: 'accepted' });
  s.order(t1 + 5n * MS, 'order.accepted', 'o1', aapl.id, 'buy', 'ACKNOWLEDGED');
  s.order(t1 + 20n * MS, 'order.filled', 'o1', aapl.id, 'buy', 'PARTIAL_FILL', { lastQty: 4, lastPx: 10000 });
  s.order(t1 + 40n * MS, 'order.filled', 'o1', aapl.id, 'buy', 'PARTIAL_FILL', { lastQty: 3, lastPx: 10001 });
  s.order(t1 + 100n * MS, 'order.canceled', 'o1', aapl.id, 'buy', 'CANCELED');
  // o2: 1.5 BTC (1500 lots) rejected by the venue
  const t2 = 20n * S;
  s.submit(t2, 'o2', btc.id, 'sell', 1500);
  s.order(t2, 'order.submitted', 'o2', btc.id, 'sell', 'PENDING_NEW');
  s.order(t2 + 300n * MS, 'order.rejected', 'o2', btc.id, 'sell', 'REJECTED');
  // o3: denied by risk
  const t3 = 30n * S;
  s.submit(t3, 'o3', aapl.id, 'buy', 1_000_000);
  s.rec(t3, 'risk.failed', 'risk', { clientOrderId: 'o3' }, { ok: false, validator: 'maxOrderQty' });
  s.order(t3, 'order.denied', 'o3', aapl.id, 'buy', 'REJECTED');
  s.rec(31n * S, 'gateway.error', 'gateway', {}, { code: 'TRD_ERR_VENUE_UNAVAILABLE', message: 'x' });
  s.rec(
    32n * S,
    'killswitch.tripped',
    'kill-switch',
    {},
    { to: 'HALTED', from: 'ACTIVE', trigger: 'rejects' }
  );
  s.rec(33n * S, 'reconcile.completed', 'reconciler', {}, { pass: 1 });
  // o4: still working at the end
  s.submit(40n * S, 'o4', aapl.id, 'sell', 2);
  s.order(40n * S, 'order.submitted', 'o4', aapl.id, 'sell', 'PENDING_NEW');
}

describe('TradingMetrics', () => {
  it('derives counters, histograms and log-derived gauges from a hand-written session', async () => {
    const m = new TradingMetrics({ instruments });
    scripted(m);

    expect(await sample(m, 'tradestate_bars_total', { instrument: 'AAPL' })).toBe(3);
    expect(await sample(m, 'tradestate_bars_total', { instrument: 'BTC' })).toBe(1);
    expect(await sample(m, 'tradestate_bars_total', { instrument: 'MSFT' })).toBeUndefined();
    const sub = 'tradestate_orders_submitted_total';
    expect(await sample(m, sub, { strategy: 'sma', instrument: 'AAPL', side: 'buy' })).toBe(2);
    expect(await sample(m, sub, { strategy: 'sma', instrument: 'AAPL', side: 'sell' })).toBe(1);
    expect(await sample(m, sub, { strategy: 'sma', instrument: 'BTC', side: 'sell' })).toBe(1);
    expect(await sample(m, 'tradestate_risk_denied_total', { validator: 'maxOrderQty' })).toBe(1);

    const ev = (type: string) => sample(m, 'tradestate_order_events_total', { type });
    expect(await ev('order.submitted')).toBe(3);
    expect(await ev('order.accepted')).toBe(1);
    expect(await ev('order.filled')).toBe(2);
    expect(await ev('order.canceled')).toBe(1);
    expect(await ev('order.rejected')).toBe(1);
    expect(await ev('order.denied')).toBe(1);
    expect(await ev('order.submit')).toBeUndefined();

    expect(await sample(m, 'tradestate_fills_total', { instrument: 'AAPL', side: 'buy' })).toBe(2);
    expect(await sample(m, 'tradestate_filled_quantity_total', { instrument: 'AAPL', side: 'buy' })).toBe(7);
    expect(await sample(m, 'tradestate_rejects_total', { instrument: 'BTC' })).toBe(1);
    expect(
      await sample(m, 'tradestate_errors_total', { source: 'gateway', code: 'TRD_ERR_VENUE_UNAVAILABLE' })
    ).toBe(1);
    expect(await sample(m, 'tradestate_reconcile_passes_total')).toBe(1);
    expect(await sample(m, 'tradestate_kill_switch_trips_total', { level: 'halt', trigger: 'rejects' })).toBe(
      1
    );

    expect(await sample(m, 'tradestate_order_ack_seconds_count')).toBe(1);
    expect(await sample(m, 'tradestate_order_ack_seconds_sum')).toBeCloseTo(0.005, 12);
    expect(await sample(m, 'tradestate_order_ack_seconds_bucket', { le: 0.0025 })).toBe(0);
    expect(await sample(m, 'tradestate_order_ack_seconds_bucket', { le: 0.005 })).toBe(1);
    // the first fill only, 20 ms after submit
    expect(await sample(m, 'tradestate_order_fill_seconds_count')).toBe(1);
    expect(await sample(m, 'tradestate_order_fill_seconds_sum')).toBeCloseTo(0.02, 12);
    expect(await sample(m, 'tradestate_order_fill_seconds_bucket', { le: 0.01 })).toBe(0);
    expect(await sample(m, 'tradestate_order_fill_seconds_bucket', { le: 0.025 })).toBe(1);

    // o4 only: o1 canceled, o2 rejected, o3 denied
    expect(await sample(m, 'tradestate_working_orders')).toBe(1);
    expect(m.pendingOrders).toBe(1);
    expect(await sample(m, 'tradestate_kill_switch_state')).toBe(2);
    expect(await sample(m, 'tradestate_up')).toBe(1);
    expect(await sample(m, 'tradestate_metrics_errors_total')).toBe(0);
    // no portfolio: the money gauges are unknown, no positions
    expect(await sample(m, 'tradestate_equity')).toBeNaN();
    expect(await sample(m, 'tradestate_position', { instrument: 'AAPL' })).toBeUndefined();

    const text = await m.metrics();
    expect(text).toContain('tradestate_fills_total{instrument="AAPL",side="buy"} 2');
    expect(text).not.toContain('o1');
    expect(m.contentType).toMatch(/^text\/plain/);
  });

  it('measures latency on our clock (the report’s tsInit), never across the venue’s clock and ours', async () => {
    const m = new TradingMetrics({ instruments });
    const s = new Session(m);
    const t = 10n * S;
    s.submit(t, 'v1', aapl.id, 'buy', 1);
    s.order(t, 'order.submitted', 'v1', aapl.id, 'buy', 'PENDING_NEW');
    // the venue's clock runs 250 ms behind ours: its event times precede our submit
    s.order(t - 250n * MS, 'order.accepted', 'v1', aapl.id, 'buy', 'ACKNOWLEDGED', { tsInit: t + 3n * MS });
    s.order(t - 240n * MS, 'order.filled', 'v1', aapl.id, 'buy', 'FILLED', {
      lastQty: 1,
      lastPx: 10000,
      tsInit: t + 12n * MS
    });
    expect(await sample(m, 'tradestate_order_ack_seconds_count')).toBe(1);
    expect(await sample(m, 'tradestate_order_ack_seconds_sum')).toBeCloseTo(0.003, 12);
    expect(await sample(m, 'tradestate_order_fill_seconds_count')).toBe(1);
    expect(await sample(m, 'tradestate_order_fill_seconds_sum')).toBeCloseTo(0.012, 12);
  });

  it('reads the portfolio, working orders and kill switch state at scrape time', async () => {
    const pf = new Portfolio(100_000n * MONEY_ONE, new Map(instruments.map((i) => [i.id, i])));
    let working = 5;
    let ks: 'ACTIVE' | 'REDUCING' | 'HALTED' | undefined = 'REDUCING';
    const m = new TradingMetrics({
      instruments,
      portfolio: () => pf,
      working: () => working,
      killSwitchState: () => ks
    });
    pf.applyFill(aapl.id, 'buy', 10, 10000, 0n, 1n); // 10 @ 100.00
    pf.applyFill(aapl.id, 'sell', 3, 10200, 0n, 2n); // realize 3 × 2.00
    pf.mark(aapl.id, 10100);
    pf.applyFill(btc.id, 'sell', 1500, 3_000_000, 0n, 3n); // −1.5 BTC @ 30000.00
    pf.mark(btc.id, 3_000_000);

    expect(await sample(m, 'tradestate_cash')).toBeCloseTo(100_000 - 1000 + 306 + 45_000, 8);
    expect(await sample(m, 'tradestate_equity')).toBeCloseTo(100_000 + 6 + 7, 8);
    expect(await sample(m, 'tradestate_realized_pnl')).toBeCloseTo(6, 8);
    expect(await sample(m, 'tradestate_position', { instrument: 'AAPL' })).toBe(7);
    expect(await sample(m, 'tradestate_position', { instrument: 'BTC' })).toBe(-1.5);
    expect(await sample(m, 'tradestate_position', { instrument: 'MSFT' })).toBe(0);
    expect(await sample(m, 'tradestate_working_orders')).toBe(5);
    expect(await sample(m, 'tradestate_kill_switch_state')).toBe(1);

    // read again at the next scrape, not cached
    pf.applyFill(aapl.id, 'sell', 7, 10100, 0n, 4n);
    working = 0;
    ks = undefined; // falls back to the log: ACTIVE until a killswitch record says otherwise
    expect(await sample(m, 'tradestate_position', { instrument: 'AAPL' })).toBe(0);
    expect(await sample(m, 'tradestate_realized_pnl')).toBeCloseTo(13, 8);
    expect(await sample(m, 'tradestate_working_orders')).toBe(0);
    expect(await sample(m, 'tradestate_kill_switch_state')).toBe(0);
    m.observe(5n, 'killswitch.reduced', 'kill-switch', {}, { to: 'REDUCING', trigger: 'loss' });
    expect(await sample(m, 'tradestate_kill_switch_state')).toBe(1);
    expect(await sample(m, 'tradestate_kill_switch_trips_total', { level: 'reduce', trigger: 'loss' })).toBe(
      1
    );
    m.observe(6n, 'killswitch.reset', 'kill-switch', {}, { to: 'ACTIVE', by: 'ops' });
    expect(await sample(m, 'tradestate_kill_switch_state')).toBe(0);
  });

  it('keeps the pending-submit map bounded and follows a replaced order', async () => {
    const m = new TradingMetrics({ instruments, maxPendingOrders: 3 });
    const s = new Session(m);
    for (let i = 0; i < 10; i++) {
      s.submit(BigInt(i) * S, `c${i}`, aapl.id, 'buy', 1);
      s.order(BigInt(i) * S, 'order.submitted', `c${i}`, aapl.id, 'buy', 'PENDING_NEW');
    }
    expect(m.pendingOrders).toBe(3);
    // dropped from latency tracking only: all ten are still working
    expect(await sample(m, 'tradestate_working_orders')).toBe(10);
    // c9 is replaced by r9: the first fill of r9 is timed from c9's submit
    s.order(9n * S + 10n * MS, 'order.replaced', 'r9', aapl.id, 'buy', 'ACKNOWLEDGED', {
      origClientOrderId: 'c9'
    });
    s.order(9n * S + 50n * MS, 'order.filled', 'r9', aapl.id, 'buy', 'FILLED', { lastQty: 1 });
    expect(await sample(m, 'tradestate_order_fill_seconds_sum')).toBeCloseTo(0.05, 12);
    expect(m.pendingOrders).toBe(2);
    expect(await sample(m, 'tradestate_working_orders')).toBe(9);
  });

  it('working_orders counts orders dropped from latency tracking (maxPendingOrders) until they end', async () => {
    const m = new TradingMetrics({ instruments, maxPendingOrders: 2 });
    const s = new Session(m);
    for (let i = 1; i <= 3; i++) {
      s.submit(BigInt(i) * S, `o${i}`, aapl.id, 'buy', 1);
      s.order(BigInt(i) * S, 'order.submitted', `o${i}`, aapl.id, 'buy', 'PENDING_NEW');
    }
    expect(m.pendingOrders).toBe(2); // o1 no longer timed
    expect(await sample(m, 'tradestate_working_orders')).toBe(3);
    // o1, evicted, is replaced and then canceled; o2 fills: only o3 is left working
    s.order(4n * S, 'order.replaced', 'o1b', aapl.id, 'buy', 'ACKNOWLEDGED', { origClientOrderId: 'o1' });
    expect(await sample(m, 'tradestate_working_orders')).toBe(3);
    s.order(5n * S, 'order.canceled', 'o1b', aapl.id, 'buy', 'CANCELED');
    s.order(5n * S, 'order.filled', 'o2', aapl.id, 'buy', 'FILLED', { lastQty: 1 });
    expect(await sample(m, 'tradestate_working_orders')).toBe(1);
    // a second final report of an order does not count it twice
    s.order(6n * S, 'order.canceled', 'o1b', aapl.id, 'buy', 'CANCELED');
    expect(await sample(m, 'tradestate_working_orders')).toBe(1);
    s.order(7n * S, 'order.expired', 'o3', aapl.id, 'buy', 'EXPIRED');
    expect(await sample(m, 'tradestate_working_orders')).toBe(0);
    expect(m.pendingOrders).toBe(0);
  });

  it('labels odd values as unknown instead of minting new series', async () => {
    const m = new TradingMetrics({ instruments });
    m.observe(1n, 'feed.error', 'feed', {}, { code: 'not a code {"x"}' });
    m.observe(1n, 'order.refused', 'order', { clientOrderId: 'z' }, { code: 'TRD_ERR_OVERFILL' });
    m.observe(1n, 'order.filled', 'order', {}, null);
    m.observe(1n, 'something.error', 'x', {}, { code: 'TRD_ERR_X' });
    expect(await sample(m, 'tradestate_errors_total', { source: 'feed', code: 'unknown' })).toBe(1);
    expect(await sample(m, 'tradestate_errors_total', { source: 'order', code: 'TRD_ERR_OVERFILL' })).toBe(1);
    expect(await sample(m, 'tradestate_fills_total', { instrument: 'unknown', side: 'unknown' })).toBe(1);
    expect(
      await sample(m, 'tradestate_errors_total', { source: 'something', code: 'TRD_ERR_X' })
    ).toBeUndefined();
  });

  it('fills_total and filled_quantity_total equal the fill records of random sessions', async () => {
    const order = fc.record({
      inst: fc.constantFrom(aapl, btc),
      side: fc.constantFrom('buy' as const, 'sell' as const),
      fills: fc.array(fc.integer({ min: 1, max: 1000 }), { maxLength: 4 }),
      end: fc.constantFrom('CANCELED', 'CLOSED', 'REJECTED', 'EXPIRED')
    });
    await fc.assert(
      fc.asyncProperty(fc.array(order, { maxLength: 30 }), async (orders) => {
        const m = new TradingMetrics({ instruments });
        const s = new Session(m);
        const want = new Map<string, { n: number; qty: number }>();
        orders.forEach((o, i) => {
          const id = `p${i}`;
          const ts = BigInt(i) * S;
          s.submit(ts, id, o.inst.id, o.side, 1);
          s.order(ts, 'order.submitted', id, o.inst.id, o.side, 'PENDING_NEW');
          for (const q of o.fills) {
            s.order(ts + MS, 'order.filled', id, o.inst.id, o.side, 'PARTIAL_FILL', { lastQty: q });
            const k = `${o.inst.symbol}/${o.side}`;
            const w = want.get(k) ?? { n: 0, qty: 0 };
            w.n++;
            w.qty += o.inst === btc ? q / 1000 : q;
            want.set(k, w);
          }
          s.order(ts + 2n * MS, `order.${o.end.toLowerCase()}`, id, o.inst.id, o.side, o.end);
        });
        let total = 0;
        for (const inst of [aapl, btc]) {
          for (const side of ['buy', 'sell']) {
            const w = want.get(`${inst.symbol}/${side}`);
            const labels = { instrument: inst.symbol, side };
            const n = await sample(m, 'tradestate_fills_total', labels);
            expect(n ?? 0).toBe(w?.n ?? 0);
            expect((await sample(m, 'tradestate_filled_quantity_total', labels)) ?? 0).toBeCloseTo(
              w?.qty ?? 0,
              6
            );
            total += n ?? 0;
          }
        }
        expect(total).toBe(orders.reduce((a, o) => a + o.fills.length, 0));
        expect(await sample(m, 'tradestate_order_fill_seconds_count')).toBe(
          orders.filter((o) => o.fills.length > 0).length
        );
        expect(m.pendingOrders).toBe(0);
        expect(await sample(m, 'tradestate_working_orders')).toBe(0);
      }),
      { numRuns: 40 }
    );
  });

  it('adds the default process metrics, prefixed, only when asked', async () => {
    const on = new TradingMetrics({ instruments, defaultMetrics: true });
    const off = new TradingMetrics({ instruments });
    expect(await on.metrics()).toMatch(/^tradestate_process_cpu_seconds_total /m);
    expect(await off.metrics()).not.toContain('process_cpu');
  });

  it('process metrics are collected once per process, whatever the number of sessions (no collectors pile up)', async () => {
    const monitor = vi.spyOn(perfHooks, 'monitorEventLoopDelay');
    try {
      const sessions = [1, 2, 3].map(() => new TradingMetrics({ instruments, defaultMetrics: true }));
      for (const m of sessions) {
        const text = await m.metrics();
        expect(text).toMatch(/^tradestate_nodejs_eventloop_lag_seconds /m);
        expect(text).toMatch(/^tradestate_up 1$/m);
        expect(text.match(/^# TYPE tradestate_process_cpu_seconds_total /gm)).toHaveLength(1);
      }
      // at most the first one in this process started a monitor; the three share it
      expect(monitor.mock.calls.length).toBeLessThanOrEqual(1);
      expect(processMetrics()).toBe(processMetrics());
    } finally {
      vi.restoreAllMocks();
    }
  });
});

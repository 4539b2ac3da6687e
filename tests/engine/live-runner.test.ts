import { mkdtempSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BookLevel } from '../../src/book/book-view.ts';
import { nsFromIso } from '../../src/core/nanos.ts';
import { barsFromArray } from '../../src/data/bar-source.ts';
import { instrumentsFor, openBars } from '../../src/engine/bar-sources.ts';
import {
  DATA_END,
  type LiveConnection,
  type LiveRunResult,
  runLive,
  type StopReason,
  waitForStop
} from '../../src/engine/live-runner.ts';
import { type AlpacaConnection, connectAlpaca } from '../../src/gateways/alpaca/alpaca-connection.ts';
import { AlpacaRestClient } from '../../src/gateways/alpaca/alpaca-rest.client.ts';
import { type LogIds, type MemoryEventLog, WRITE_AHEAD_SYNC_TYPES } from '../../src/log/event-log.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import type { OrderIntent, Strategy, StrategyView } from '../../src/strategies/strategy.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { LocalPaperMarket } from '../../src/venue/alpaca-local/local-paper-market.ts';
import { cleanupAfterEach } from '../support/fix-loopback.ts';
import { aaplOrderbookRows } from '../support/lobster-rows.ts';
import { probeStrategy } from '../support/probe-strategy.ts';
import { smallConfig } from '../support/run-config.ts';
import { until } from '../support/until.ts';
import { fixPaperSession } from './support/fix-paper.ts';
import { type LocalPaperOptions, records, startLocalPaper } from './support/local-paper.ts';

/** Venue positions as {symbol: signed qty}. */
async function venuePositions(
  p: Awaited<ReturnType<typeof startLocalPaper>>
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const x of await p.rest.listPositions()) out[x.symbol] = Number(x.qty);
  return out;
}

/** Our portfolio as {symbol: signed qty} (non-zero only). */
function ourPositions(
  r: Awaited<Awaited<ReturnType<typeof startLocalPaper>>['result']>
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const x of r.portfolio.positions()) if (x.qty !== 0) out[x.instrumentId.split('@')[0]!] = x.qty;
  return out;
}

/** A GTC limit buy intent. */
const limitBuy = (instrumentId: string, qty: number, limitPx: number, reason: string): OrderIntent => ({
  instrumentId,
  side: 'buy',
  qty,
  orderType: 'limit',
  limitPx,
  tif: 'gtc',
  reason
});

/** Buys `qty` once, on the `at`-th bar, as a limit order `below` ticks under the close (GTC). */
function restingBuy(at: number, below: number, qty = 3): Strategy {
  let n = 0;
  return {
    id: 'resting',
    onBar(bar: Bar, _v: StrategyView): readonly OrderIntent[] {
      if (++n !== at) return [];
      return [limitBuy(bar.instrumentId, qty, bar.close - below, 'far bid')];
    },
    snapshot: () => ({})
  };
}

/** A 5-share market buy of AAA placed by someone else (not through our gateway). */
function outsideBuy(clientOrderId: string) {
  return {
    symbol: 'AAA',
    qty: '5',
    side: 'buy',
    type: 'market',
    time_in_force: 'day',
    client_order_id: clientOrderId
  } as const;
}

/** A `before` step: the account buys 5 AAA outside the session (as `clientOrderId`) and holds them. */
const holdsFiveBefore =
  (clientOrderId: string): LocalPaperOptions['before'] =>
  async (market, rest) => {
    market.venue.quote('AAA', '99.99', '100.01', '100', '100');
    await rest.submitOrder(outsideBuy(clientOrderId));
    await until(() => market.venue.stats.events >= 2, 2_000, 'the outside fill');
  };

describe('live runner on the local Alpaca (paper mode, real client stack over loopback)', () => {
  it('trades a strategy end to end: every order fills at the venue and our positions equal the venue’s', async () => {
    const p = await startLocalPaper({ strategy: probeStrategy(40) });
    const r = await p.result;
    const replayed = await p.replayed;
    expect(r.stoppedBy).toBe('data-end'); // the replayed history ran out
    expect(r.bars).toBe(replayed); // every bar the market published reached the strategy
    expect(replayed).toBe(780); // 390 minutes × 2 symbols
    expect(r.orders).toBe(19); // one order per 40 bars
    expect(r.fills).toBe(19);
    expect(r.rejected).toBe(0);
    expect(r.leftWorking).toBe(0);
    expect(r.errors).toEqual([]);
    // the audit trail: each order submitted, accepted and filled once
    const byType = (t: string) => records(r, t).length;
    expect([byType('order.submit'), byType('order.accepted'), byType('order.filled')]).toEqual([19, 19, 19]);
    expect(byType('run.started')).toBe(1);
    expect(byType('run.completed')).toBe(1);
    expect(byType('reconcile.completed')).toBeGreaterThanOrEqual(1);
    // the venue agrees with us (the market is stopped only in afterEach, so its REST still answers)
    const ours = ourPositions(r);
    expect(Object.keys(ours).length).toBeGreaterThan(0);
    expect(await venuePositions(p)).toEqual(ours);
    // and the runner checked the same itself
    expect(r.positions?.venueStart).toEqual({});
    expect(r.positions?.unexplained).toEqual({});
    expect(Object.values(r.positions?.ours ?? {})).toEqual(Object.values(ours));
    // cash too: the venue's cash moved by exactly what our fills and commissions say
    expect(r.cash).toBeDefined();
    expect(r.cash?.ours).not.toBe('0.00000000');
    expect(r.cash?.unexplained).toBe('0.00000000');
    expect(records(r, 'cash.reconciled')).toHaveLength(1);
  });

  it('reconciles positions against what the account held before: only this session’s change must match our fills', async () => {
    const p = await startLocalPaper({
      strategy: probeStrategy(40),
      before: holdsFiveBefore('before-1') // the account already holds 5 AAA, bought before the session
    });
    const r = await p.result;
    expect(r.positions?.venueStart).toEqual({ 'AAA@SIM': 5 });
    expect(r.positions?.unexplained).toEqual({});
    expect(r.positions?.venueEnd['AAA@SIM']).toBe(5 + (r.positions?.ours['AAA@SIM'] ?? 0));
    expect(r.errors).toEqual([]);
  });

  it('pre-trade risk counts what the account held before the session: a buy past the position limit with it is denied', async () => {
    let sent = false;
    const strategy: Strategy = {
      id: 'adds',
      onBar(bar) {
        if (sent || !bar.instrumentId.startsWith('AAA')) return [];
        sent = true;
        return [
          {
            instrumentId: bar.instrumentId,
            side: 'buy',
            qty: 3,
            orderType: 'market',
            tif: 'day',
            reason: 'add'
          }
        ];
      },
      snapshot: () => ({})
    };
    const p = await startLocalPaper({
      strategy,
      config: { risk: { maxPosition: 6 } },
      before: holdsFiveBefore('before-2') // the account already holds 5 AAA: 3 more would be 8, past the limit of 6
    });
    const r = await p.result;
    expect(r.positions?.venueStart).toEqual({ 'AAA@SIM': 5 });
    expect(records(r, 'risk.failed').map((x) => x.payload['code'])).toEqual(['TRD_ERR_RISK_MAX_POSITION']);
    // nothing reached the venue
    expect(r.fills).toBe(0);
    expect(r.positions?.venueEnd).toEqual({ 'AAA@SIM': 5 });
  });

  it('a venue position and cash change that is not ours is flagged: TRD_ERR_POSITION_MISMATCH and TRD_ERR_CASH_MISMATCH', async () => {
    const p = await startLocalPaper({ strategy: probeStrategy(1_000), stopAtEnd: false, intervalMs: 2 });
    await until(() => p.market.published > 20, 5_000, 'the market to start');
    await p.rest.submitOrder(outsideBuy('outside-1')); // someone else trades the account during the session
    await until(() => p.market.published > 60, 5_000, 'the market to move on');
    p.stop.abort();
    const r = await p.result;
    expect(r.fills).toBe(0);
    expect(r.positions?.unexplained).toEqual({ 'AAA@SIM': 5 });
    expect(r.errors.map((e) => e.code)).toContain('TRD_ERR_POSITION_MISMATCH');
    // the outside buy spent cash we cannot explain either
    expect(r.errors.map((e) => e.code)).toContain('TRD_ERR_CASH_MISMATCH');
    expect(r.cash?.ours).toBe('0.00000000');
    expect(r.cash?.unexplained.startsWith('-')).toBe(true);
  });

  it('orders a crashed earlier session left open are canceled before trading; other people’s are left alone', async () => {
    const farBid = (clientOrderId: string) =>
      ({
        symbol: 'AAA',
        qty: '2',
        side: 'buy',
        type: 'limit',
        limit_price: '1.00',
        time_in_force: 'gtc',
        client_order_id: clientOrderId
      }) as const;
    const p = await startLocalPaper({
      strategy: restingBuy(1_000_000, 1), // the same strategy id as the earlier session; orders nothing now
      before: async (_market, rest) => {
        await rest.submitOrder(farBid('resting-kq3z1-4')); // ours: <strategy>-<session tag>-<n>
        await rest.submitOrder(farBid('manual-7')); // placed by hand
        await rest.submitOrder(farBid('resting-2-kq3z1-4')); // strategy resting-2's, on the same account
        await rest.submitOrder(farBid('resting-note')); // by hand, named like ours
      }
    });
    const r = await p.result;
    const stale = records(r, 'recovery.stale_order');
    expect(stale.map((x) => [x.payload['clientOrderId'], x.payload['action']])).toEqual([
      ['resting-kq3z1-4', 'canceled']
    ]);
    const status = async (id: string) => (await p.rest.getOrderByClientOrderId(id))?.status;
    expect(await status('resting-kq3z1-4')).toBe('canceled');
    expect(await status('manual-7')).toBe('new');
    expect(await status('resting-2-kq3z1-4')).toBe('new');
    expect(await status('resting-note')).toBe('new');
  });

  it('stale-order recovery pages through every open order (six open orders, two a page)', async () => {
    const ours = [
      'resting-kq3z1-1',
      'resting-kq3z1-2',
      'resting-kq3z1-3',
      'resting-kq3z1-4',
      'resting-kq3z1-5'
    ];
    const p = await startLocalPaper({
      strategy: restingBuy(1_000_000, 1),
      openOrdersPageSize: 2,
      before: async (_market, rest) => {
        for (const id of [...ours.slice(0, 3), 'manual-1', ...ours.slice(3)]) {
          await rest.submitOrder({
            symbol: 'AAA',
            qty: '1',
            side: 'buy',
            type: 'limit',
            limit_price: '1.00',
            time_in_force: 'gtc',
            client_order_id: id
          });
        }
      }
    });
    const r = await p.result;
    const stale = records(r, 'recovery.stale_order');
    expect(stale.map((x) => x.payload['clientOrderId']).sort()).toEqual(ours);
    expect(stale.every((x) => x.payload['action'] === 'canceled')).toBe(true);
    for (const id of ours) expect((await p.rest.getOrderByClientOrderId(id))?.status).toBe('canceled');
    expect((await p.rest.getOrderByClientOrderId('manual-1'))?.status).toBe('new');
  });

  it('stopping cancels working orders at the venue and waits for the cancels', async () => {
    const p = await startLocalPaper({ strategy: restingBuy(10, 2_000), stopAtEnd: false });
    await until(() => p.market.published > 40, 5_000, 'the market to move on');
    p.stop.abort();
    const r = await p.result;
    expect(r.orders).toBe(1);
    expect(r.leftWorking).toBe(0);
    const canceled = records(r, 'order.canceled');
    expect(canceled).toHaveLength(1);
    const [order] = await p.rest.listOrders({ status: 'all' });
    expect(order?.status).toBe('canceled');
    expect(records(r, 'oms.cancel_all_requested')[0]?.payload).toMatchObject({ actor: 'system', count: 1 });
  });

  it('once the session stops the strategy sends nothing: no bar reaches it, and its re-bid on the shutdown cancel is discarded', async () => {
    let acked = false;
    let sawCancel = false;
    const bid = (instrumentId: string, close: number) => limitBuy(instrumentId, 1, close - 2_000, 'bid');
    let last = 0;
    // keeps one far bid working: places it on a bar when it has none, and again whenever it is canceled
    const strategy: Strategy = {
      id: 'rebid',
      onBar(bar, view) {
        if (!bar.instrumentId.startsWith('AAA')) return [];
        last = bar.close;
        return view.openOrders(bar.instrumentId).length === 0 ? [bid(bar.instrumentId, bar.close)] : [];
      },
      onOrderEvent(e) {
        if (e.type === 'order.accepted') acked = true;
        if (e.type !== 'order.canceled') return [];
        sawCancel = true;
        return [bid(e.instrumentId, last)];
      },
      snapshot: () => ({})
    };
    const p = await startLocalPaper({ strategy, stopAtEnd: false });
    await until(() => acked, 5_000, 'the bid to be acknowledged');
    p.stop.abort();
    const atStop = p.market.published;
    const r = await p.result;
    // the market went on publishing during the shutdown: the gate, not a quiet market, kept the bars out
    expect(p.market.published).toBeGreaterThan(atStop);
    expect(sawCancel).toBe(true);
    expect(r.orders).toBe(1);
    expect(r.leftWorking).toBe(0);
    const venue = await p.rest.listOrders({ status: 'all' });
    expect(venue.map((o) => o.status)).toEqual(['canceled']);
    const types = (r.log as MemoryEventLog).records.map((x) => x.type);
    const stopping = types.indexOf('run.stopping');
    expect(stopping).toBeGreaterThan(0);
    expect(types.indexOf('oms.cancel_all_requested')).toBeGreaterThan(stopping);
    const after = types.slice(stopping);
    expect(after).not.toContain('order.submit');
    expect(after).not.toContain('market.bar');
  });

  it('a strategy re-prices and then cancels its resting order at the venue (PATCH, DELETE): the same code as a backtest', async () => {
    let placed = false;
    let canceled = false;
    const strategy: Strategy = {
      id: 'requote',
      onBar(bar, view) {
        if (!bar.instrumentId.startsWith('AAA')) return [];
        const [o] = view.openOrders(bar.instrumentId);
        if (!placed) {
          placed = true;
          return [limitBuy(bar.instrumentId, 2, bar.close - 2_000, 'rest')];
        }
        if (o?.status !== 'ACKNOWLEDGED') return [];
        // first answer: re-price (a replacement id ends in -2); once replaced: cancel
        return o.clientOrderId.endsWith('-1')
          ? [
              {
                kind: 'replace',
                clientOrderId: o.clientOrderId,
                limitPx: (o.limitPx ?? 0) + 100,
                reason: 'requote'
              }
            ]
          : [{ kind: 'cancel', clientOrderId: o.clientOrderId, reason: 'done' }];
      },
      onOrderEvent(e) {
        if (e.type === 'order.canceled') canceled = true;
        return [];
      },
      snapshot: () => ({})
    };
    const p = await startLocalPaper({ strategy, stopAtEnd: false });
    await until(() => canceled, 10_000, 'the cancel');
    p.stop.abort();
    const r = await p.result;
    const venue = await p.rest.listOrders({ status: 'all' });
    expect(venue.map((o) => o.status).sort()).toEqual(['canceled', 'replaced']);
    const byClient = new Map(venue.map((o) => [o.client_order_id, o]));
    const ids = records(r, 'order.replaced').map(
      (x) => x.payload as { clientOrderId: string; origClientOrderId: string; limitPx: number }
    );
    expect(ids).toHaveLength(1);
    expect(byClient.get(ids[0]!.origClientOrderId)?.status).toBe('replaced');
    expect(byClient.get(ids[0]!.clientOrderId)?.status).toBe('canceled');
    expect(records(r, 'order.canceled').map((x) => x.payload['clientOrderId'])).toEqual([
      ids[0]!.clientOrderId
    ]);
    expect(r.leftWorking).toBe(0);
  });

  it('a bracket on a venue without native OCO: the strategy host cancels the other exit when one fills', async () => {
    let sent = false;
    let exited = false;
    const strategy: Strategy = {
      id: 'bracket',
      onBar(bar) {
        if (sent || !bar.instrumentId.startsWith('AAA')) return [];
        sent = true;
        const d = Math.round(bar.close / 100); // 1%
        return [
          {
            kind: 'bracket',
            entry: { instrumentId: bar.instrumentId, side: 'buy', qty: 4, orderType: 'market', tif: 'day' },
            stopLossPx: bar.close - d,
            takeProfitPx: bar.close + d,
            reason: 'enter'
          }
        ];
      },
      onOrderEvent(e) {
        if (e.type === 'order.canceled') exited = true;
        return [];
      },
      snapshot: () => ({})
    };
    const p = await startLocalPaper({ strategy, stopAtEnd: false });
    await until(() => exited, 10_000, 'the OCO cancel');
    p.stop.abort();
    const r = await p.result;
    const cancels = records(r, 'order.cancel').map(
      (x) => x.payload as { clientOrderId: string; reason: string }
    );
    const filled = records(r, 'order.filled')
      .map((x) => x.payload as { clientOrderId: string; to: string })
      .filter((e) => e.to === 'FILLED')
      .map((e) => e.clientOrderId);
    expect(filled).toHaveLength(2); // the entry and one exit
    const [entry, winner] = filled as [string, string];
    expect(entry).toMatch(/^bracket-.*-1$/);
    const loser = records(r, 'order.submit')
      .map((x) => x.payload as { clientOrderId: string; ocoGroup?: string })
      .find((c) => c.ocoGroup === entry && c.clientOrderId !== winner)!.clientOrderId;
    expect(cancels).toEqual([
      expect.objectContaining({ clientOrderId: loser, reason: `OCO: ${winner} filled` })
    ]);
    expect(await venuePositions(p)).toEqual({});
    expect(r.leftWorking).toBe(0);
  });

  it("a strategy with onQuote and onTrade gets the venue's quotes and prints in paper mode too, and what it sends from them reaches the venue", async () => {
    const seen: { bid: number; ask: number; now: bigint; ts: bigint; book: boolean }[] = [];
    let sent = false;
    const prints: number[] = [];
    const strategy: Strategy = {
      id: 'quoting',
      onBar: () => [],
      onTrade: (t) => {
        prints.push(t.px);
        return [];
      },
      onQuote(q, view) {
        seen.push({
          bid: q.bidPx,
          ask: q.askPx,
          now: view.now(),
          ts: q.tsEvent,
          book: view.book(q.instrumentId) !== undefined
        });
        if (sent || !q.instrumentId.startsWith('AAA')) return [];
        sent = true;
        return [limitBuy(q.instrumentId, 1, q.bidPx - 500, 'from a quote')];
      },
      snapshot: () => ({})
    };
    const p = await startLocalPaper({ strategy, stopAtEnd: false });
    await until(() => seen.length >= 20 && p.market.published > 20, 10_000, 'quotes');
    p.stop.abort();
    const r = await p.result;
    expect(seen.every((x) => x.bid < x.ask && x.now === x.ts)).toBe(true);
    expect(seen.some((x) => x.book)).toBe(false); // Alpaca sends no depth
    const orders = await p.rest.listOrders({ status: 'all' });
    expect(orders.map((o) => [o.client_order_id.startsWith('quoting-'), o.limit_price !== null])).toEqual([
      [true, true]
    ]);
    expect(records(r, 'market.quote').length).toBe(seen.length);
    // and its onTrade the prints
    expect(prints.length).toBeGreaterThan(0);
    expect(records(r, 'market.trade').length).toBe(prints.length);
  });

  it('fills the trading stream lost are recovered by reconciliation', async () => {
    let paused = false;
    const p = await startLocalPaper({
      strategy: probeStrategy(40),
      live: { reconcileEveryMs: 150 },
      intervalMs: 2,
      onBar: (_b, n) => {
        // from bar 100 on, trade updates are held, then thrown away (as after a reconnect: nothing is replayed)
        if (n === 100 && !paused) {
          paused = true;
          p.market.venue.pauseStream();
          setTimeout(() => p.market.venue.resumeStream({ drop: true }), 300);
        }
      }
    });
    const r = await p.result;
    expect(r.orders).toBe(19);
    expect(r.fills).toBe(19); // none lost: the reconciler found the fills the stream dropped
    expect(r.leftWorking).toBe(0);
    expect(await venuePositions(p)).toEqual(ourPositions(r));
    expect(records(r, 'reconcile.completed').length).toBeGreaterThanOrEqual(2);
  });

  it('a dropped market-data connection reconnects and the strategy keeps getting bars', async () => {
    const seen: number[] = [];
    const p = await startLocalPaper({
      strategy: probeStrategy(1_000),
      intervalMs: 2,
      onBar: (_b, n) => {
        seen.push(n);
        if (n === 200) p.market.data.dropClients();
      }
    });
    const r = await p.result;
    expect(p.market.data.stats.connections).toBeGreaterThanOrEqual(2);
    expect(seen.length).toBe(r.bars);
    expect(r.bars).toBeGreaterThan(400); // well past the drop
    expect(r.bars).toBeLessThan(780); // bars published while reconnecting are not replayed (live semantics)
  });

  it('venue rejects trip the kill switch, which halts the strategy: nothing is sent after the third reject', async () => {
    const p = await startLocalPaper({
      strategy: probeStrategy(20),
      stopAtEnd: true,
      config: { killSwitch: { rejects: { max: 2, windowMs: 600_000 } } }, // more than 2 trips it
      onBar: (_b, n) => {
        if (n === 59) for (let i = 0; i < 3; i++) p.market.venue.failNext('POST', '/v2/orders', 403);
      }
    });
    const r = await p.result;
    expect(records(r, 'killswitch.tripped')).toHaveLength(1);
    expect(r.rejected).toBe(3);
    // halted: nothing was sent after the third reject
    expect(r.orders).toBe(5);
    expect(r.fills).toBe(2);
  });

  it('wrong keys end the session before it starts: TRD_ERR_AUTH_FAILED, nothing logged, streams closed', async () => {
    const config = smallConfig({
      data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-05', sessions: 1 }
    });
    const instruments = instrumentsFor(config);
    const clock = new LiveClock();
    const market = new LocalPaperMarket({
      instruments,
      clock,
      bars: barsFromArray([]),
      intervalMs: 1,
      seed: 1
    });
    await market.start();
    try {
      const connection = connectAlpaca({
        ...market.endpoints,
        secretKey: 'not-the-secret',
        instruments,
        clock,
        seed: 1,
        backoff: { minMs: 10, maxMs: 20 }
      });
      await expect(
        runLive({
          config,
          configFile: 'test.yaml',
          clock,
          connection: { ...connection, name: 'alpaca-local' }
        })
      ).rejects.toMatchObject({ code: 'TRD_ERR_AUTH_FAILED' });
      expect(connection.tradeStream.status).toBe('stopped');
      expect(connection.dataFeed.status).toBe('stopped');
      // bars it cannot make end it the same way, before the venue is asked anything
      const again = connectAlpaca({ ...market.endpoints, instruments, clock, seed: 1 });
      const halfMinute = {
        ...config,
        live: { ...config.live, bars: { ...config.live.bars, timeframe: '30s' } }
      };
      await expect(
        runLive({
          config: halfMinute,
          configFile: 'test.yaml',
          clock,
          connection: { ...again, name: 'alpaca-local' }
        })
      ).rejects.toMatchObject({ code: 'TRD_ERR_CONFIG_INVALID' });
      expect(again.tradeStream.status).toBe('stopped');
      expect(again.dataFeed.status).toBe('stopped');
    } finally {
      await market.stop();
    }
  });

  it('a second session on the same account never reuses a client order id (Alpaca refuses a reused one)', async () => {
    const config = smallConfig({
      data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-05', sessions: 2, volatility: 0.6 }
    });
    const instruments = instrumentsFor(config);
    const clock = new LiveClock();
    const { source } = await openBars(config, instruments, config.seed);
    const market = new LocalPaperMarket({ instruments, clock, bars: source, intervalMs: 1, seed: 1 });
    await market.start();
    const session = async (until_: number) => {
      const connection = connectAlpaca({ ...market.endpoints, instruments, clock, seed: 1 });
      const stop = new AbortController();
      const result = runLive({
        config,
        configFile: 'test.yaml',
        clock,
        connection: { ...connection, name: 'alpaca-local' },
        signal: stop.signal,
        strategy: probeStrategy(40)
      });
      await until(() => market.published >= until_, 10_000, `bar ${until_}`);
      stop.abort();
      return result;
    };
    const replay = market.run();
    try {
      const first = await session(300);
      const second = await session(600);
      for (const r of [first, second]) {
        expect(r.orders).toBeGreaterThan(2);
        expect(r.rejected).toBe(0);
        expect(r.fills).toBe(r.orders);
      }
      const ids = (r: typeof first) =>
        records(r, 'order.filled').map((x) => String(x.payload['clientOrderId']));
      // <strategy>-<session tag>-<n>: the same strategy, two tags
      expect(ids(first)[0]).toMatch(/^probe-[0-9a-z]+-1$/);
      expect(ids(second)[0]).toMatch(/^probe-[0-9a-z]+-1$/);
      expect(ids(second)[0]).not.toBe(ids(first)[0]);
    } finally {
      await market.stop();
      await replay;
    }
  });
});

describe('runLive and its write-ahead event log', () => {
  const config = smallConfig({
    data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-05', sessions: 1 }
  });
  const instruments = instrumentsFor(config);
  const markets: LocalPaperMarket[] = [];
  afterEach(async () => {
    for (const m of markets.splice(0)) await m.stop();
  });

  /** The local Alpaca with no history to replay: sessions on it stop as soon as they have started. */
  async function idleMarket(): Promise<LocalPaperMarket> {
    const market = new LocalPaperMarket({
      instruments,
      clock: new LiveClock(),
      bars: barsFromArray([]),
      intervalMs: 1,
      seed: 1
    });
    markets.push(market);
    await market.start();
    return market;
  }

  /** A session of strategy `resting` on `market` writing to `outDir`, stopped before it trades. */
  function session(
    market: LocalPaperMarket,
    outDir: string,
    wrap: (c: LiveConnection) => LiveConnection = (c) => c
  ): { connection: AlpacaConnection; result: Promise<LiveRunResult> } {
    const clock = new LiveClock();
    const connection = connectAlpaca({
      ...market.endpoints,
      instruments,
      clock,
      seed: 1,
      backoff: { minMs: 10, maxMs: 20 }
    });
    const stop = new AbortController();
    stop.abort();
    const result = runLive({
      config,
      configFile: 'test.yaml',
      clock,
      connection: wrap({ ...connection, name: 'alpaca-local' }),
      outDir,
      signal: stop.signal,
      strategy: restingBuy(1_000_000, 1)
    });
    return { connection, result };
  }

  const logLines = (
    path: string
  ): { seq: number; type: string; ids: LogIds; payload: Record<string, unknown> }[] =>
    readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l));

  it('the cancel of an order a crashed session left open is on disk (recovery.stale_cancel, fsynced) before it is sent', async () => {
    const market = await idleMarket();
    const rest = new AlpacaRestClient({
      baseUrl: market.endpoints.tradingUrl,
      keyId: market.endpoints.keyId,
      secretKey: market.endpoints.secretKey
    });
    try {
      await rest.submitOrder({
        symbol: 'AAA',
        qty: '2',
        side: 'buy',
        type: 'limit',
        limit_price: '1.00',
        time_in_force: 'gtc',
        client_order_id: 'resting-kq3z1-4'
      });
    } finally {
      await rest.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'ts-live-stale-'));
    const file = join(dir, 'events.jsonl');
    // what the log held when each DELETE left for the venue
    const atCancel: ReturnType<typeof logLines>[] = [];
    const { result } = session(market, dir, (c) => ({
      ...c,
      cancelVenueOrder: (venueOrderId: string) => {
        atCancel.push(logLines(file));
        return c.cancelVenueOrder!(venueOrderId);
      }
    }));
    await result;
    expect(atCancel).toHaveLength(1);
    expect(atCancel[0]!.at(-1)).toMatchObject({
      type: 'recovery.stale_cancel',
      ids: { clientOrderId: 'resting-kq3z1-4' }
    });
    expect(WRITE_AHEAD_SYNC_TYPES).toContain('recovery.stale_cancel');
    // and once the venue answered, the outcome
    const recovery = logLines(file).filter((r) => r.type.startsWith('recovery.'));
    expect(recovery.map((r) => [r.type, r.ids.clientOrderId, r.payload['action']])).toEqual([
      ['recovery.stale_cancel', 'resting-kq3z1-4', undefined],
      ['recovery.stale_order', 'resting-kq3z1-4', 'canceled']
    ]);
  });

  it('a session on the out dir of an earlier one keeps that log as events.jsonl.1 and names it in run.started', async () => {
    const market = await idleMarket();
    const dir = mkdtempSync(join(tmpdir(), 'ts-live-again-'));
    const first = await session(market, dir).result;
    expect(first.previousLog).toBeUndefined();
    const firstLog = readFileSync(join(dir, 'events.jsonl'), 'utf8');
    expect(logLines(join(dir, 'events.jsonl'))[0]!.payload['previousLog']).toBeUndefined();
    const second = await session(market, dir).result;
    expect(second.previousLog).toBe(join(dir, 'events.jsonl.1'));
    expect(readFileSync(join(dir, 'events.jsonl.1'), 'utf8')).toBe(firstLog);
    expect(logLines(join(dir, 'events.jsonl'))[0]).toMatchObject({
      type: 'run.started',
      payload: { runId: second.runId, previousLog: 'events.jsonl.1' }
    });
  });

  it('a session whose log cannot be written ends with TRD_ERR_LOG_WRITE_FAILED and leaves nothing open', async () => {
    const market = await idleMarket();
    const dir = mkdtempSync(join(tmpdir(), 'ts-live-full-'));
    symlinkSync('/dev/full', join(dir, 'events.jsonl')); // a full disk: every write fails with ENOSPC
    const { connection, result } = session(market, dir);
    await expect(result).rejects.toMatchObject({ code: 'TRD_ERR_LOG_WRITE_FAILED' });
    expect(connection.tradeStream.status).toBe('stopped');
    expect(connection.dataFeed.status).toBe('stopped');
    const onDevFull = readdirSync('/proc/self/fd').filter((fd) => {
      try {
        return readlinkSync(`/proc/self/fd/${fd}`) === '/dev/full';
      } catch {
        return false;
      }
    });
    expect(onDevFull).toEqual([]);
  });
});

describe('runLive over FIX market data with depth (live.fix.depth)', () => {
  const cleanup = cleanupAfterEach();

  it("the strategy's view.book is the venue's book at each quote: the real LOBSTER AAPL rows, 10 levels a side", async () => {
    const ob = aaplOrderbookRows();
    const config = smallConfig({
      data: { kind: 'synthetic', symbols: ['AAPL'], start: '2012-06-21', sessions: 1 },
      // LOBSTER prices are dollars × 10,000: with a 0.0001 tick they are the instrument's ticks
      instruments: { defaults: { venue: 'FIXLOCAL', tickSize: '0.0001', lotSize: '1', currency: 'USD' } },
      live: { venue: 'fix', fix: { marketData: 'fix', depth: 10 }, shutdownGraceMs: 200 }
    });
    const seen: { top: number[]; bids: BookLevel[]; asks: BookLevel[]; imbalance: number }[] = [];
    const strategy: Strategy = {
      id: 'depth',
      onBar: () => [],
      onQuote(q, view) {
        const b = view.book(q.instrumentId)!;
        seen.push({
          top: [q.bidPx, q.bidSz, q.askPx, q.askSz],
          bids: [...b.levels('buy', 10)],
          asks: [...b.levels('sell', 10)],
          imbalance: b.imbalance(10)
        });
        return [];
      },
      snapshot: () => ({})
    };
    const { venue, instruments, stop, result } = await fixPaperSession(cleanup, config, strategy, 10);
    const id = instruments[0]!.id;
    for (let r = 0; r < ob.rows; r++)
      venue.book(id, ob.side(r, 'buy'), ob.side(r, 'sell'), nsFromIso('2012-06-21T13:30:00Z') + BigInt(r));
    // each change of the top is a quote, and the book the strategy reads there is that row's, all 10 levels
    const want: { top: number[]; bids: BookLevel[]; asks: BookLevel[]; imbalance: number }[] = [];
    for (let r = 0; r < ob.rows; r++) {
      if (want.length > 0 && JSON.stringify(want.at(-1)!.top) === JSON.stringify(ob.top(r))) continue;
      const bids = ob.side(r, 'buy');
      const asks = ob.side(r, 'sell');
      const bq = bids.reduce((a, l) => a + l.qty, 0);
      const aq = asks.reduce((a, l) => a + l.qty, 0);
      want.push({ top: ob.top(r), bids, asks, imbalance: (bq - aq) / (bq + aq) });
    }
    await until(() => seen.length === want.length, 10_000, `${want.length} quotes`);
    stop.abort();
    const r = await result;
    expect(seen).toEqual(want);
    expect(r.errors).toEqual([]);
  });
});

describe('the session duration (waitForStop)', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** What `p` resolved with so far (undefined while pending). */
  function track(p: Promise<StopReason>): () => StopReason | undefined {
    let r: StopReason | undefined;
    void p.then((x) => {
      r = x;
    });
    return () => r;
  }

  it('a duration longer than one timer can wait (2^31−1 ms) lasts that long: 30 days, not 1 ms', async () => {
    vi.useFakeTimers(); // clamps a delay over 2^31−1 ms to 1 ms, as Node does
    const month = 30 * 86_400_000;
    const stopped = track(waitForStop(month, undefined));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(stopped()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(month - 1_001);
    expect(stopped()).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(stopped()).toBe('duration');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a signal during a long wait stops it at once, and no timer is left', async () => {
    vi.useFakeTimers();
    const stop = new AbortController();
    const stopped = track(waitForStop(40 * 86_400_000, stop.signal));
    await vi.advanceTimersByTimeAsync(2_147_483_647 + 5);
    expect(stopped()).toBeUndefined();
    stop.abort(DATA_END);
    await vi.advanceTimersByTimeAsync(0);
    expect(stopped()).toBe('data-end');
    expect(vi.getTimerCount()).toBe(0);
  });
});

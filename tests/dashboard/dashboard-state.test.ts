import { afterEach, describe, expect, it, vi } from 'vitest';
import { MONEY_ONE } from '../../src/core/instrument.ts';
import type { Nanos } from '../../src/core/nanos.ts';
import { type DashboardSnapshot, DashboardState } from '../../src/dashboard/dashboard-state.ts';
import { type LogIds, MemoryEventLog } from '../../src/log/event-log.ts';
import { type EventLogObserver, fanOut, MeteredEventLog } from '../../src/log/metered-event-log.ts';
import { Portfolio } from '../../src/portfolio/portfolio.ts';
import { AAPL, BTC } from '../venue/alpaca-local/support.ts';

const instruments = [AAPL, BTC];
const T = 1_709_650_800_000_000_000n;

/** A dashboard fed by a metered log, with a real portfolio the records describe. */
function session(o: Partial<ConstructorParameters<typeof DashboardState>[0]> = {}) {
  const portfolio = new Portfolio(100_000n * MONEY_ONE, new Map(instruments.map((i) => [i.id, i] as const)));
  const state = new DashboardState({ instruments, portfolio: () => portfolio, ...o });
  const log = new MeteredEventLog(new MemoryEventLog(), state);
  const append = (ts: Nanos, type: string, component: string, ids: LogIds, payload: unknown): void =>
    log.append(ts, type, component, ids, payload);
  const bar = (ts: Nanos, id: string, close: number): void => {
    portfolio.mark(id, close);
    append(ts, 'market.bar', 'feed', { instrumentId: id }, { type: 'market.bar', instrumentId: id, close });
  };
  const order = (ts: Nanos, type: string, id: string, fields: Record<string, unknown>): void =>
    append(
      ts,
      type,
      'order',
      { clientOrderId: id, instrumentId: String(fields['instrumentId']) },
      {
        type,
        clientOrderId: id,
        tsEvent: ts,
        commission: 0n,
        ...fields
      }
    );
  return { state, portfolio, append, bar, order, log };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('DashboardState', () => {
  it('derives the exact snapshot of a hand-written session', () => {
    const s = session();
    const a = { instrumentId: AAPL.id, side: 'buy', orderType: 'market', qty: 10 };
    s.append(T, 'run.started', 'engine', {}, { runId: 'r1', venue: 'alpaca-local', strategy: 'probe' });
    s.bar(T + 1n, AAPL.id, 10_000);
    s.append(T + 2n, 'order.submit', 'strategy', { clientOrderId: 'o1', instrumentId: AAPL.id }, { ...a });
    s.order(T + 2n, 'order.submitted', 'o1', { ...a, filledQty: 0, notionalTicks: 0, to: 'PENDING_NEW' });
    s.order(T + 3n, 'order.accepted', 'o1', { ...a, filledQty: 0, notionalTicks: 0, to: 'ACKNOWLEDGED' });
    s.order(T + 4n, 'order.filled', 'o1', {
      ...a,
      filledQty: 10,
      notionalTicks: 100_100,
      lastQty: 10,
      lastPx: 10_010,
      to: 'FILLED'
    });
    s.portfolio.applyFill(AAPL.id, 'buy', 10, 10_010, 0n, T + 4n);
    s.append(T + 4n, 'portfolio.position_changed', 'portfolio', { instrumentId: AAPL.id }, { qty: 10 });
    const b = { instrumentId: AAPL.id, side: 'sell', orderType: 'limit', qty: 5, limitPx: 10_100 };
    s.append(T + 5n, 'order.submit', 'strategy', { clientOrderId: 'o2', instrumentId: AAPL.id }, { ...b });
    s.order(T + 5n, 'order.submitted', 'o2', { ...b, filledQty: 0, notionalTicks: 0, to: 'PENDING_NEW' });
    s.order(T + 6n, 'order.rejected', 'o2', { ...b, filledQty: 0, notionalTicks: 0, to: 'REJECTED' });
    const c = { instrumentId: BTC.id, side: 'buy', orderType: 'market', qty: 5000 };
    s.append(T + 7n, 'order.submit', 'strategy', { clientOrderId: 'o3', instrumentId: BTC.id }, { ...c });
    s.order(T + 7n, 'order.denied', 'o3', { ...c, filledQty: 0, notionalTicks: 0, to: 'REJECTED' });
    s.append(T + 8n, 'gateway.error', 'gateway', {}, { code: 'TRD_ERR_WS_STALE', message: 'stale' });
    s.append(T + 8n, 'killswitch.tripped', 'kill-switch', {}, { to: 'HALTED', trigger: 'errors' });
    s.bar(T + 9n, AAPL.id, 10_020);
    s.append(T + 10n, 'run.stopping', 'engine', {}, { stoppedBy: 'duration' });
    expect(s.state.snapshot().status).toBe('stopping');
    s.append(T + 10n, 'run.completed', 'engine', {}, { bars: 2 });

    const snap = s.state.snapshot();
    expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    expect(snap).toEqual({
      runId: 'r1',
      venue: 'alpaca-local',
      strategy: 'probe',
      status: 'completed',
      lastTs: (T + 10n).toString(),
      records: 17,
      bars: 2,
      orders: 3,
      fills: 1,
      rejects: 1,
      errorCount: 1,
      killSwitch: 'HALTED',
      killSwitchTrips: 1,
      cash: 98_999,
      equity: 100_001,
      realized: 0,
      equityPoints: [
        { ts: (T + 1n).toString(), equity: 100_000 },
        { ts: (T + 9n).toString(), equity: 100_001 }
      ],
      positions: [
        {
          instrumentId: AAPL.id,
          symbol: 'AAPL',
          qty: 10,
          lastPx: 100.2,
          avgPx: 100.1,
          realized: 0,
          unrealized: 1
        }
      ],
      orderList: [
        {
          clientOrderId: 'o3',
          instrumentId: BTC.id,
          symbol: 'BTC/USD',
          side: 'buy',
          qty: 0.5,
          filled: 0,
          price: null,
          state: 'DENIED',
          ts: (T + 7n).toString()
        },
        {
          clientOrderId: 'o2',
          instrumentId: AAPL.id,
          symbol: 'AAPL',
          side: 'sell',
          qty: 5,
          filled: 0,
          price: 101,
          state: 'REJECTED',
          ts: (T + 6n).toString()
        },
        {
          clientOrderId: 'o1',
          instrumentId: AAPL.id,
          symbol: 'AAPL',
          side: 'buy',
          qty: 10,
          filled: 10,
          price: 100.1,
          state: 'FILLED',
          ts: (T + 4n).toString()
        }
      ],
      errors: [{ ts: (T + 8n).toString(), type: 'gateway.error', code: 'TRD_ERR_WS_STALE', message: 'stale' }]
    });
  });

  it('without a portfolio shows no money and no equity points, until one is attached', () => {
    const state = new DashboardState({ instruments });
    state.observe(T, 'market.bar', 'feed', { instrumentId: AAPL.id }, {});
    expect(state.snapshot()).toMatchObject({
      bars: 1,
      cash: null,
      equity: null,
      positions: [],
      equityPoints: []
    });
    const pf = new Portfolio(5n * MONEY_ONE, new Map([[AAPL.id, AAPL]]));
    state.attach({ portfolio: () => pf });
    state.observe(T + 1n, 'market.bar', 'feed', { instrumentId: AAPL.id }, {});
    expect(state.snapshot()).toMatchObject({ bars: 2, cash: 5, equity: 5, equityPoints: [{ equity: 5 }] });
  });

  it('keeps the last 500 equity points, 50 orders and 20 errors (oldest dropped, an order keeps its row)', () => {
    const s = session();
    for (let i = 0; i < 620; i++) s.bar(T + BigInt(i), AAPL.id, 10_000 + i);
    for (let i = 0; i < 70; i++)
      s.append(
        T,
        'order.submit',
        'strategy',
        { clientOrderId: `o${i}`, instrumentId: AAPL.id },
        {
          side: 'buy',
          qty: 1
        }
      );
    // an update to a kept order does not move it; one to a dropped order is a new row
    s.order(T, 'order.accepted', 'o20', { instrumentId: AAPL.id, to: 'ACKNOWLEDGED' });
    for (let i = 0; i < 25; i++) s.append(T + BigInt(i), 'feed.error', 'feed', {}, { code: `TRD_ERR_E${i}` });
    const snap = s.state.snapshot();
    expect(snap.bars).toBe(620);
    expect(snap.equityPoints).toHaveLength(500);
    expect(snap.equityPoints[0]!.ts).toBe((T + 120n).toString());
    expect(snap.equityPoints.at(-1)!.equity).toBe(100_000);
    expect(snap.orders).toBe(70);
    expect(snap.orderList.map((o) => o.clientOrderId)).toEqual(
      Array.from({ length: 50 }, (_, i) => `o${69 - i}`)
    );
    expect(snap.orderList.find((o) => o.clientOrderId === 'o20')?.state).toBe('ACKNOWLEDGED');
    expect(snap.errorCount).toBe(25);
    expect(snap.errors.map((e) => e.code)).toEqual(
      Array.from({ length: 20 }, (_, i) => `TRD_ERR_E${24 - i}`)
    );
  });

  it('coalesces updates: one push per 250 ms, or at once after N records or at run.completed (run.failed too)', () => {
    vi.useFakeTimers();
    const state = new DashboardState({ instruments, coalesceMs: 250, coalesceRecords: 10 });
    const got: DashboardSnapshot[] = [];
    const unsubscribe = state.subscribe((x) => got.push(x));
    const bar = (): void => state.observe(T, 'market.bar', 'feed', { instrumentId: AAPL.id }, {});
    for (let i = 0; i < 5; i++) bar();
    vi.advanceTimersByTime(249);
    expect(got).toHaveLength(0);
    vi.advanceTimersByTime(1);
    expect(got.map((x) => x.bars)).toEqual([5]);
    bar();
    bar();
    vi.advanceTimersByTime(250);
    expect(got.map((x) => x.bars)).toEqual([5, 7]);
    vi.advanceTimersByTime(1000);
    expect(got).toHaveLength(2);
    for (let i = 0; i < 10; i++) bar();
    expect(got.map((x) => x.bars)).toEqual([5, 7, 17]);
    bar();
    state.observe(T, 'run.completed', 'engine', {}, {});
    expect(got.at(-1)).toMatchObject({ bars: 18, status: 'completed' });
    // a session that ends on an error says so at once
    const failed = new DashboardState({ instruments, coalesceMs: 250, coalesceRecords: 1_000 });
    const seen: DashboardSnapshot[] = [];
    failed.subscribe((x) => seen.push(x));
    failed.observe(T, 'run.started', 'engine', {}, {});
    failed.observe(T, 'run.failed', 'engine', {}, { code: 'TRD_ERR_LOG_WRITE_FAILED' });
    expect(seen.at(-1)?.status).toBe('failed');
    vi.advanceTimersByTime(1000);
    expect(got).toHaveLength(4);
    unsubscribe();
    bar();
    vi.advanceTimersByTime(1000);
    expect(got).toHaveLength(4);
  });

  it('a throwing subscriber neither breaks the log nor the other subscribers', () => {
    vi.useFakeTimers();
    const state = new DashboardState({ instruments, coalesceMs: 10 });
    const got: number[] = [];
    state.subscribe(() => {
      throw new Error('broken subscriber');
    });
    state.subscribe((x) => got.push(x.records));
    const log = new MeteredEventLog(new MemoryEventLog(), state);
    log.append(T, 'market.bar', 'feed', {}, {});
    vi.advanceTimersByTime(10);
    expect(got).toEqual([1]);
    expect(state.observeFailures).toBe(0);
  });
});

describe('fanOut', () => {
  it('shows every record to each observer; one that throws is reported and the others still see it', () => {
    const failures: unknown[] = [];
    const broken: EventLogObserver = {
      observe() {
        throw new Error('observer broke');
      },
      observeFailed: (e) => failures.push(e)
    };
    const state = new DashboardState({ instruments });
    const inner = new MemoryEventLog();
    const log = new MeteredEventLog(inner, fanOut(broken, state));
    log.append(T, 'market.bar', 'feed', { instrumentId: AAPL.id }, {});
    log.append(T, 'order.submit', 'strategy', { clientOrderId: 'x', instrumentId: AAPL.id }, { side: 'buy' });
    expect(inner.records).toHaveLength(2);
    expect(failures).toHaveLength(2);
    expect(state.snapshot()).toMatchObject({ records: 2, bars: 1, orders: 1 });
    expect(state.observeFailures).toBe(0);
  });
});

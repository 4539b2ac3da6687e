import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import {
  alpacaAccountSchema,
  alpacaCancelAllResultSchema,
  alpacaClockSchema,
  alpacaErrorBodySchema,
  alpacaOrderSchema,
  alpacaPositionSchema,
  alpacaStreamAuth,
  alpacaStreamListen,
  tradeUpdateToReport
} from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import type { AlpacaLocalVenue } from '../../../src/venue/alpaca-local/alpaca-local.venue.ts';
import { until } from '../../support/until.ts';
import { AAPL, call, connectStream, KEY, MS, orderBody, startVenue, T0 } from './support.ts';

let venues: AlpacaLocalVenue[] = [];
afterEach(async () => {
  for (const v of venues) {
    // no request in any test may have hit an unexpected exception
    expect(v.stats.internalErrors, String(v.lastInternalError)).toBe(0);
    await v.stop();
  }
  venues = [];
});

async function venue(...args: Parameters<typeof startVenue>) {
  const r = await startVenue(...args);
  venues.push(r.v);
  return r;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('AlpacaLocalVenue: REST authentication', () => {
  it('no key → 403 forbidden; a wrong secret → 401 40110000; the right pair → 200', async () => {
    const { v } = await venue();
    const none = await call(v, 'GET', '/v2/account', undefined, {});
    expect(none).toEqual({ status: 403, json: { code: 40310000, message: 'forbidden.' } });
    const wrong = await call(v, 'GET', '/v2/account', undefined, {
      'apca-api-key-id': KEY,
      'apca-api-secret-key': 'nope'
    });
    expect(wrong).toEqual({ status: 401, json: { code: 40110000, message: 'request is not authorized' } });
    alpacaErrorBodySchema.parse(wrong.json);
    // a refused request changes nothing
    const post = await call(v, 'POST', '/v2/orders', orderBody(), { 'apca-api-key-id': KEY });
    expect(post.status).toBe(403);
    const ok = await call(v, 'GET', '/v2/orders?status=all');
    expect(ok).toEqual({ status: 200, json: [] });
  });
});

describe('AlpacaLocalVenue: orders, fills and trade updates', () => {
  it('submit → 200 accepted and a `new` update; a crossing quote → `fill` at the ask; REST shows it filled', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    const post = await call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'mkt-1' }));
    expect(post.status).toBe(200);
    alpacaOrderSchema.parse(post.json);
    expect(post.json).toMatchObject({
      client_order_id: 'mkt-1',
      status: 'accepted',
      symbol: 'AAPL',
      qty: '10',
      filled_qty: '0',
      type: 'market',
      side: 'buy',
      time_in_force: 'day',
      created_at: '2024-03-05T15:00:00.000000000Z'
    });
    expect(post.json.id).toMatch(UUID);
    const [created] = await s.waitUpdates(1);
    expect(created).toMatchObject({ event: 'new', order: { id: post.json.id, status: 'new' } });
    expect(created!.timestamp).toBeUndefined();

    v.quote('AAPL', '100.00', '100.02', '500', '500');
    const [, fill] = await s.waitUpdates(2);
    expect(fill).toMatchObject({
      event: 'fill',
      price: '100.02',
      qty: '10',
      position_qty: '10',
      timestamp: '2024-03-05T15:00:00.000000000Z',
      order: { id: post.json.id, status: 'filled', filled_qty: '10', filled_avg_price: '100.02' }
    });
    expect(fill!.execution_id).toMatch(UUID);
    // the gateway's decoder reads it as the canonical fill
    const r = tradeUpdateToReport(fill!, AAPL, 'ALPACA', T0);
    expect(r).toMatchObject({ execType: 'fill', lastPx: 10002, lastQty: 10, cumQty: 10, leavesQty: 0 });

    const get = await call(v, 'GET', `/v2/orders/${post.json.id}`);
    expect(get.json).toMatchObject({ status: 'filled', filled_qty: '10', filled_avg_price: '100.02' });
    expect(get.json.filled_at).toBe('2024-03-05T15:00:00.000000000Z');
  });

  it('a limit rests until the market reaches it, then fills at its price', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    v.quote('AAPL', '100.00', '100.05', '500', '500');
    const post = await call(
      v,
      'POST',
      '/v2/orders',
      orderBody({ type: 'limit', limit_price: '100.01', time_in_force: 'gtc' })
    );
    await s.waitUpdates(1);
    v.quote('AAPL', '100.00', '100.03', '500', '500');
    expect((await call(v, 'GET', `/v2/orders/${post.json.id}`)).json.status).toBe('new');
    v.quote('AAPL', '99.98', '100.00', '500', '500');
    const u = await s.waitUpdates(2);
    expect(u[1]).toMatchObject({ event: 'fill', price: '100.01', qty: '10' });
    expect(s.updates()).toHaveLength(2);
  });

  it('partial fills: the quote shows less than the order; partially_filled, then filled at the average', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    v.quote('AAPL', '100.00', '100.01', '500', '300');
    const post = await call(v, 'POST', '/v2/orders', orderBody({ qty: '450' }));
    const u = await s.waitUpdates(2);
    expect(u[1]).toMatchObject({
      event: 'partial_fill',
      price: '100.01',
      qty: '300',
      position_qty: '300',
      order: { status: 'partially_filled', filled_qty: '300', filled_avg_price: '100.01' }
    });
    const mid = await call(v, 'GET', `/v2/orders/${post.json.id}`);
    expect(mid.json).toMatchObject({ status: 'partially_filled', filled_qty: '300', filled_at: null });
    v.quote('AAPL', '100.00', '100.02', '500', '150');
    const u2 = await s.waitUpdates(3);
    expect(u2[2]).toMatchObject({
      event: 'fill',
      price: '100.02',
      qty: '150',
      position_qty: '450',
      order: { status: 'filled', filled_qty: '450', filled_avg_price: '100.013333333' }
    });
  });

  it('IOC without liquidity is canceled; a DAY order expires on the next day’s data', async () => {
    const { v, clock } = await venue();
    const s = await connectStream(v);
    await call(v, 'POST', '/v2/orders', orderBody({ time_in_force: 'ioc' }));
    const u = await s.waitUpdates(2);
    expect(u.map((x) => [x.event, x.order.status])).toEqual([
      ['new', 'new'],
      ['canceled', 'canceled']
    ]);
    const day = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '90' }));
    v.quote('AAPL', '100.00', '100.01', '5', '5');
    clock.advanceTo(T0 + 86_400_000n * MS);
    v.quote('AAPL', '100.00', '100.01', '5', '5');
    const u2 = await s.waitUpdates(4);
    expect(u2[3]).toMatchObject({ event: 'expired', order: { id: day.json.id, status: 'expired' } });
    expect(u2[3]!.order.expired_at).not.toBeNull();
  });
});

describe('AlpacaLocalVenue: cancel and replace', () => {
  it('DELETE → 204 and a `canceled` update; again → 422; unknown → 404; not a uuid → 422', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    const post = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '90' }));
    const del = await call(v, 'DELETE', `/v2/orders/${post.json.id}`);
    expect(del).toEqual({ status: 204, json: undefined });
    const u = await s.waitUpdates(2);
    expect(u[1]).toMatchObject({ event: 'canceled', order: { status: 'canceled' } });
    expect(u[1]!.timestamp).toBe('2024-03-05T15:00:00.000000000Z');
    expect(u[1]!.order.canceled_at).toBe('2024-03-05T15:00:00.000000000Z');
    const again = await call(v, 'DELETE', `/v2/orders/${post.json.id}`);
    expect(again).toEqual({
      status: 422,
      json: { code: 42210000, message: 'order is already in "canceled" state' }
    });
    const unknown = await call(v, 'DELETE', '/v2/orders/00000000-0000-4000-8000-000000000000');
    expect(unknown).toEqual({ status: 404, json: { code: 40410000, message: 'order not found' } });
    expect((await call(v, 'DELETE', '/v2/orders/abc')).status).toBe(422);
    expect((await call(v, 'GET', '/v2/orders/%E0%A4%A')).status).toBe(422);
    expect(s.updates()).toHaveLength(2);
  });

  it('PATCH → the NEW order (new id, `replaces`); the old one gets `replaced` with `replaced_by`', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    const old = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '99.00' }));
    await s.waitUpdates(1);
    const patch = await call(v, 'PATCH', `/v2/orders/${old.json.id}`, {
      limit_price: '99.50',
      client_order_id: 'repl-1'
    });
    expect(patch.status).toBe(200);
    alpacaOrderSchema.parse(patch.json);
    expect(patch.json).toMatchObject({
      client_order_id: 'repl-1',
      replaces: old.json.id,
      limit_price: '99.50',
      qty: '10'
    });
    expect(patch.json.id).not.toBe(old.json.id);
    const u = await s.waitUpdates(3);
    expect(u[1]).toMatchObject({
      event: 'replaced',
      order: { id: old.json.id, status: 'replaced', replaced_by: patch.json.id }
    });
    expect(u[2]).toMatchObject({ event: 'new', order: { id: patch.json.id, status: 'new' } });
    expect((await call(v, 'GET', `/v2/orders/${old.json.id}`)).json.status).toBe('replaced');
    // the replacement trades at its new price
    v.quote('AAPL', '99.00', '99.50', '100', '100');
    const u2 = await s.waitUpdates(4);
    expect(u2[3]).toMatchObject({ event: 'fill', price: '99.50', order: { id: patch.json.id } });
    // a filled or replaced order cannot be replaced
    for (const id of [old.json.id, patch.json.id]) {
      const r = await call(v, 'PATCH', `/v2/orders/${id}`, { limit_price: '98' });
      expect([r.status, r.json.code]).toEqual([422, 42210000]);
    }
  });

  it('replacing a partially filled order: the new order trades its own qty, the position adds up', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    v.quote('AAPL', '99.00', '100.00', '500', '4');
    const old = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '100.00' }));
    await s.waitUpdates(2); // new, partial_fill 4
    const patch = await call(v, 'PATCH', `/v2/orders/${old.json.id}`, { qty: '6', limit_price: '100.50' });
    expect(patch.json).toMatchObject({ qty: '6', filled_qty: '0' });
    v.quote('AAPL', '99.00', '100.50', '500', '500');
    const u = await s.waitUpdates(5);
    expect(u.map((x) => x.event)).toEqual(['new', 'partial_fill', 'replaced', 'new', 'fill']);
    expect(u[2]!.order).toMatchObject({ filled_qty: '4', status: 'replaced' });
    expect(u[4]).toMatchObject({
      qty: '6',
      position_qty: '10',
      order: { status: 'filled', filled_qty: '6', filled_avg_price: '100.50' }
    });
  });

  it('a duplicate client_order_id → 422 40010001, even after the first order is done', async () => {
    const { v } = await venue();
    const first = await call(
      v,
      'POST',
      '/v2/orders',
      orderBody({ client_order_id: 'dup', time_in_force: 'ioc' })
    );
    expect(first.status).toBe(200);
    const again = await call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'dup' }));
    expect(again).toEqual({
      status: 422,
      json: { code: 40010001, message: 'client_order_id must be unique' }
    });
    const live = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '1' }));
    const patch = await call(v, 'PATCH', `/v2/orders/${live.json.id}`, {
      limit_price: '2',
      client_order_id: 'dup'
    });
    expect([patch.status, patch.json.code]).toEqual([422, 40010001]);
    expect((await call(v, 'GET', '/v2/orders?status=all')).json).toHaveLength(2);
  });

  it('DELETE /v2/orders → 207 with one {id, status: 200} per open order; they are all canceled', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    const a = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '90' }));
    const b = await call(
      v,
      'POST',
      '/v2/orders',
      orderBody({ type: 'limit', limit_price: '91', side: 'sell' })
    );
    await call(v, 'POST', '/v2/orders', orderBody({ time_in_force: 'ioc' })); // closed at once
    const all = await call(v, 'DELETE', '/v2/orders');
    expect(all.status).toBe(207);
    alpacaCancelAllResultSchema.parse(all.json);
    expect(all.json).toEqual([
      { id: a.json.id, status: 200 },
      { id: b.json.id, status: 200 }
    ]);
    const u = await s.waitUpdates(6);
    expect(u.slice(4).map((x) => [x.event, x.order.id])).toEqual([
      ['canceled', a.json.id],
      ['canceled', b.json.id]
    ]);
    expect((await call(v, 'GET', '/v2/orders')).json).toEqual([]);
    expect(await call(v, 'DELETE', '/v2/orders')).toEqual({ status: 207, json: [] });
  });
});

describe('AlpacaLocalVenue: queries, positions, account, clock', () => {
  it('GET by client_order_id; unknown → 404; missing parameter → 422', async () => {
    const { v } = await venue();
    const post = await call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'mine' }));
    const got = await call(v, 'GET', '/v2/orders:by_client_order_id?client_order_id=mine');
    expect(got.json).toEqual({ ...post.json, status: 'new', updated_at: got.json.updated_at });
    expect((await call(v, 'GET', '/v2/orders:by_client_order_id?client_order_id=nope')).status).toBe(404);
    expect((await call(v, 'GET', '/v2/orders:by_client_order_id')).status).toBe(422);
  });

  it('GET /v2/orders: status, limit, direction, symbols, side, after/until; bad parameters → 422', async () => {
    const { v, clock } = await venue();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      clock.advanceTo(T0 + BigInt(i) * 1000n * MS);
      const sym = i === 3 ? { symbol: 'BTC/USD', qty: '0.5', time_in_force: 'gtc' } : {};
      const tif = i === 0 ? { time_in_force: 'ioc' } : {};
      ids.push(
        (await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '1', ...sym, ...tif })))
          .json.id
      );
    }
    const list = async (q: string) =>
      ((await call(v, 'GET', `/v2/orders${q}`)).json as { id: string }[]).map((o) => ids.indexOf(o.id));
    expect(await list('')).toEqual([3, 2, 1]);
    expect(await list('?status=closed')).toEqual([0]);
    expect(await list('?status=all&direction=asc')).toEqual([0, 1, 2, 3]);
    expect(await list('?status=all&limit=2')).toEqual([3, 2]);
    expect(await list('?status=all&symbols=AAPL')).toEqual([2, 1, 0]);
    expect(await list('?status=all&symbols=BTC/USD,MSFT')).toEqual([3]);
    expect(await list('?status=all&side=sell')).toEqual([]);
    expect(await list('?status=all&after=2024-03-05T15:00:00Z&until=2024-03-05T15:00:03Z')).toEqual([2, 1]);
    for (const q of ['status=gone', 'limit=0', 'limit=501', 'direction=up', 'after=yesterday', 'side=both']) {
      const r = await call(v, 'GET', `/v2/orders?${q}`);
      expect([q, r.status, r.json.code]).toEqual([q, 422, 40010001]);
    }
  });

  it('positions and account from fills, marked at the last print; a buy beyond buying power → 403', async () => {
    const { v } = await venue({ initialCash: '2000' });
    v.quote('AAPL', '100.00', '100.01', '500', '500');
    await call(v, 'POST', '/v2/orders', orderBody({ qty: '10' }));
    v.quote('AAPL', '100.50', '100.60', '500', '500');
    await call(v, 'POST', '/v2/orders', orderBody({ qty: '4', side: 'sell' }));
    v.trade('AAPL', '101.00', '100');
    const pos = await call(v, 'GET', '/v2/positions');
    expect(pos.status).toBe(200);
    expect(pos.json).toHaveLength(1);
    alpacaPositionSchema.parse(pos.json[0]);
    expect(pos.json[0]).toMatchObject({
      symbol: 'AAPL',
      qty: '6',
      side: 'long',
      avg_entry_price: '100.01',
      cost_basis: '600.06',
      market_value: '606',
      unrealized_pl: '5.94',
      current_price: '101.00'
    });
    expect((await call(v, 'GET', '/v2/positions/AAPL')).json).toEqual(pos.json[0]);
    expect(await call(v, 'GET', '/v2/positions/BTCUSD')).toEqual({
      status: 404,
      json: { code: 40410000, message: 'position does not exist' }
    });
    const acct = await call(v, 'GET', '/v2/account');
    alpacaAccountSchema.parse(acct.json);
    // 2000 − 10 × 100.01 + 4 × 100.50 = 1401.90; equity = 1401.90 + 6 × 101
    expect(acct.json).toMatchObject({
      cash: '1401.9',
      long_market_value: '606',
      equity: '2007.9',
      last_equity: '2000',
      buying_power: '1401.9',
      status: 'ACTIVE',
      currency: 'USD'
    });
    // a resting buy reserves buying power; one beyond what is left is refused
    await call(v, 'POST', '/v2/orders', orderBody({ qty: '10', type: 'limit', limit_price: '100' }));
    expect((await call(v, 'GET', '/v2/account')).json.buying_power).toBe('401.9');
    const big = await call(v, 'POST', '/v2/orders', orderBody({ qty: '5' }));
    expect(big).toEqual({ status: 403, json: { code: 40310000, message: 'insufficient buying power' } });
    // qty_available: the long position less open sells
    await call(
      v,
      'POST',
      '/v2/orders',
      orderBody({ qty: '2', side: 'sell', type: 'limit', limit_price: '200' })
    );
    expect((await call(v, 'GET', '/v2/positions/AAPL')).json.qty_available).toBe('4');
  });

  it('GET /v2/clock follows the injected clock', async () => {
    const { v, clock } = await venue();
    const c = await call(v, 'GET', '/v2/clock');
    alpacaClockSchema.parse(c.json);
    expect(c.json).toMatchObject({ timestamp: '2024-03-05T10:00:00.000000000-05:00', is_open: true });
    clock.advanceTo(T0 + 7n * 3_600_000n * MS); // 17:00 New York
    expect((await call(v, 'GET', '/v2/clock')).json).toMatchObject({
      is_open: false,
      next_open: '2024-03-06T09:30:00.000000000-05:00'
    });
  });

  it('malformed requests get Alpaca error bodies, never a crash', async () => {
    const { v } = await venue();
    expect(await call(v, 'POST', '/v2/orders', '{"symbol":')).toEqual({
      status: 400,
      json: { code: 40010000, message: 'request body format is invalid' }
    });
    expect((await call(v, 'POST', '/v2/orders')).status).toBe(400);
    expect((await call(v, 'POST', '/v2/orders', '[1,2]')).json.code).toBe(40010001);
    expect(
      (await call(v, 'POST', '/v2/orders', orderBody({ notional: '5', qty: undefined }))).json.code
    ).toBe(42210000);
    expect((await call(v, 'PATCH', '/v2/orders', {})).status).toBe(405);
    expect((await call(v, 'GET', '/v2/nothing')).status).toBe(404);
    expect((await call(v, 'POST', '/v2/orders', 'x'.repeat(2 << 20))).status).toBe(413);
    const ok = await call(v, 'GET', '/v2/account');
    expect(ok.status).toBe(200);
  });
});

describe('AlpacaLocalVenue: the trade_updates stream', () => {
  it('authenticate → authorization, listen → listening; every server frame is binary', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    expect(s.frames.map((f) => [f.binary, JSON.parse(f.text)])).toEqual([
      [true, { stream: 'authorization', data: { status: 'authorized', action: 'authenticate' } }],
      [true, { stream: 'listening', data: { streams: ['trade_updates'] } }]
    ]);
    await call(v, 'POST', '/v2/orders', orderBody());
    await s.waitUpdates(1);
    expect(s.frames.every((f) => f.binary)).toBe(true);
  });

  it('listen before auth and auth with a wrong secret → unauthorized, and no updates', async () => {
    const { v } = await venue();
    const s = await connectStream(v, { auth: false, listen: false });
    s.ws.send(alpacaStreamListen(['trade_updates']));
    s.ws.send(alpacaStreamAuth(KEY, 'wrong'));
    s.ws.send(alpacaStreamListen(['trade_updates']));
    s.ws.send('not json');
    await s.waitFrames(3);
    expect(s.messages()).toEqual([
      { stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } },
      { stream: 'authorization', data: { status: 'unauthorized', action: 'authenticate' } },
      { stream: 'authorization', data: { status: 'unauthorized', action: 'listen' } }
    ]);
    await until(() => v.stats.badStreamFrames === 1);
    const watcher = await connectStream(v);
    await call(v, 'POST', '/v2/orders', orderBody());
    await watcher.waitUpdates(1);
    expect(s.frames).toHaveLength(3);
  });

  it('listen replaces the set: unknown streams are left out, an empty list stops the updates', async () => {
    const { v } = await venue();
    const s = await connectStream(v, { listen: false });
    const other = await connectStream(v);
    s.ws.send(alpacaStreamListen(['trade_updates', 'account_updates', 'trade_updates']));
    await s.waitFrames(2);
    expect(s.messages()[1]).toEqual({ stream: 'listening', data: { streams: ['trade_updates'] } });
    await call(v, 'POST', '/v2/orders', orderBody({ time_in_force: 'ioc' }));
    await s.waitUpdates(2);
    s.ws.send(alpacaStreamListen([]));
    await s.waitFrames(5);
    expect(s.messages()[4]).toEqual({ stream: 'listening', data: { streams: [] } });
    await call(v, 'POST', '/v2/orders', orderBody({ time_in_force: 'ioc' }));
    await other.waitUpdates(4); // several clients: the other one still gets everything
    expect(s.updates()).toHaveLength(2);
  });

  it('pauseStream: updates are held, REST shows the fill; resume delivers them (or drops them)', async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    v.pauseStream();
    v.quote('AAPL', '100.00', '100.02', '500', '500');
    const post = await call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'while-down' }));
    const rest = await call(v, 'GET', '/v2/orders:by_client_order_id?client_order_id=while-down');
    expect(rest.json).toMatchObject({ id: post.json.id, status: 'filled', filled_avg_price: '100.02' });
    expect(s.updates()).toHaveLength(0);
    v.resumeStream();
    const u = await s.waitUpdates(2);
    expect(u.map((x) => x.event)).toEqual(['new', 'fill']);
    v.pauseStream();
    await call(v, 'POST', '/v2/orders', orderBody());
    v.resumeStream({ drop: true });
    await call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'after' }));
    const u2 = await s.waitUpdates(4);
    expect(u2.slice(2).map((x) => [x.event, x.order.client_order_id])).toEqual([
      ['new', 'after'],
      ['fill', 'after']
    ]);
  });

  it('dropStreamClients: the server closes every stream socket (1006 at the client)', async () => {
    const { v } = await venue();
    const a = await connectStream(v);
    const b = await connectStream(v);
    const codes: number[] = [];
    for (const c of [a, b]) c.ws.on('close', (code) => codes.push(code));
    v.dropStreamClients();
    await until(() => codes.length === 2 && v.streamClientCount === 0);
    expect(codes).toEqual([1006, 1006]);
    expect([a.ws.readyState, b.ws.readyState]).toEqual([WebSocket.CLOSED, WebSocket.CLOSED]);
  });
});

describe('AlpacaLocalVenue: failure drills and determinism', () => {
  it('failNext: the next matching request gets the error and is not acted on', async () => {
    const { v } = await venue();
    v.failNext('POST', '/v2/orders', 500);
    const r = await call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'f1' }));
    expect(r).toEqual({ status: 500, json: { code: 50010000, message: 'internal server error' } });
    expect((await call(v, 'GET', '/v2/orders?status=all')).json).toEqual([]);
    // one shot: the retry would go through (a client must not retry blindly; it reconciles instead)
    expect((await call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'f1' }))).status).toBe(200);
    v.failNext('GET', '/v2/orders/*', 503, { message: 'maintenance' });
    const g = await call(v, 'GET', '/v2/orders/00000000-0000-4000-8000-000000000000');
    expect(g).toEqual({ status: 503, json: { code: 50310000, message: 'maintenance' } });
    // process: the venue acts, then the answer is an error (the outcome is unknown to the client)
    await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '1' }));
    v.failNext('DELETE', '/v2/orders', 500, { process: true });
    expect((await call(v, 'DELETE', '/v2/orders')).status).toBe(500);
    expect((await call(v, 'GET', '/v2/orders')).json).toEqual([]);
  });

  it('hangNext: the order goes in but no answer ever comes; it is found by client_order_id', async () => {
    const { v } = await venue();
    v.hangNext('POST', '/v2/orders');
    await expect(
      call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'lost' }), undefined, {
        signal: AbortSignal.timeout(150)
      })
    ).rejects.toThrow(/abort|timeout/i);
    const found = await call(v, 'GET', '/v2/orders:by_client_order_id?client_order_id=lost');
    expect(found.json).toMatchObject({ client_order_id: 'lost', status: 'new' });
    v.hangNext('GET', '/v2/account', { process: false });
    await expect(
      call(v, 'GET', '/v2/account', undefined, undefined, { signal: AbortSignal.timeout(100) })
    ).rejects.toThrow(/abort|timeout/i);
    expect((await call(v, 'GET', '/v2/account')).status).toBe(200);
  });

  it("process 'later': the fault answers now, the venue acts on the request only at releaseHeld (once)", async () => {
    const { v } = await venue();
    const s = await connectStream(v);
    const byCid = (cid: string) => call(v, 'GET', `/v2/orders:by_client_order_id?client_order_id=${cid}`);
    v.hangNext('POST', '/v2/orders', { process: 'later' });
    await expect(
      call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'late-1' }), undefined, {
        signal: AbortSignal.timeout(100)
      })
    ).rejects.toThrow(/abort|timeout/i);
    // not applied yet: unknown to REST, nothing on the stream
    expect((await byCid('late-1')).status).toBe(404);
    expect(v.stats.events).toBe(0);
    expect(v.releaseHeld()).toBe(1);
    expect((await byCid('late-1')).json).toMatchObject({ client_order_id: 'late-1', status: 'new' });
    expect((await s.waitUpdates(1)).map((u) => [u.event, u.order.client_order_id])).toEqual([
      ['new', 'late-1']
    ]);
    expect(v.releaseHeld()).toBe(0); // released once
    // failNext: the error now, the effect at the release
    v.failNext('POST', '/v2/orders', 500, { process: 'later' });
    expect((await call(v, 'POST', '/v2/orders', orderBody({ client_order_id: 'late-2' }))).status).toBe(500);
    expect((await byCid('late-2')).status).toBe(404);
    expect(v.releaseHeld()).toBe(1);
    expect((await byCid('late-2')).json).toMatchObject({ client_order_id: 'late-2', status: 'new' });
    expect((await call(v, 'GET', '/v2/orders?status=all')).json).toHaveLength(2);
  });

  it('reports due later (emulator latency) arrive on the injected clock; a cancel that comes too late', async () => {
    const { v, clock } = await venue({ emulator: { latency: { networkMs: 10 } } });
    const s = await connectStream(v);
    const post = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '100' }));
    expect((await call(v, 'GET', `/v2/orders/${post.json.id}`)).json.status).toBe('accepted');
    clock.advanceTo(T0 + 10n * MS);
    await s.waitUpdates(1);
    // cancel at +10 ms reaches the venue at +20 ms; the market fills the order at +15 ms
    expect((await call(v, 'DELETE', `/v2/orders/${post.json.id}`)).status).toBe(204);
    expect((await call(v, 'GET', `/v2/orders/${post.json.id}`)).json.status).toBe('pending_cancel');
    v.quote('AAPL', '99.00', '99.99', '100', '100', T0 + 15n * MS);
    clock.advanceTo(T0 + 20n * MS);
    const u = await s.waitUpdates(3);
    expect(u.map((x) => [x.event, x.order.status])).toEqual([
      ['new', 'new'],
      ['fill', 'filled'],
      ['order_cancel_rejected', 'filled']
    ]);
    // a replace that arrives after the order filled: the old order's replace is refused, the new order rejected
    const old = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '99.00' }));
    clock.advanceTo(T0 + 30n * MS);
    const patch = await call(v, 'PATCH', `/v2/orders/${old.json.id}`, { limit_price: '98.00' });
    expect(patch.json).toMatchObject({ status: 'accepted', replaces: old.json.id });
    v.quote('AAPL', '98.00', '98.99', '100', '100', T0 + 35n * MS);
    clock.advanceTo(T0 + 40n * MS);
    const u2 = await s.waitUpdates(7);
    expect(u2.slice(3).map((x) => [x.event, x.order.id, x.order.status])).toEqual([
      ['new', old.json.id, 'new'],
      ['fill', old.json.id, 'filled'],
      ['order_replace_rejected', old.json.id, 'filled'],
      ['rejected', patch.json.id, 'rejected']
    ]);
    expect(u2[6]!.order.failed_at).toBe('2024-03-05T15:00:00.040000000Z');
  });

  it('determinism: the same seed and script give the same ids and the same update bytes', async () => {
    const run = async (seed: number) => {
      const { v } = await venue({ seed });
      const s = await connectStream(v);
      v.quote('AAPL', '100.00', '100.02', '5', '5');
      const a = await call(v, 'POST', '/v2/orders', orderBody({ qty: '8' }));
      const b = await call(
        v,
        'POST',
        '/v2/orders',
        orderBody({ type: 'limit', limit_price: '101', side: 'sell' })
      );
      await call(v, 'PATCH', `/v2/orders/${b.json.id}`, { limit_price: '100.50' });
      v.quote('AAPL', '100.00', '100.02', '5', '5');
      await s.waitUpdates(6);
      return { ids: [a.json.id, b.json.id], bytes: s.frames.map((f) => f.text) };
    };
    const one = await run(11);
    const two = await run(11);
    const other = await run(12);
    expect(two).toEqual(one);
    expect(other.ids).not.toEqual(one.ids);
    expect(one.bytes.slice(2).map((t) => JSON.parse(t).data.event)).toEqual([
      'new',
      'partial_fill',
      'new',
      'replaced',
      'new',
      'fill'
    ]);
  });
});

describe('AlpacaLocalVenue: buying power of replaces and short sales, crypto rules, pending_replace', () => {
  const acct = async (v: AlpacaLocalVenue) => (await call(v, 'GET', '/v2/account')).json;
  const at = (ms: number) => T0 + BigInt(ms) * MS;

  it('a PATCH is checked against buying power; while it is pending the larger of the two orders counts', async () => {
    // regression: a PATCH skipped the check (a 900 buy became 900 000 on a 10 000 account), and a pending
    // replace reserved both orders
    const { v, clock } = await venue({ initialCash: '10000', emulator: { latency: { networkMs: 50 } } });
    v.quote('AAPL', '99.99', '100.01', '100', '100');
    const o = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '90' }));
    clock.advanceTo(at(50));
    v.flush(); // new: 10 × 90 reserved
    expect((await acct(v)).buying_power).toBe('9100');
    const big = await call(v, 'PATCH', `/v2/orders/${o.json.id}`, {
      qty: '10000',
      client_order_id: 'too-big'
    });
    expect(big).toEqual({ status: 403, json: { code: 40310000, message: 'insufficient buying power' } });
    expect((await call(v, 'GET', `/v2/orders/${o.json.id}`)).json.status).toBe('new'); // untouched
    expect((await call(v, 'GET', '/v2/orders:by_client_order_id?client_order_id=too-big')).status).toBe(404);
    // a cheaper replacement: pending, only the larger reservation (900, not 900 + 800) counts
    const lower = await call(v, 'PATCH', `/v2/orders/${o.json.id}`, { limit_price: '80' });
    expect(lower.status).toBe(200);
    expect((await call(v, 'GET', `/v2/orders/${o.json.id}`)).json.status).toBe('pending_replace');
    expect((await acct(v)).buying_power).toBe('9100');
    clock.advanceTo(at(100));
    v.flush(); // replaced: 10 × 80
    expect((await acct(v)).buying_power).toBe('9200');
    // the replacement may use what it reserves plus what is left: 125 × 80 = 10 000, not 126
    const over = await call(v, 'PATCH', `/v2/orders/${lower.json.id}`, { qty: '126' });
    expect(over.status).toBe(403);
    expect((await call(v, 'PATCH', `/v2/orders/${lower.json.id}`, { qty: '125' })).status).toBe(200);
  });

  it('short sales: checked at max(limit, 1.03 × ask) × qty, proceeds add no buying power, covering is not checked', async () => {
    // regression: a 10 000 account sold 10 000 AAPL it did not hold, and then had 1 009 900 of buying power
    const { v } = await venue({ initialCash: '10000' });
    v.quote('AAPL', '99.99', '100.01', '100000', '100000');
    const huge = await call(v, 'POST', '/v2/orders', orderBody({ side: 'sell', qty: '10000' }));
    expect(huge).toEqual({ status: 403, json: { code: 40310000, message: 'insufficient buying power' } });
    // 97 × 100.01 × 1.03 = 9 991.99 fits, 98 does not
    expect((await call(v, 'POST', '/v2/orders', orderBody({ side: 'sell', qty: '98' }))).status).toBe(403);
    const short = await call(v, 'POST', '/v2/orders', orderBody({ side: 'sell', qty: '97' }));
    expect(short.status).toBe(200);
    // filled at the bid: cash 10 000 + 97 × 99.99; equity 10 000; buying power = equity − |short|
    expect(await acct(v)).toMatchObject({
      cash: '19699.03',
      short_market_value: '-9699.03',
      equity: '10000',
      buying_power: '300.97'
    });
    // a resting short reserves max(limit, 1.03 × ask) × qty: 2 × 200 = 400 > 300.97
    const rest = orderBody({ side: 'sell', qty: '2', type: 'limit', limit_price: '200' });
    expect((await call(v, 'POST', '/v2/orders', rest)).status).toBe(403);
    // buying to cover is not an opening order: not checked although it costs more than the buying power
    expect((await call(v, 'POST', '/v2/orders', orderBody({ side: 'buy', qty: '97' }))).status).toBe(200);
    expect(await acct(v)).toMatchObject({ short_market_value: '0', buying_power: '9998.06' });
  });

  it('no short sale below $2 000 of equity, and none of crypto (Alpaca has no crypto margin)', async () => {
    const { v } = await venue({ initialCash: '1500' });
    v.quote('AAPL', '99.99', '100.01', '100', '100');
    v.quote('BTC/USD', '60000.00', '60000.01', '1', '1');
    expect((await acct(v)).shorting_enabled).toBe(false);
    const s = await call(v, 'POST', '/v2/orders', orderBody({ side: 'sell', qty: '1' }));
    expect(s).toEqual({ status: 403, json: { code: 40310000, message: 'account is not allowed to short' } });
    const btc = { symbol: 'BTC/USD', time_in_force: 'gtc' };
    expect((await call(v, 'POST', '/v2/orders', orderBody({ ...btc, qty: '0.02' }))).status).toBe(200);
    const over = await call(v, 'POST', '/v2/orders', orderBody({ ...btc, side: 'sell', qty: '0.03' }));
    expect(over).toEqual({
      status: 403,
      json: { code: 40310000, message: 'insufficient balance for BTC (requested: 0.03, available: 0.02)' }
    });
    expect(
      (await call(v, 'POST', '/v2/orders', orderBody({ ...btc, side: 'sell', qty: '0.02' }))).status
    ).toBe(200);
    const big = await venue({ initialCash: '100000' });
    expect((await acct(big.v)).shorting_enabled).toBe(true);
  });

  it('while a replace of a closing order is pending, its close is committed once: another closing sell is no short sale, qty_available counts it once', async () => {
    // regression: the old order (pending_replace) and its replacing order were both counted as closing the
    // position, so a valid closing sell was refused 403 as a (crypto) short sale and qty_available was 0
    const { v, clock } = await venue({ emulator: { latency: { networkMs: 50 } } });
    v.quote('BTC/USD', '60000.00', '60000.01', '1', '1');
    const btc = { symbol: 'BTC/USD', time_in_force: 'gtc' };
    await call(v, 'POST', '/v2/orders', orderBody({ ...btc, qty: '0.02' }));
    clock.advanceTo(at(50));
    v.flush(); // bought 0.02
    const sell = (qty: string) =>
      call(
        v,
        'POST',
        '/v2/orders',
        orderBody({ ...btc, side: 'sell', qty, type: 'limit', limit_price: '70000' })
      );
    const o = await sell('0.01');
    clock.advanceTo(at(100));
    v.flush(); // resting: 0.01 of the 0.02 committed
    const available = async () => (await call(v, 'GET', '/v2/positions/BTCUSD')).json.qty_available;
    expect(await available()).toBe('0.0100');
    expect((await call(v, 'PATCH', `/v2/orders/${o.json.id}`, { limit_price: '71000' })).status).toBe(200);
    expect((await call(v, 'GET', `/v2/orders/${o.json.id}`)).json.status).toBe('pending_replace');
    expect(await available()).toBe('0.0100');
    expect((await sell('0.01')).status).toBe(200); // closes the other 0.01
    expect(await available()).toBe('0.0000');
    // beyond the position it is a short sale again
    expect((await sell('0.0001')).json.message).toBe(
      'insufficient balance for BTC (requested: 0.0001, available: 0)'
    );
    clock.advanceTo(at(200));
    v.flush();
    expect((await call(v, 'GET', `/v2/orders/${o.json.id}`)).json.status).toBe('replaced');
    expect(await available()).toBe('0.0000');
  });

  it('crypto takes only gtc/ioc and market, limit, stop_limit: 422 otherwise', async () => {
    // regression: day, fok and stop crypto orders were accepted
    const { v } = await venue();
    v.quote('BTC/USD', '60000.00', '60000.01', '1', '1');
    const btc = (o: Record<string, unknown>) =>
      call(v, 'POST', '/v2/orders', orderBody({ symbol: 'BTC/USD', qty: '0.01', ...o }));
    for (const o of [
      { type: 'limit', limit_price: '50000', time_in_force: 'day' },
      { type: 'limit', limit_price: '50000', time_in_force: 'fok' },
      { type: 'stop', stop_price: '70000', time_in_force: 'gtc' }
    ]) {
      const r = await btc(o);
      expect([r.status, r.json.code]).toEqual([422, 40010001]);
    }
    expect((await btc({ type: 'limit', limit_price: '50000', time_in_force: 'gtc' })).status).toBe(200);
    expect(
      (await btc({ type: 'stop_limit', stop_price: '70000', limit_price: '70001', time_in_force: 'ioc' }))
        .status
    ).toBe(200);
  });

  it('a DELETE of an order in pending_replace is refused (422), one by one and in a cancel-all', async () => {
    // regression: it was accepted (204) where Alpaca "will reject cancel request while in this state"
    const { v, clock } = await venue({ emulator: { latency: { networkMs: 50 } } });
    v.quote('AAPL', '99.99', '100.01', '100', '100');
    const o = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '90' }));
    clock.advanceTo(at(50));
    v.flush();
    const p = await call(v, 'PATCH', `/v2/orders/${o.json.id}`, { limit_price: '91' });
    expect((await call(v, 'GET', `/v2/orders/${o.json.id}`)).json.status).toBe('pending_replace');
    const del = await call(v, 'DELETE', `/v2/orders/${o.json.id}`);
    expect([del.status, del.json.code]).toEqual([422, 42210000]);
    expect(del.json.message).toContain('pending_replace');
    const all = await call(v, 'DELETE', '/v2/orders');
    expect(all.status).toBe(207);
    expect(all.json.find((x: { id: string }) => x.id === o.json.id)).toMatchObject({
      status: 422,
      body: { code: 42210000 }
    });
    expect(all.json.find((x: { id: string }) => x.id === p.json.id)).toEqual({ id: p.json.id, status: 200 });
    clock.advanceTo(at(150));
    v.flush();
    expect((await call(v, 'GET', `/v2/orders/${o.json.id}`)).json.status).toBe('replaced');
  });

  it('fills of the old order after the PATCH, before the replace takes effect, come off the replacing order', async () => {
    const { v, clock } = await venue({ emulator: { latency: { networkMs: 50 } } });
    const s = await connectStream(v);
    const o = await call(v, 'POST', '/v2/orders', orderBody({ type: 'limit', limit_price: '100.00' }));
    clock.advanceTo(at(50));
    v.flush();
    const p = await call(v, 'PATCH', `/v2/orders/${o.json.id}`, { limit_price: '100.50' });
    expect(p.json).toMatchObject({ qty: '10', filled_qty: '0' });
    v.quote('AAPL', '99.00', '99.99', '500', '4', at(60)); // 4 of the old order fill meanwhile
    clock.advanceTo(at(100));
    v.flush();
    v.quote('AAPL', '99.00', '100.40', '500', '500', at(100));
    const u = await s.waitUpdates(5);
    expect(u.map((x) => [x.event, x.order.id, x.order.qty, x.order.filled_qty, x.order.status])).toEqual([
      ['new', o.json.id, '10', '0', 'new'],
      ['partial_fill', o.json.id, '10', '4', 'pending_replace'],
      ['replaced', o.json.id, '10', '4', 'replaced'],
      ['new', p.json.id, '6', '0', 'new'],
      ['fill', p.json.id, '6', '6', 'filled']
    ]);
    expect((await call(v, 'GET', '/v2/positions/AAPL')).json.qty).toBe('10');
  });
});

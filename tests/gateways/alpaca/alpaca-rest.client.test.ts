import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, isTradestateError, type TradestateError } from '../../../src/core/errors.ts';
import {
  AlpacaRestClient,
  type AlpacaRestClientOptions
} from '../../../src/gateways/alpaca/alpaca-rest.client.ts';
import type { AlpacaOrderRequest } from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import { entityExample, responseExamples } from './support/alpaca-docs.ts';
import { AlpacaTestServer, KEY, SECRET } from './support/alpaca-test-server.ts';

let server: AlpacaTestServer;
let client: AlpacaRestClient;
let delays: number[];

function newClient(o: Partial<AlpacaRestClientOptions> = {}): AlpacaRestClient {
  return new AlpacaRestClient({
    baseUrl: server.httpUrl,
    keyId: KEY,
    secretKey: SECRET,
    timeoutMs: 150,
    getRetries: 2,
    delay: async (ms) => void delays.push(ms),
    ...o
  });
}

beforeEach(async () => {
  server = await AlpacaTestServer.start({ keyId: KEY, secretKey: SECRET });
  delays = [];
  client = newClient();
});
afterEach(async () => {
  await client.close();
  await server.close();
});

const limitBuy = (cid: string): AlpacaOrderRequest => ({
  symbol: 'AAPL',
  qty: '2',
  side: 'buy',
  type: 'limit',
  time_in_force: 'day',
  limit_price: '150.00',
  client_order_id: cid
});

async function failure(p: Promise<unknown>): Promise<TradestateError> {
  try {
    await p;
  } catch (e) {
    if (isTradestateError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

const posts = (): number => server.requests.filter((r) => r.method !== 'GET').length;

describe('AlpacaRestClient against a loopback Alpaca', () => {
  it('submits with the key headers and a JSON body, and validates the answer', async () => {
    const o = await client.submitOrder(limitBuy('c-1'));
    expect(o).toMatchObject({
      client_order_id: 'c-1',
      qty: '2',
      limit_price: '150.00',
      status: 'new',
      symbol: 'AAPL'
    });
    const seen = server.requests[0]!;
    expect(seen).toMatchObject({ method: 'POST', path: '/v2/orders', body: limitBuy('c-1') });
    expect(seen.headers['apca-api-key-id']).toBe(KEY);
    expect(seen.headers['apca-api-secret-key']).toBe(SECRET);
    expect(seen.headers['content-type']).toBe('application/json');
  });

  it('gets orders by id, by client order id (null when unknown) and lists them with filters', async () => {
    const o = await client.submitOrder(limitBuy('c-2'));
    expect((await client.getOrder(o.id)).id).toBe(o.id);
    expect((await client.getOrderByClientOrderId('c-2'))?.id).toBe(o.id);
    expect(await client.getOrderByClientOrderId('nope')).toBeNull();
    const list = await client.listOrders({
      status: 'all',
      limit: 10,
      symbols: ['AAPL', 'MSFT'],
      direction: 'asc'
    });
    expect(list.map((x) => x.id)).toEqual([o.id]);
    const q = server.requests.at(-1)!.query;
    expect(Object.fromEntries(q)).toEqual({
      status: 'all',
      limit: '10',
      direction: 'asc',
      symbols: 'AAPL,MSFT'
    });
    const byCid = server.requests.find((r) => r.path === '/v2/orders:by_client_order_id')!;
    expect(byCid.query.get('client_order_id')).toBe('c-2');
  });

  it('replaces (the answer is the new order) and cancels (204, then 422 not cancelable)', async () => {
    const o = await client.submitOrder(limitBuy('c-3'));
    const n = await client.replaceOrder(o.id, { limit_price: '149.50', client_order_id: 'c-3b' });
    expect(n).toMatchObject({ client_order_id: 'c-3b', replaces: o.id, limit_price: '149.50' });
    await expect(client.cancelOrder(n.id)).resolves.toBeUndefined();
    const e = await failure(client.cancelOrder(n.id));
    expect(e.code).toBe(ErrorCode.VENUE_REJECTED);
    expect(e.context).toMatchObject({
      method: 'DELETE',
      path: `/v2/orders/${n.id}`,
      status: 422,
      alpacaCode: 42210000,
      alpacaMessage: 'order is not cancelable',
      outcome: 'rejected'
    });
  });

  it('reads the 207 multi-status of cancel-all, including per-order error bodies', async () => {
    const body = [
      { id: '00000000-0000-4000-8000-000000000001', status: 200 },
      {
        id: '00000000-0000-4000-8000-000000000002',
        status: 404,
        body: { code: 40410000, message: 'order not found' }
      }
    ];
    server.intercept = (r) => (r.method === 'DELETE' ? { status: 207, body } : undefined);
    expect(await client.cancelAll()).toEqual(body);
  });

  it('turns a 403 on submit into VENUE_REJECTED with Alpaca code and message', async () => {
    server.intercept = () => ({
      status: 403,
      body: { code: 40310000, message: 'insufficient buying power' }
    });
    const e = await failure(client.submitOrder(limitBuy('c-4')));
    expect(e.code).toBe(ErrorCode.VENUE_REJECTED);
    expect(e.context).toMatchObject({
      status: 403,
      alpacaCode: 40310000,
      method: 'POST',
      clientOrderId: 'c-4'
    });
  });

  it("keeps the message of Alpaca's gateway-level 403, whose body has no code", async () => {
    server.intercept = () => ({ status: 403, body: { message: 'forbidden.' } });
    const e = await failure(client.submitOrder(limitBuy('c-4b')));
    expect(e.code).toBe(ErrorCode.VENUE_REJECTED);
    expect(e.context).toMatchObject({ status: 403, alpacaMessage: 'forbidden.' });
    expect(e.context['alpacaCode']).toBeUndefined();
  });

  it.each([
    ['a timeout', 'hang' as const, 'timeout'],
    ['a dropped connection', 'destroy' as const, 'connection'],
    ['a 500', { status: 500, body: { code: 50000000, message: 'internal' } }, 'http']
  ])('never retries a POST after %s: the outcome is unknown', async (_what, reply, reason) => {
    server.intercept = () => reply;
    const e = await failure(client.submitOrder(limitBuy('c-5')));
    expect(e.code).toBe(ErrorCode.VENUE_OUTCOME_UNKNOWN);
    expect(e.message).toContain('outcome is unknown');
    expect(e.context).toMatchObject({ outcome: 'unknown', reason, method: 'POST', attempts: 1 });
    expect(posts()).toBe(1);
    expect(delays).toEqual([]);
  });

  it('never retries PATCH or DELETE either', async () => {
    server.intercept = () => 'hang';
    const fast = newClient({ timeoutMs: 40 }); // every request hangs: only the deadline answers
    try {
      expect((await failure(fast.replaceOrder('x', { qty: '1' }))).code).toBe(
        ErrorCode.VENUE_OUTCOME_UNKNOWN
      );
      expect((await failure(fast.cancelOrder('x'))).code).toBe(ErrorCode.VENUE_OUTCOME_UNKNOWN);
      expect((await failure(fast.cancelAll())).code).toBe(ErrorCode.VENUE_OUTCOME_UNKNOWN);
    } finally {
      await fast.close();
    }
    expect(server.requests.map((r) => r.method)).toEqual(['PATCH', 'DELETE', 'DELETE']);
  });

  it('retries a GET after a timeout and a 503, with backoff, then succeeds', async () => {
    const o = await client.submitOrder(limitBuy('c-6'));
    let n = 0;
    server.intercept = (r) =>
      r.method === 'GET' && ++n <= 2 ? (n === 1 ? 'hang' : { status: 503 }) : undefined;
    expect((await client.getOrder(o.id)).id).toBe(o.id);
    expect(server.requests.filter((r) => r.method === 'GET')).toHaveLength(3);
    expect(delays).toEqual([100, 200]);
  });

  it('gives up on a GET after its bounded retries: VENUE_UNAVAILABLE', async () => {
    server.intercept = () => ({ status: 502 });
    const e = await failure(client.getClock());
    expect(e.code).toBe(ErrorCode.VENUE_UNAVAILABLE);
    expect(e.context).toMatchObject({ status: 502, attempts: 3, outcome: 'failed' });
    expect(server.requests).toHaveLength(3);
  });

  it('a GET still rate limited (429) after its retries is VENUE_UNAVAILABLE, as documented; a read can be given tighter limits', async () => {
    server.intercept = () => ({ status: 429, body: { message: 'too many requests' } });
    const e = await failure(client.getClock());
    expect(e.code).toBe(ErrorCode.VENUE_UNAVAILABLE);
    expect(e.context).toMatchObject({ status: 429, attempts: 3, outcome: 'failed' });
    // one attempt, no backoff
    const asked = server.requests.length;
    const one = await failure(client.getOrderByClientOrderId('c-x', { retries: 0 }));
    expect(one.context).toMatchObject({ status: 429, attempts: 1 });
    expect(server.requests.length - asked).toBe(1);
    expect(delays).toEqual([100, 200]); // the getClock retries only
    // a shorter deadline: a read nobody answers fails after it, not after the client's 5 s
    server.intercept = () => 'hang';
    const patient = newClient({ timeoutMs: 5_000 });
    try {
      const t0 = performance.now();
      const slow = await failure(patient.getOrderByClientOrderId('c-x', { retries: 0, timeoutMs: 20 }));
      expect(slow.context).toMatchObject({ reason: 'timeout', attempts: 1 });
      expect(performance.now() - t0).toBeLessThan(2_000);
    } finally {
      await patient.close();
    }
  });

  it('does not retry a GET refused with a 4xx', async () => {
    const e = await failure(client.getOrder('00000000-0000-4000-8000-00000000dead'));
    expect(e.code).toBe(ErrorCode.VENUE_REJECTED);
    expect(e.context['status']).toBe(404);
    expect(server.requests).toHaveLength(1);
  });

  it('types an answer that is not what Alpaca documents', async () => {
    server.intercept = () => ({ status: 200, body: { id: 'x', status: 'bogus' } });
    const e = await failure(client.getOrder('x'));
    expect(e.code).toBe(ErrorCode.MESSAGE_INVALID);
    expect(e.context).toMatchObject({ status: 200, method: 'GET' });
    server.intercept = () => ({ status: 200, body: 'not json {' });
    expect((await failure(client.getAccount())).code).toBe(ErrorCode.MESSAGE_INVALID);
  });

  it('refuses an invalid request before sending anything', async () => {
    const e = await failure(client.submitOrder({ ...limitBuy('c-7'), limit_price: undefined }));
    expect(e.code).toBe(ErrorCode.ORDER_INVALID);
    expect(server.requests).toHaveLength(0);
  });

  it('one open order it cannot read does not fail the listing: each is validated on its own, a `held` leg is read', async () => {
    // regression: a bracket leg (`held`) or any one malformed order made the whole page TRD_ERR_MESSAGE_INVALID,
    // and with it the orphan sweep and the stale-order recovery
    const o = await client.submitOrder(limitBuy('c-l1'));
    const leg = { ...o, id: 'leg-1', client_order_id: 'leg', order_class: 'bracket', status: 'held' };
    const bad = { ...o, id: 'bad-1', client_order_id: 'bad', qty: 'ten' };
    server.intercept = (r) =>
      r.method === 'GET' && r.path === '/v2/orders' ? { status: 200, body: [o, leg, bad] } : undefined;
    const pages: string[][] = [];
    const invalid: [string, unknown, unknown, unknown][] = [];
    const r = await client.forEachOpenOrderPage(
      500,
      (os) => void pages.push(os.map((x) => x.id)),
      (e, raw) => invalid.push([e.code, e.context['orderId'], e.context['index'], raw])
    );
    expect(pages).toEqual([[o.id, 'leg-1']]);
    expect(invalid).toEqual([[ErrorCode.MESSAGE_INVALID, 'bad-1', 2, bad]]);
    expect(r).toEqual({ seen: 2, invalid: 1 });
    // a bad order is said once per listing although paging may bring it twice (a full page, then the overlap)
    const twice: unknown[] = [];
    const r2 = await client.forEachOpenOrderPage(
      3,
      () => {},
      (e) => twice.push(e.code)
    );
    expect(twice).toEqual([ErrorCode.MESSAGE_INVALID]);
    expect(r2.stuckAt).toBeDefined(); // every order on one timestamp: the paging cannot get past them
    // without onInvalid, listOrders stays strict
    expect((await failure(client.listOrders({ status: 'open' }))).code).toBe(ErrorCode.MESSAGE_INVALID);
    expect(await client.listOrders({ status: 'open' }, () => {})).toHaveLength(2);
  });

  it('a full page of orders it cannot read is paged past (they are new), not taken for a page stuck on one timestamp', async () => {
    // regression: only readable orders counted as new, so this page ended the listing with a misleading stuckAt
    const o = await client.submitOrder(limitBuy('c-p1'));
    const at = (s: number): string => `2024-03-05T15:00:0${s}.000000000Z`;
    const bad1 = {
      ...o,
      id: 'bad-1',
      client_order_id: 'b1',
      qty: 'ten',
      submitted_at: at(1),
      created_at: at(1)
    };
    const bad2 = {
      ...o,
      id: 'bad-2',
      client_order_id: 'b2',
      qty: 'ten',
      submitted_at: at(2),
      created_at: at(2)
    };
    const good = { ...o, id: 'good-3', client_order_id: 'g3', submitted_at: at(3), created_at: at(3) };
    const pages: Record<string, unknown[]> = {
      none: [bad1, bad2],
      '2024-03-05T15:00:01.999999999Z': [bad2, good],
      '2024-03-05T15:00:02.999999999Z': [good]
    };
    server.intercept = (r) =>
      r.method === 'GET' && r.path === '/v2/orders'
        ? { status: 200, body: pages[r.query.get('after') ?? 'none'] ?? [] }
        : undefined;
    const seen: string[] = [];
    const invalid: unknown[] = [];
    const r = await client.forEachOpenOrderPage(
      2,
      (os) => void seen.push(...os.map((x) => x.id)),
      (_e, _raw, ids) => invalid.push(ids)
    );
    expect(r).toEqual({ seen: 1, invalid: 2 });
    expect(seen).toEqual(['good-3']);
    expect(invalid).toEqual([
      { orderId: 'bad-1', clientOrderId: 'b1', symbol: 'AAPL', status: o.status },
      { orderId: 'bad-2', clientOrderId: 'b2', symbol: 'AAPL', status: o.status }
    ]);
  });

  it('reads positions, account and clock as documented', async () => {
    server.intercept = (r) =>
      r.path === '/v2/positions'
        ? { status: 200, body: [entityExample('position'), entityExample('position-crypto')] }
        : r.path === '/v2/account'
          ? { status: 200, body: responseExamples('getaccount-1', '/v2/account', 'get')['example'] }
          : r.path === '/v2/clock'
            ? { status: 200, body: entityExample('clock') }
            : undefined;
    expect((await client.listPositions()).map((p) => p.qty)).toEqual(['5', '2.61937']);
    expect((await client.getAccount()).account_number).toBe('PALPACA_123');
    expect((await client.getClock()).next_open).toBe('2022-04-29T09:30:00-04:00');
  });

  it('reports wrong keys as TRD_ERR_AUTH_FAILED (a 401 refusal)', async () => {
    await client.close();
    client = newClient({ secretKey: 'wrong' });
    const e = await failure(client.getAccount());
    expect(e.code).toBe(ErrorCode.AUTH_FAILED);
    expect(e.context).toMatchObject({ status: 401, alpacaCode: 40110000 });
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode, type TradestateError } from '../../../src/core/errors.ts';
import { Rng } from '../../../src/core/rng.ts';
import {
  AlpacaExecutionGateway,
  type AlpacaExecutionGatewayOptions
} from '../../../src/gateways/alpaca/alpaca-execution.gateway.ts';
import { AlpacaRestClient } from '../../../src/gateways/alpaca/alpaca-rest.client.ts';
import { TradeUpdatesStream } from '../../../src/gateways/alpaca/trade-updates.stream.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../../../src/messages/commands.ts';
import type { ExecutionReport } from '../../../src/messages/execution-report.ts';
import { LiveClock } from '../../../src/time/clock.ts';
import { until } from '../../support/until.ts';
import { AAPL, INSTRUMENTS, VENUE } from './support/alpaca-docs.ts';
import {
  AlpacaTestServer,
  type AlpacaTestServerOptions,
  closedAfterEach,
  KEY,
  type Reply,
  SECRET,
  type SeenRequest
} from './support/alpaca-test-server.ts';

const cleanup = closedAfterEach();

/** A lookup of an order by client order id. */
const isLookup = (r: { readonly path: string }): boolean => r.path === '/v2/orders:by_client_order_id';

/**
 * An intercept: the venue applies every `method` request but drops the connection before answering, and every
 * lookup by client order id fails (503), so only a later read can tell what happened.
 */
function lostAnswerLookupsDown(method: string): (r: SeenRequest) => Reply | undefined {
  return (r) =>
    r.method === method
      ? 'apply-and-destroy'
      : isLookup(r)
        ? { status: 503, body: { message: 'down' } }
        : undefined;
}

async function setup(
  o: Partial<AlpacaTestServerOptions> = {},
  gateway: Pick<AlpacaExecutionGatewayOptions, 'preReplaceReadMs'> = {}
) {
  const server = await AlpacaTestServer.start({ keyId: KEY, secretKey: SECRET, ...o });
  cleanup.push(() => server.close());
  const clock = new LiveClock();
  const rest = new AlpacaRestClient({
    baseUrl: server.httpUrl,
    keyId: KEY,
    secretKey: SECRET,
    timeoutMs: 150,
    getRetries: 1,
    delay: () => Promise.resolve()
  });
  cleanup.push(() => rest.close());
  const stream = new TradeUpdatesStream({
    url: server.wsUrl,
    keyId: KEY,
    secretKey: SECRET,
    clock,
    rng: new Rng(3),
    backoff: { minMs: 20, maxMs: 40 }
  });
  cleanup.push(() => stream.stop());
  const gw = new AlpacaExecutionGateway({
    rest,
    stream,
    instruments: INSTRUMENTS,
    clock,
    lookupAttempts: 3,
    lookupDelayMs: 10,
    delay: (ms) => new Promise((r) => setTimeout(r, ms)),
    ...gateway
  });
  cleanup.push(() => gw.close());
  const reports: ExecutionReport[] = [];
  const errors: TradestateError[] = [];
  gw.reports$.subscribe((r) => reports.push(r));
  gw.errors$.subscribe((e) => errors.push(e));
  stream.start();
  await until(() => stream.status === 'live', 3000, 'the stream');
  const of = (cid: string): ExecutionReport[] => reports.filter((r) => r.clientOrderId === cid);
  const types = (cid: string): string[] => of(cid).map((r) => r.execType);
  return { server, stream, gw, reports, errors, of, types };
}

const T = 1_767_000_000_000_000_000n;
const submit = (cid: string, c: Partial<SubmitOrder> = {}): SubmitOrder => ({
  type: 'order.submit',
  commandId: `cmd-${cid}`,
  tsInit: T,
  strategyId: 's1',
  instrumentId: AAPL.id,
  clientOrderId: cid,
  side: 'buy',
  orderType: 'limit',
  qty: 10,
  limitPx: 15_000,
  tif: 'day',
  ...c
});
const cancel = (cid: string): CancelOrder => ({
  type: 'order.cancel',
  commandId: `cx-${cid}`,
  tsInit: T,
  strategyId: 's1',
  instrumentId: AAPL.id,
  clientOrderId: cid
});
const replace = (cid: string, newCid: string, c: Partial<ReplaceOrder> = {}): ReplaceOrder => ({
  type: 'order.replace',
  commandId: `rp-${newCid}`,
  tsInit: T,
  strategyId: 's1',
  instrumentId: AAPL.id,
  clientOrderId: cid,
  newClientOrderId: newCid,
  ...c
});

const fills = (rs: ExecutionReport[]) =>
  rs.filter((r) => r.execType === 'fill').map((r) => [r.lastQty, r.lastPx, r.cumQty, r.leavesQty]);

describe('AlpacaExecutionGateway end to end (loopback REST + stream)', () => {
  it('submit → accepted → partial fill → fill, accepted once although REST and the stream both say so', async () => {
    const { server, gw, of, types } = await setup();
    gw.submit(submit('o-1'));
    await until(() => types('o-1').includes('accepted'), 3000, 'accepted');
    const post = server.requests.find((r) => r.method === 'POST')!;
    expect(post.body).toEqual({
      symbol: 'AAPL',
      qty: '10',
      side: 'buy',
      type: 'limit',
      time_in_force: 'day',
      limit_price: '150.00',
      client_order_id: 'o-1'
    });
    const u1 = server.fill('o-1', '4', '150.00');
    const u2 = server.fill('o-1', '6', '149.99');
    await until(() => types('o-1').length === 3, 3000, 'the fills');
    await new Promise((r) => setTimeout(r, 30)); // nothing more may come
    expect(types('o-1')).toEqual(['accepted', 'fill', 'fill']);
    expect(fills(of('o-1'))).toEqual([
      [4, 15_000, 4, 6],
      [6, 14_999, 10, 0]
    ]);
    expect(
      of('o-1')
        .slice(1)
        .map((r) => r.execId)
    ).toEqual([u1.execution_id, u2.execution_id]);
    const venueId = server.byClientId('o-1')!.id;
    expect(of('o-1').every((r) => r.venueOrderId === venueId && r.venue === VENUE && r.side === 'buy')).toBe(
      true
    );
  });

  it('a 403 on submit is a rejected report, and nothing is resent', async () => {
    const { server, gw, of, errors } = await setup();
    server.intercept = (r) =>
      r.method === 'POST'
        ? { status: 403, body: { code: 40310000, message: 'insufficient buying power' } }
        : undefined;
    gw.submit(submit('o-2'));
    await until(() => of('o-2').length === 1, 3000, 'the reject');
    expect(of('o-2')[0]).toMatchObject({
      execType: 'rejected',
      cumQty: 0,
      leavesQty: 0,
      instrumentId: AAPL.id
    });
    expect(of('o-2')[0]?.reason).toContain('403');
    expect(of('o-2')[0]?.reason).toContain('insufficient buying power');
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('refuses what Alpaca cannot take without sending it', async () => {
    const { server, gw, of } = await setup();
    gw.submit(submit('o-3', { tif: 'gtd', expireAt: T }));
    await until(() => of('o-3').length === 1);
    expect(of('o-3')[0]).toMatchObject({ execType: 'rejected' });
    expect(of('o-3')[0]?.reason).toContain(ErrorCode.ORDER_INVALID);
    expect(server.requests).toHaveLength(0);
  });

  it('cancel → DELETE by venue id → canceled; a second cancel is refused locally; 422 → cancel_rejected', async () => {
    const { server, gw, types, of } = await setup();
    gw.submit(submit('o-4'));
    gw.cancel(cancel('o-4')); // before the POST answered: waits for the venue id
    await until(() => types('o-4').includes('canceled'), 3000, 'canceled');
    const del = server.requests.find((r) => r.method === 'DELETE')!;
    expect(del.path).toBe(`/v2/orders/${server.byClientId('o-4')!.id}`);
    expect(of('o-4').at(-1)).toMatchObject({ execType: 'canceled', leavesQty: 0 });
    gw.cancel(cancel('o-4'));
    await until(() => types('o-4').at(-1) === 'cancel_rejected');
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);

    gw.submit(submit('o-5'));
    await until(() => types('o-5').includes('accepted'));
    server.fill('o-5', '10', '150.00');
    await until(() => types('o-5').includes('fill'));
    gw.cancel(cancel('o-5')); // filled: refused here, nothing sent
    await until(() => types('o-5').at(-1) === 'cancel_rejected');
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    // a working order the venue will not cancel: its 422 is a cancel_rejected
    gw.submit(submit('o-6'));
    await until(() => types('o-6').includes('accepted'));
    server.intercept = (r) =>
      r.method === 'DELETE'
        ? { status: 422, body: { code: 42210000, message: 'order is not cancelable' } }
        : undefined;
    gw.cancel(cancel('o-6'));
    await until(() => types('o-6').includes('cancel_rejected'));
    expect(of('o-6').at(-1)?.reason).toContain('42210000');
    expect(of('o-6').at(-1)).toMatchObject({ leavesQty: 10, cumQty: 0 });
  });

  it.each(['replaced-first', 'new-first'] as const)(
    'replace of a partially filled order: (total − filled) sent, replaced then fills in chain terms (%s)',
    async (replaceEvents) => {
      const { server, gw, of, types, reports } = await setup({ replaceEvents });
      gw.submit(submit('o-7'));
      await until(() => types('o-7').includes('accepted'));
      server.fill('o-7', '4', '150.00');
      await until(() => types('o-7').includes('fill'));
      gw.replace(replace('o-7', 'o-7b', { limitPx: 14_950 }));
      await until(() => types('o-7b').includes('replaced'), 3000, 'replaced');
      const patch = server.requests.find((r) => r.method === 'PATCH')!;
      expect(patch.body).toEqual({ qty: '6', limit_price: '149.50', client_order_id: 'o-7b' });
      const newId = server.byClientId('o-7b')!.id;
      expect(of('o-7b')[0]).toMatchObject({
        execType: 'replaced',
        origClientOrderId: 'o-7',
        venueOrderId: newId,
        cumQty: 4,
        leavesQty: 6
      });
      server.fill('o-7b', '6', '149.50');
      await until(() => types('o-7b').includes('fill'));
      await new Promise((r) => setTimeout(r, 30));
      expect(types('o-7b')).toEqual(['replaced', 'fill']); // the replacing order's `new` is not a second ack
      expect(fills(of('o-7b'))).toEqual([[6, 14_950, 10, 0]]);
      expect(reports.filter((r) => r.execType === 'replaced')).toHaveLength(1);
    }
  );

  it('a refused replace is replace_rejected for the new client id', async () => {
    const { server, gw, of, types } = await setup();
    gw.submit(submit('o-8'));
    await until(() => types('o-8').includes('accepted'));
    server.intercept = (r) =>
      r.method === 'PATCH'
        ? { status: 422, body: { code: 42210000, message: 'order is not replaceable' } }
        : undefined;
    gw.replace(replace('o-8', 'o-8b', { qty: 12 }));
    await until(() => of('o-8b').length === 1);
    expect(of('o-8b')[0]).toMatchObject({
      execType: 'replace_rejected',
      origClientOrderId: 'o-8',
      leavesQty: 10
    });
    expect(of('o-8b')[0]?.reason).toContain('not replaceable');
  });

  it('a fill missed while the stream was down is reported once, after the reconnect', async () => {
    const { server, stream, gw, of, types } = await setup();
    gw.submit(submit('o-9'));
    await until(() => types('o-9').includes('accepted'));
    server.fill('o-9', '3', '150.00');
    await until(() => types('o-9').includes('fill'));
    server.dropStreams();
    const missed = server.fill('o-9', '5', '150.10'); // nobody listening: the update is lost
    const reconnected = new Promise<void>((r) => stream.reconnected$.subscribe(() => r()));
    await reconnected;
    await until(() => fills(of('o-9')).length === 2, 3000, 'the missed fill');
    expect(fills(of('o-9'))[1]).toEqual([5, 15_010, 8, 2]);
    expect(of('o-9').at(-1)?.reason).toContain('reconciled');
    // the venue replays the lost update, and the reconcile runs again: nothing new
    server.push(missed);
    await gw.reconcile();
    server.fill('o-9', '2', '150.20');
    await until(() => fills(of('o-9')).length === 3, 3000, 'the last fill');
    await new Promise((r) => setTimeout(r, 30));
    expect(fills(of('o-9'))).toEqual([
      [3, 15_000, 3, 7],
      [5, 15_010, 8, 2],
      [2, 15_020, 10, 0]
    ]);
  });

  it('a missed fill after sub-penny streamed fills is priced from the venue’s own prices, not from their rounding', async () => {
    const { server, stream, gw, of, types } = await setup();
    gw.submit(submit('o-24', { qty: 100, limitPx: 15_010 }));
    await until(() => types('o-24').includes('accepted'));
    server.fill('o-24', '99', '150.0049'); // price improvement: booked at 150.00, said so
    await until(() => types('o-24').includes('fill'));
    expect(of('o-24').at(-1)?.reason).toContain('rounded to the tick');
    server.dropStreams();
    server.fill('o-24', '1', '150.00'); // lost with the stream
    await new Promise<void>((r) => stream.reconnected$.subscribe(() => r()));
    await until(() => fills(of('o-24')).length === 2, 3000, 'the missed fill');
    // from the rounded 99 it would have been 150.49: 39 ticks through the limit
    expect(fills(of('o-24'))).toEqual([
      [99, 15_000, 99, 1],
      [1, 15_000, 100, 0]
    ]);
  });

  it("the account's orders on symbols this session does not trade are none of its business: no error", async () => {
    const { server, gw, errors, reports } = await setup();
    const other = new AlpacaRestClient({ baseUrl: server.httpUrl, keyId: KEY, secretKey: SECRET });
    cleanup.push(() => other.close());
    await other.submitOrder({
      symbol: 'ZZZZ',
      qty: '1',
      side: 'buy',
      type: 'market',
      time_in_force: 'day',
      client_order_id: 'by-hand-1'
    });
    server.fill('by-hand-1', '1', '10.00');
    // ours still come through
    gw.submit(submit('o-25'));
    await until(() => reports.some((r) => r.clientOrderId === 'o-25'), 3000, 'our own order');
    expect(reports.filter((r) => r.clientOrderId === 'by-hand-1')).toEqual([]);
    expect(errors.map((e) => e.code)).not.toContain('TRD_ERR_UNKNOWN_INSTRUMENT');
  });

  it('a fill and a cancel missed while down are both caught up, fill first', async () => {
    const { server, stream, gw, types, of } = await setup();
    gw.submit(submit('o-10'));
    await until(() => types('o-10').includes('accepted'));
    server.dropStreams();
    server.fill('o-10', '4', '150.00');
    server.venueEvent('o-10', 'canceled', 'canceled');
    await new Promise<void>((r) => stream.reconnected$.subscribe(() => r()));
    await until(() => types('o-10').includes('canceled'), 3000, 'the cancel');
    expect(types('o-10')).toEqual(['accepted', 'fill', 'canceled']);
    expect(of('o-10').at(-1)).toMatchObject({ cumQty: 4, leavesQty: 0 });
  });

  it('a submit whose answer is lost is looked up by client id, never resent', async () => {
    const { server, gw, errors, types } = await setup();
    server.intercept = (r) => (r.method === 'POST' ? 'apply-and-destroy' : undefined);
    gw.submit(submit('o-11'));
    await until(
      () => errors.some((e) => e.code === ErrorCode.VENUE_OUTCOME_UNKNOWN),
      3000,
      'unknown outcome'
    );
    await until(
      () => server.requests.some((r) => r.path === '/v2/orders:by_client_order_id'),
      3000,
      'the lookup'
    );
    await until(() => types('o-11').includes('accepted'));
    server.fill('o-11', '10', '150.00');
    await until(() => types('o-11').includes('fill'));
    expect(types('o-11')).toEqual(['accepted', 'fill']);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('a submit that timed out and that the venue never got is rejected after the lookups', async () => {
    const { server, gw, errors, of } = await setup();
    server.intercept = (r) => (r.method === 'POST' ? 'hang' : undefined);
    gw.submit(submit('o-12'));
    await until(() => of('o-12').length === 1, 3000, 'the reject');
    expect(of('o-12')[0]?.execType).toBe('rejected');
    expect(errors.map((e) => e.code)).toContain(ErrorCode.VENUE_OUTCOME_UNKNOWN);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    expect(server.requests.filter((r) => r.path === '/v2/orders:by_client_order_id')).toHaveLength(3);
  });

  it('a submit whose answer is lost while every lookup fails stays unknown, and the next reconcile finds it', async () => {
    const { server, stream, gw, errors, types } = await setup();
    stream.stop(); // the trade updates are down too: only a lookup can tell
    server.intercept = lostAnswerLookupsDown('POST');
    gw.submit(submit('o-21'));
    await until(
      () => errors.some((e) => e.message.includes('outcome still unknown')),
      3000,
      'the lookups giving up'
    );
    // a failed lookup says nothing: the order the venue got is not declared rejected
    expect(types('o-21')).toEqual([]);
    server.intercept = undefined;
    await gw.reconcile();
    expect(types('o-21')).toEqual(['accepted']);
    expect(server.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
    // settled now: an ordinary working order, reconciled from the open-orders listing, not looked up again
    const asked = server.requests.length;
    await gw.reconcile();
    expect(server.requests.slice(asked).filter(isLookup)).toEqual([]);
  });

  it('a replace whose answer is lost while the venue shows it under way stays unknown until the venue settles it', async () => {
    const { server, gw, errors, types } = await setup();
    gw.submit(submit('o-22'));
    await until(() => types('o-22').includes('accepted'));
    const cid = (r: { query: URLSearchParams }) => r.query.get('client_order_id');
    // the PATCH never lands; meanwhile the venue shows the order pending_replace
    server.intercept = (r) => {
      if (r.method === 'PATCH') return 'hang';
      if (r.path !== '/v2/orders:by_client_order_id' || cid(r) !== 'o-22') return undefined;
      const o = [...server.orders.values()].find((x) => x.client_order_id === 'o-22')!;
      return { status: 200, body: { ...o, status: 'pending_replace' } };
    };
    gw.replace(replace('o-22', 'o-22b', { limitPx: 14_900 }));
    await until(
      () => errors.some((e) => e.message.includes('outcome still unknown')),
      3000,
      'the lookups giving up'
    );
    expect(types('o-22b')).toEqual([]); // not refused while it may still land
    // the venue settles it: the order is as it was and there is no replacing order
    server.intercept = undefined;
    await gw.reconcile();
    expect(types('o-22b')).toEqual(['replace_rejected']);
    // settled: o-22 is an ordinary working order again, reconciled from the listing, not looked up again
    const asked = server.requests.length;
    await gw.reconcile();
    expect(server.requests.slice(asked).filter((r) => r.path === '/v2/orders:by_client_order_id')).toEqual(
      []
    );
  });

  it('an unresolved replace refused on the stream is settled: the order is reconciled from the listing again', async () => {
    const { server, gw, errors, types } = await setup();
    gw.submit(submit('o-24'));
    await until(() => types('o-24').includes('accepted'));
    server.intercept = (r) => {
      if (r.method === 'PATCH') return 'hang';
      if (r.path !== '/v2/orders:by_client_order_id' || r.query.get('client_order_id') !== 'o-24')
        return undefined;
      return { status: 200, body: { ...server.byClientId('o-24')!, status: 'pending_replace' } };
    };
    gw.replace(replace('o-24', 'o-24b', { limitPx: 14_900 }));
    await until(() => errors.some((e) => e.message.includes('outcome still unknown')), 3000, 'unknown');
    server.intercept = undefined;
    server.venueEvent('o-24', 'order_replace_rejected', 'new');
    await until(() => types('o-24b').includes('replace_rejected'), 3000, 'the stream answer');
    const asked = server.requests.length;
    await gw.reconcile();
    expect(server.requests.slice(asked).filter((r) => r.path === '/v2/orders:by_client_order_id')).toEqual(
      []
    );
  });

  it('an unresolved replace answered on the stream does not make a later replace in flight look refused', async () => {
    const { server, gw, errors, types } = await setup();
    gw.submit(submit('o-23'));
    await until(() => types('o-23').includes('accepted'));
    const cid = (r: { query: URLSearchParams }) => r.query.get('client_order_id');
    server.intercept = (r) => {
      if (r.method === 'PATCH') return 'hang';
      if (r.path !== '/v2/orders:by_client_order_id' || cid(r) !== 'o-23') return undefined;
      return { status: 200, body: { ...server.byClientId('o-23')!, status: 'pending_replace' } };
    };
    gw.replace(replace('o-23', 'o-23b', { limitPx: 14_900 }));
    await until(
      () => errors.some((e) => e.message.includes('outcome still unknown')),
      3000,
      'the lookups giving up'
    );
    // the venue answers it on the stream: refused
    server.intercept = (r) => (r.method === 'PATCH' ? 'hang' : undefined);
    server.venueEvent('o-23', 'order_replace_rejected', 'new');
    await until(() => types('o-23b').includes('replace_rejected'), 3000, 'the stream answer');
    // a second replace, simply under way: a reconcile meanwhile decides nothing about it
    gw.replace(replace('o-23', 'o-23c', { limitPx: 14_800 }));
    await until(
      () => server.requests.filter((r) => r.method === 'PATCH').length === 2,
      1000,
      'the second PATCH'
    );
    await gw.reconcile();
    expect(types('o-23c')).toEqual([]);
  });

  it('one unreadable open order does not stop the sweep: a `held` leg is left alone, the bad one said, ours reconciled from the listing', async () => {
    // regression: the page failed as a whole (TRD_ERR_MESSAGE_INVALID) and nothing of it was swept
    const { server, gw, errors, types, of } = await setup();
    gw.submit(submit('o-30'));
    await until(() => types('o-30').includes('accepted'));
    const ours = server.byClientId('o-30')!;
    // ours filled 4 meanwhile (missed by the stream); a bracket leg and a malformed order placed by hand
    const filled = { ...ours, filled_qty: '4', filled_avg_price: '150', status: 'partially_filled' };
    const leg = {
      ...ours,
      id: 'leg-30',
      client_order_id: 'hand-leg',
      order_class: 'bracket',
      status: 'held'
    };
    const bad = { ...ours, id: 'bad-30', client_order_id: 'hand-bad', qty: 'ten' };
    server.intercept = (r) =>
      r.method === 'GET' && r.path === '/v2/orders' ? { status: 200, body: [filled, leg, bad] } : undefined;
    const asked = server.requests.length;
    await gw.reconcile();
    expect(fills(of('o-30'))).toEqual([[4, 15_000, 4, 6]]);
    expect(server.requests.slice(asked).filter((r) => r.path === '/v2/orders:by_client_order_id')).toEqual(
      []
    );
    expect(errors.map((e) => [e.code, e.context['action'] ?? e.context['orderId']])).toEqual([
      [ErrorCode.MESSAGE_INVALID, 'bad-30'], // said as its page is read
      [ErrorCode.ORPHAN_ORDER, 'left_alone']
    ]);
    expect(errors[1]!.context).toMatchObject({ venueOrderId: 'leg-30', status: 'held' });
  });

  it('`restated` and events or statuses it does not know are not lost: restated, and the order reconciled as a snapshot', async () => {
    // regression: such a frame failed to decode (TRD_ERR_WS_FRAME_INVALID) and its update was dropped
    const { server, gw, errors, types, of } = await setup();
    gw.submit(submit('o-31'));
    await until(() => types('o-31').includes('accepted'));
    const o = server.byClientId('o-31')!;
    const t = '2026-01-05T15:00:01Z';
    server.push({ event: 'restated', order: { ...o, qty: '8', updated_at: t }, timestamp: t });
    await until(() => types('o-31').includes('restated'), 3000, 'restated');
    expect(of('o-31').at(-1)).toMatchObject({ execType: 'restated', cumQty: 0, leavesQty: 8 });
    // an event and a status no list has, on an order that filled 3 meanwhile
    const later = {
      ...o,
      qty: '8',
      filled_qty: '3',
      filled_avg_price: '150',
      status: 'thawing',
      updated_at: t
    };
    server.push({ event: 'thawed', order: later, timestamp: t });
    await until(() => types('o-31').includes('fill'), 3000, 'the fill it shows');
    expect(fills(of('o-31'))).toEqual([[3, 15_000, 3, 5]]);
    expect(errors.map((e) => [e.code, e.context['status'] ?? e.context['event']])).toEqual([
      [ErrorCode.MESSAGE_INVALID, 'thawing'],
      [ErrorCode.MESSAGE_INVALID, 'thawed']
    ]);
    server.push({ event: 'thawed', order: later, timestamp: t }); // said once per name
    await new Promise((r) => setTimeout(r, 30));
    expect(errors).toHaveLength(2);
  });

  it('a replace whose answer is lost is confirmed from the venue', async () => {
    const { server, gw, types } = await setup();
    gw.submit(submit('o-13'));
    await until(() => types('o-13').includes('accepted'));
    server.intercept = (r) => (r.method === 'PATCH' ? 'apply-and-hang' : undefined);
    gw.replace(replace('o-13', 'o-13b', { limitPx: 14_900 }));
    await until(() => types('o-13b').includes('replaced'), 3000, 'replaced');
    expect(server.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
  });

  it('a cancel whose answer is lost while every lookup fails is still answered (cancel_rejected, TRD_ERR_VENUE_OUTCOME_UNKNOWN); the next reconcile reports the cancel that landed', async () => {
    // regression: the cancel got no answer at all (no report, no error) and the order stayed PENDING_CANCEL
    const { server, stream, gw, errors, types, of } = await setup();
    gw.submit(submit('o-30'));
    await until(() => types('o-30').includes('accepted'));
    stream.stop(); // only a lookup could tell
    server.intercept = lostAnswerLookupsDown('DELETE');
    gw.cancel(cancel('o-30'));
    await until(() => types('o-30').includes('cancel_rejected'), 3000, 'the cancel answered');
    expect(of('o-30').at(-1)).toMatchObject({
      reason: 'cancel outcome unknown; lookups failed',
      venueOrderId: server.byClientId('o-30')!.id,
      leavesQty: 10
    });
    const unknown = errors.filter((e) => e.code === ErrorCode.VENUE_OUTCOME_UNKNOWN);
    expect(unknown.map((e) => e.context['method'] ?? e.context['request'])).toEqual(['DELETE', 'cancel']);
    // nothing is pending: the venue's answer comes with the next reconcile, and nothing was resent
    server.intercept = undefined;
    await gw.reconcile();
    expect(types('o-30')).toEqual(['accepted', 'cancel_rejected', 'canceled']);
    expect(server.requests.filter((r) => r.method === 'DELETE')).toHaveLength(1);
    // every lookup a 404: answered too, saying so
    gw.submit(submit('o-31'));
    await until(() => server.byClientId('o-31') !== undefined && of('o-31').length === 1, 3000, 'accepted');
    server.intercept = (r) =>
      r.method === 'DELETE'
        ? 'hang'
        : isLookup(r)
          ? { status: 404, body: { code: 40410000, message: 'order not found' } }
          : undefined;
    gw.cancel(cancel('o-31'));
    await until(() => types('o-31').includes('cancel_rejected'), 3000, 'the cancel answered');
    expect(of('o-31').at(-1)?.reason).toBe('cancel outcome unknown; the venue does not find the order');
  });

  it('the read before a PATCH is the lookup of the venue id when one was just made: one GET, not two', async () => {
    const { server, stream, gw, errors } = await setup();
    stream.stop(); // the venue id can only come from a lookup
    server.intercept = lostAnswerLookupsDown('POST');
    gw.submit(submit('o-32'));
    await until(() => errors.some((e) => e.message.includes('outcome still unknown')), 3000, 'unresolved');
    server.intercept = undefined;
    const asked = server.requests.length;
    gw.replace(replace('o-32', 'o-32b', { limitPx: 14_900 }));
    await until(() => server.requests.some((r) => r.method === 'PATCH'), 3000, 'the PATCH');
    expect(server.requests.slice(asked).map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v2/orders:by_client_order_id',
      `PATCH /v2/orders/${server.byClientId('o-32')!.id}`
    ]);
  });

  it.each([
    ['a 429', { status: 429, body: { message: 'too many requests' } }],
    ['no answer', 'hang']
  ] as const)(
    'the read before a PATCH is one bounded attempt: %s leaves the count as it is and the PATCH goes out',
    async (_what, reply) => {
      // the client retries a GET (getRetries 1, a 150 ms deadline each): that read must not wait for it
      const { server, gw, errors, types } = await setup({}, { preReplaceReadMs: 40 });
      gw.submit(submit('o-33'));
      await until(() => types('o-33').includes('accepted'));
      const asked = server.requests.length;
      server.intercept = (r) => (r.path === '/v2/orders:by_client_order_id' ? reply : undefined);
      gw.replace(replace('o-33', 'o-33b', { limitPx: 14_900 }));
      await until(() => types('o-33b').includes('replaced'), 3000, 'replaced');
      expect(server.requests.slice(asked).map((r) => r.method)).toEqual(['GET', 'PATCH']);
      expect(errors.map((e) => [e.code, e.context['attempts']])).toEqual([[ErrorCode.VENUE_UNAVAILABLE, 1]]);
    }
  );
});

import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, type TradestateError } from '../../../src/core/errors.ts';
import { isoFromNs, NS_PER_MS } from '../../../src/core/nanos.ts';
import { AlpacaRestClient } from '../../../src/gateways/alpaca/alpaca-rest.client.ts';
import type { AlpacaOrder } from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import {
  type Harness,
  harnessesClosedAfterEach,
  replaceCmd,
  submitCmd,
  T0
} from './support/local-venue-harness.ts';

/*
 * The orphan sweep of AlpacaExecutionGateway against the real AlpacaLocalVenue over loopback: a submit the
 * gateway reported `rejected` (outcome unknown, the venue did not know it) that the venue applies later is
 * canceled; an open order placed by someone else is left alone and reported once; tracked orders are not
 * touched. The late POST is the venue drill `hangNext(..., { process: 'later' })` + `releaseHeld()`.
 */

const harness = harnessesClosedAfterEach({ timeoutMs: 150 });
let clients: AlpacaRestClient[] = [];
afterEach(async () => {
  for (const c of clients) await c.close();
  clients = [];
});

/** A second REST client of the same account: another process, or a human at the broker's site. */
function otherClient(h: Harness): AlpacaRestClient {
  const c = new AlpacaRestClient({ baseUrl: h.venue.url, ...h.venue.credentials });
  clients.push(c);
  return c;
}

/** A limit buy placed at the venue by `c` (never through the gateway). */
function placeByHand(c: AlpacaRestClient, cid: string): Promise<AlpacaOrder> {
  return c.submitOrder({
    symbol: 'AAPL',
    qty: '5',
    side: 'buy',
    type: 'limit',
    limit_price: '90.00',
    time_in_force: 'day',
    client_order_id: cid
  });
}

async function venueOrder(h: Harness, cid: string): Promise<AlpacaOrder> {
  const o = await h.rest.getOrderByClientOrderId(cid);
  if (o === null) throw new Error(`the venue has no order ${cid}`);
  return o;
}

const orphans = (h: Harness): TradestateError[] => h.errors.filter((e) => e.code === ErrorCode.ORPHAN_ORDER);
/** [action, clientOrderId, venueOrderId] of each orphan error. */
const orphanView = (h: Harness): unknown[][] =>
  orphans(h).map((e) => [e.context['action'], e.context['clientOrderId'], e.context['venueOrderId']]);
const deletes = (h: Harness) => h.requests.filter((r) => r.method === 'DELETE');
const lists = (h: Harness) => h.seen('GET', '/v2/orders');

/**
 * Submit `cid` through the gateway with its POST held by the venue, not applied: the request times out, the
 * lookups find nothing, the gateway reports `rejected` and sweeps once (finding nothing either). Resolves
 * when that sweep has been served.
 */
async function lostSubmit(h: Harness, cid: string): Promise<void> {
  h.venue.hangNext('POST', '/v2/orders', { process: 'later' });
  const before = lists(h).length;
  h.gw.submit(submitCmd(cid));
  await h.until(() => h.types(cid).includes('rejected'), `${cid} rejected`);
  await h.until(() => lists(h).length === before + 1, 'the sweep after the give-up');
  await h.settle();
}

describe('AlpacaExecutionGateway orphan sweep ⇄ AlpacaLocalVenue (loopback)', () => {
  it('a POST applied only after the gateway gave up: the reconcile cancels the orphan once; the report stays one `rejected`', async () => {
    const h = await harness();
    await lostSubmit(h, 'late-1');
    expect(await h.rest.getOrderByClientOrderId('late-1')).toBeNull();
    expect(h.venue.releaseHeld()).toBe(1); // the POST lands now
    const o = await venueOrder(h, 'late-1');
    expect(o.status).toBe('new');
    await h.until(() => h.wire.some((u) => u.order.id === o.id), 'the late `new` on the stream');

    await h.gw.reconcile();
    await h.until(
      () => h.wire.some((u) => u.order.id === o.id && u.event === 'canceled'),
      'the orphan canceled'
    );
    await h.gw.reconcile(); // nothing open any more, nothing more to do
    await h.settle();

    expect((await venueOrder(h, 'late-1')).status).toBe('canceled');
    expect(h.seen('DELETE', `/v2/orders/${o.id}`)).toHaveLength(1);
    expect(deletes(h)).toHaveLength(1);
    expect(h.seen('POST', '/v2/orders')).toHaveLength(1); // never resent
    // the sweep after the give-up, then one per reconcile
    expect(lists(h).map((r) => r.url)).toEqual([
      '/v2/orders?status=open&limit=500&direction=asc',
      '/v2/orders?status=open&limit=500&direction=asc',
      '/v2/orders?status=open&limit=500&direction=asc'
    ]);
    // no resurrection: the late `new` and the `canceled` were no news
    expect(h.reports.map((r) => [r.clientOrderId, r.execType])).toEqual([['late-1', 'rejected']]);
    expect(h.errors.map((e) => [e.code, e.context['action'] ?? e.context['reason']])).toEqual([
      [ErrorCode.VENUE_OUTCOME_UNKNOWN, 'timeout'],
      [ErrorCode.ORPHAN_ORDER, 'canceled']
    ]);
    expect(orphans(h)[0]!.context).toMatchObject({
      clientOrderId: 'late-1',
      venueOrderId: o.id,
      action: 'canceled',
      symbol: 'AAPL',
      side: 'buy',
      qty: '10',
      filledQty: '0'
    });
  });

  it('a POST that lands as the gateway gives up: the sweep right after the lookups cancels it, no reconcile', async () => {
    const h = await harness();
    h.gw.reports$.subscribe((r) => {
      if (r.clientOrderId === 'late-2' && r.execType === 'rejected') h.venue.releaseHeld();
    });
    h.venue.hangNext('POST', '/v2/orders', { process: 'later' });
    h.gw.submit(submitCmd('late-2'));
    await h.until(() => orphans(h).length === 1, 'the orphan error');
    const o = await venueOrder(h, 'late-2');
    await h.until(
      () => h.wire.some((u) => u.order.id === o.id && u.event === 'canceled'),
      'the orphan canceled'
    );
    await h.settle();
    expect(orphanView(h)).toEqual([['canceled', 'late-2', o.id]]);
    expect(h.seen('DELETE', `/v2/orders/${o.id}`)).toHaveLength(1);
    expect(lists(h)).toHaveLength(1);
    expect(h.types('late-2')).toEqual(['rejected']);
  });

  it('an orphan that fills before any sweep: no fill report (the `rejected` stands), the fill goes to errors$', async () => {
    const h = await harness();
    await lostSubmit(h, 'late-3');
    h.venue.releaseHeld();
    h.venue.quote('AAPL', '99.90', '99.95', '500', '500'); // crosses the limit buy 10 @ 100.00
    await h.until(() => orphans(h).length === 1, 'the orphan fill');
    const o = await venueOrder(h, 'late-3');
    expect(o.status).toBe('filled');
    await h.gw.reconcile(); // filled: not open, nothing to cancel
    await h.settle();
    expect(orphans(h)[0]!.context).toMatchObject({
      clientOrderId: 'late-3',
      venueOrderId: o.id,
      action: 'filled',
      lastQty: '10',
      lastPx: '100.00',
      filledQty: '10'
    });
    expect(orphans(h)).toHaveLength(1);
    expect(deletes(h)).toHaveLength(0);
    expect(h.reports.map((r) => [r.clientOrderId, r.execType])).toEqual([['late-3', 'rejected']]);
  });

  it('the orphan’s DELETE fails: `cancel_failed`, and later sweeps do not send it again', async () => {
    const h = await harness();
    await lostSubmit(h, 'late-4');
    h.venue.releaseHeld();
    const o = await venueOrder(h, 'late-4');
    h.venue.failNext('DELETE', `/v2/orders/${o.id}`, 500);
    await h.gw.reconcile();
    await h.gw.reconcile();
    await h.settle();
    expect(orphanView(h)).toEqual([['cancel_failed', 'late-4', o.id]]);
    expect((orphans(h)[0]!.cause as TradestateError).code).toBe(ErrorCode.VENUE_OUTCOME_UNKNOWN);
    expect(h.seen('DELETE', `/v2/orders/${o.id}`)).toHaveLength(1);
    expect((await venueOrder(h, 'late-4')).status).toBe('new'); // left to an operator
    expect(h.types('late-4')).toEqual(['rejected']);
  });

  it('an open order placed at the venue by another client: left alone, reported once across a reconnect and a reconcile', async () => {
    const h = await harness();
    const o = await placeByHand(otherClient(h), 'by-hand-1');
    h.venue.dropStreamClients();
    await h.reconnect(); // → reconcile → sweep
    await h.until(() => orphans(h).length === 1, 'the left_alone error');
    await h.gw.reconcile();
    await h.settle();
    expect(lists(h)).toHaveLength(2);
    expect(orphanView(h)).toEqual([['left_alone', 'by-hand-1', o.id]]);
    expect(orphans(h)[0]!.context).toMatchObject({ symbol: 'AAPL', side: 'buy', qty: '5', status: 'new' });
    expect(deletes(h)).toHaveLength(0);
    expect((await h.rest.getOrder(o.id)).status).toBe('new');
    expect(h.errors).toEqual(orphans(h));
  });

  it('open orders the gateway tracks (a resting order, a replaced chain) are not touched by the sweep', async () => {
    const h = await harness();
    h.gw.submit(submitCmd('trk-1'));
    h.gw.submit(submitCmd('trk-a', { limitPx: 9_900 }));
    await h.until(() => h.types('trk-1').includes('accepted'), 'trk-1 accepted');
    await h.until(() => h.types('trk-a').includes('accepted'), 'trk-a accepted');
    h.gw.replace(replaceCmd('trk-a', 'trk-b', { limitPx: 9_800 }));
    await h.until(() => h.types('trk-b').includes('replaced'), 'trk-b replaced');
    await h.settle();
    const reports = h.reports.length;
    await h.gw.reconcile();
    await h.gw.reconcile();
    await h.settle();
    expect(lists(h)).toHaveLength(2); // the sweeps ran…
    const listed = await h.rest.listOrders({ status: 'open' });
    expect(listed.map((x) => x.client_order_id).sort()).toEqual(['trk-1', 'trk-b']); // …and saw both
    expect(deletes(h)).toHaveLength(0);
    expect(listed.every((x) => x.status === 'new')).toBe(true);
    expect(h.reports).toHaveLength(reports);
    expect(h.errors).toEqual([]);
  });

  it('memory is bounded (orphanMemory: 1): only the last id reported rejected is still recognised', async () => {
    const h = await harness({ gateway: { orphanMemory: 1 } });
    await lostSubmit(h, 'mem-1');
    await lostSubmit(h, 'mem-2'); // mem-1 is forgotten
    expect(h.venue.releaseHeld()).toBe(2);
    const [o1, o2] = [await venueOrder(h, 'mem-1'), await venueOrder(h, 'mem-2')];
    await h.gw.reconcile();
    await h.settle();
    expect(orphanView(h)).toEqual([['canceled', 'mem-2', o2.id]]);
    expect(deletes(h).map((r) => r.path)).toEqual([`/v2/orders/${o2.id}`]);
    // mem-1 is still known as an order sent through this gateway: not touched (nor reported)
    expect((await h.rest.getOrder(o1.id)).status).toBe('new');
  });

  it('pages by `after` (1 ns before the last order, so ties are not skipped); a page of ties it cannot pass is reported', async () => {
    const h = await harness({ gateway: { openOrdersPageSize: 2 } });
    const other = otherClient(h);
    const at: bigint[] = [];
    for (let i = 1; i <= 5; i++) {
      h.clock.advanceTo(T0 + BigInt(i) * NS_PER_MS);
      at.push(h.clock.now());
      await placeByHand(other, `page-${i}`);
    }
    await h.gw.reconcile();
    expect(orphans(h).map((e) => e.context['clientOrderId'])).toEqual([
      'page-1',
      'page-2',
      'page-3',
      'page-4',
      'page-5'
    ]);
    const after = (url: string) => new URL(url, 'http://x').searchParams.get('after');
    expect(lists(h).map((r) => after(r.url))).toEqual([
      null,
      ...[2, 3, 4, 5].map((i) => isoFromNs(at[i - 1]! - 1n))
    ]);

    // three more at one instant: pages of 2 cannot get past the second of them
    h.clock.advanceTo(T0 + 10n * NS_PER_MS);
    for (const cid of ['tie-1', 'tie-2', 'tie-3']) await placeByHand(other, cid);
    await h.gw.reconcile();
    await h.settle();
    expect(orphans(h).map((e) => [e.context['action'], e.context['clientOrderId'] ?? null])).toEqual([
      ...[1, 2, 3, 4, 5].map((i) => ['left_alone', `page-${i}`]),
      ['left_alone', 'tie-1'],
      ['left_alone', 'tie-2'],
      ['sweep_incomplete', null]
    ]);
    expect(deletes(h)).toHaveLength(0);
  });
});

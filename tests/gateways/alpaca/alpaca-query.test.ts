import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/core/errors.ts';
import { UNKNOWN_ORDER_REASON } from '../../../src/gateways/alpaca/alpaca-execution.gateway.ts';
import { encodeOrderRequest } from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import {
  AAPL,
  cancelCmd,
  harnessesClosedAfterEach,
  replaceCmd,
  submitCmd
} from './support/local-venue-harness.ts';

/*
 * AlpacaExecutionGateway.query (the OrderVenue status query) against the loopback Alpaca-compatible venue:
 * the cases beyond the common ones tested through GatewayOrderVenue (tests/venue/gateway-venue.test.ts).
 */

const harness = harnessesClosedAfterEach();

const GET_BY_CID = '/v2/orders:by_client_order_id';

describe('AlpacaExecutionGateway.query', () => {
  it('the replacing order of a confirmed replace: its `replaced` report again, exec id unchanged', async () => {
    const h = await harness();
    h.gw.submit(submitCmd('rq-a'));
    await h.until(() => h.types('rq-a').includes('accepted'), 'rq-a accepted');
    h.gw.replace(replaceCmd('rq-a', 'rq-b', { limitPx: 9_900 }));
    await h.until(() => h.types('rq-b').includes('replaced'), 'rq-b replaced');
    await h.settle();
    // the replace read the order once, right before its PATCH (fills in flight, see the gateway's doc)
    expect(h.seen('GET', GET_BY_CID)).toHaveLength(1);
    const replaced = h.of('rq-b')[0]!;
    h.gw.query('rq-b', AAPL.id);
    await h.until(() => h.of('rq-b').length === 2, 'the answer');
    await h.settle();
    expect(h.of('rq-b')[1]).toEqual(replaced);
    expect(replaced).toMatchObject({ execType: 'replaced', origClientOrderId: 'rq-a', leavesQty: 10 });
    expect(h.seen('GET', GET_BY_CID)).toHaveLength(2); // and the query once
    expect(h.errors).toEqual([]);
  });

  it('an order not sent through the gateway: its state as the venue states it, again under its exec id', async () => {
    const h = await harness();
    await h.rest.submitOrder(encodeOrderRequest(submitCmd('by-hand'), AAPL));
    await h.until(() => h.types('by-hand').includes('accepted'), 'the stream report of it');
    h.gw.query('by-hand', AAPL.id);
    await h.until(() => h.of('by-hand').length === 2, 'the answer');
    await h.settle();
    const [streamed, answered] = h.of('by-hand');
    expect(answered).toMatchObject({ execType: 'accepted', cumQty: 0, leavesQty: 10 });
    expect(answered!.execId).toBe(streamed!.execId);
    expect(h.errors).toEqual([]);
  });

  it('a failed lookup claims nothing: errors$ only, no `rejected`', async () => {
    const h = await harness();
    h.venue.failNext('GET', GET_BY_CID, 500);
    h.venue.failNext('GET', GET_BY_CID, 500); // the client's one GET retry
    h.gw.query('ghost', AAPL.id);
    await h.until(() => h.errors.length === 1, 'the lookup error');
    await h.settle();
    expect(h.errors[0]!.code).toBe(ErrorCode.VENUE_UNAVAILABLE);
    expect(h.reports).toEqual([]);
    // the same id once the venue answers: the venue has never seen it
    h.gw.query('ghost', AAPL.id);
    await h.until(() => h.reports.length === 1, 'the answer');
    expect(h.reports[0]).toMatchObject({ execType: 'rejected', reason: UNKNOWN_ORDER_REASON });
  });

  it('an unknown order without an instrument id, or one evicted from memory: UNKNOWN_ORDER on errors$', async () => {
    const h = await harness({ gateway: { finishedMemory: 1 } });
    for (const cid of ['ev-1', 'ev-2']) {
      h.gw.submit(submitCmd(cid));
      await h.until(() => h.types(cid).includes('accepted'), `${cid} accepted`);
      h.gw.cancel(cancelCmd(cid));
      await h.until(() => h.types(cid).includes('canceled'), `${cid} canceled`);
    }
    await h.settle();
    expect(h.gw.trackedOrderCount).toBe(1); // ev-1 was evicted
    const before = h.reports.length;
    h.gw.query('ev-1', AAPL.id);
    h.gw.query('nobody');
    await h.until(() => h.errors.length === 2, 'both errors');
    await h.settle();
    expect(h.errors.map((e) => [e.code, e.context['clientOrderId'], e.context['evicted']])).toEqual([
      [ErrorCode.UNKNOWN_ORDER, 'ev-1', true],
      [ErrorCode.UNKNOWN_ORDER, 'nobody', undefined]
    ]);
    expect(h.reports.length).toBe(before);
    // the evicted one is not looked up; the other is (the venue does not know it)
    expect(h.seen('GET', GET_BY_CID).map((r) => r.url)).toEqual([`${GET_BY_CID}?client_order_id=nobody`]);
  });
});

import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/core/errors.ts';
import { NS_PER_MS } from '../../../src/core/nanos.ts';
import type { AlpacaOrderApi } from '../../../src/gateways/alpaca/alpaca-execution.gateway.ts';
import type { AlpacaRestClient } from '../../../src/gateways/alpaca/alpaca-rest.client.ts';
import {
  cancelCmd,
  fillsOf,
  harnessesClosedAfterEach,
  replaceCmd,
  submitCmd,
  T0
} from './support/local-venue-harness.ts';

/*
 * A replace racing fills the gateway has not seen yet, against the loopback Alpaca-compatible venue. Alpaca's
 * replacing order trades its own qty in full (default: the replaced order's qty) whatever the replaced order
 * filled, so the (total − filled) the gateway sends is only as good as its count of fills.
 */

const harness = harnessesClosedAfterEach();

/** The REST calls of `rest`, with `beforePatch` run just before each PATCH is sent. */
function patchHook(rest: AlpacaRestClient, hook: { beforePatch: () => void }): AlpacaOrderApi {
  return {
    submitOrder: (req) => rest.submitOrder(req),
    replaceOrder: (id, req) => {
      hook.beforePatch();
      return rest.replaceOrder(id, req);
    },
    cancelOrder: (id) => rest.cancelOrder(id),
    getOrderByClientOrderId: (cid) => rest.getOrderByClientOrderId(cid),
    forEachOpenOrderPage: (n, f, bad) => rest.forEachOpenOrderPage(n, f, bad)
  };
}

/**
 * Order `<p>-a` (10 at 100.00) acked; with the stream held, 6 fill; the read before the PATCH still shows none
 * (as if made just before the fill); the PATCH to `<p>-b` (a new limit) is applied but never answered, so a lookup
 * confirms the replace from the replacing order. Returns once it has.
 */
async function replaceConfirmedByLookup(p: string) {
  let stale = true;
  const h = await harness({
    wrapRest: (rest) => ({
      ...patchHook(rest, { beforePatch: () => {} }),
      async getOrderByClientOrderId(cid) {
        const o = await rest.getOrderByClientOrderId(cid);
        if (!stale || o === null || cid !== `${p}-a`) return o;
        stale = false;
        return { ...o, filled_qty: '0', filled_avg_price: null, status: 'new' };
      }
    })
  });
  h.gw.submit(submitCmd(`${p}-a`, { qty: 10, limitPx: 10_000 }));
  await h.until(() => h.types(`${p}-a`).includes('accepted'), 'accepted');
  h.venue.pauseStream();
  h.venue.quote('AAPL', '99.90', '99.95', '500', '6');
  const a = (await h.rest.getOrderByClientOrderId(`${p}-a`))!;
  h.venue.hangNext('PATCH', `/v2/orders/${a.id}`);
  h.gw.replace(replaceCmd(`${p}-a`, `${p}-b`, { limitPx: 10_001 }));
  await h.until(() => h.types(`${p}-b`).includes('replaced'), 'the replace confirmed by the lookup');
  return h;
}

describe('AlpacaExecutionGateway: replace and fills in flight', () => {
  it('a fill still on the stream when a price-only replace goes out is read first: the replacement trades only the rest', async () => {
    // regression: the gateway sent no qty (its count said nothing filled), Alpaca kept the original 10 and the
    // position ended at 16, reported cum=16 leaves=0 with no error
    const h = await harness();
    h.gw.submit(submitCmd('rf-a', { qty: 10, limitPx: 10_000 }));
    await h.until(() => h.types('rf-a').includes('accepted'), 'accepted');
    h.venue.pauseStream(); // the fill's trade update is in flight
    h.venue.quote('AAPL', '99.90', '99.95', '500', '6'); // 6 of 10 fill at the venue
    h.gw.replace(replaceCmd('rf-a', 'rf-b', { limitPx: 10_001 }));
    await h.until(() => h.requests.some((r) => r.method === 'PATCH'), 'the PATCH');
    h.venue.resumeStream();
    await h.until(() => h.types('rf-b').includes('replaced'), 'replaced');
    h.venue.quote('AAPL', '99.90', '99.95', '500', '500'); // everything left can fill now
    await h.until(() => h.types('rf-b').includes('fill'), 'the fill of the rest');
    await h.settle();
    const patch = h.requests.filter((r) => r.method === 'PATCH');
    expect(patch).toHaveLength(1);
    const b = (await h.rest.getOrderByClientOrderId('rf-b'))!;
    expect([b.qty, b.filled_qty]).toEqual(['4', '4']);
    expect((await h.rest.listPositions()).map((p) => p.qty)).toEqual(['10']);
    // the 6 reported once (found by the read before the PATCH, the late stream update de-duplicated)
    expect(fillsOf(h.of('rf-a'))).toEqual([[6, 10_000, 6, 4]]); // a limit fills at its price here
    expect(h.of('rf-b').map((r) => [r.execType, r.cumQty, r.leavesQty])).toEqual([
      ['replaced', 6, 4],
      ['fill', 10, 0]
    ]);
    expect(h.errors).toEqual([]);
  });

  it('a fill landing between that read and the PATCH: TRD_ERR_OVERFILL, the order restated to what the venue may fill, nothing sent to correct it', async () => {
    const hook = { beforePatch: (): void => {} };
    const h = await harness({ wrapRest: (rest) => patchHook(rest, hook) });
    h.gw.submit(submitCmd('ro-a', { qty: 10, limitPx: 10_000 }));
    await h.until(() => h.types('ro-a').includes('accepted'), 'accepted');
    // 6 fill after the gateway read the order and before the venue takes the PATCH
    hook.beforePatch = () => {
      hook.beforePatch = () => {};
      h.venue.quote('AAPL', '99.90', '99.95', '500', '6');
    };
    h.gw.replace(replaceCmd('ro-a', 'ro-b', { limitPx: 10_001 }));
    await h.until(() => h.errors.some((e) => e.code === ErrorCode.OVERFILL), 'the overfill warning');
    const warning = h.errors.find((e) => e.code === ErrorCode.OVERFILL)!;
    expect(warning.context).toMatchObject({
      clientOrderId: 'ro-b',
      asked: 10,
      venueTotal: 16,
      filledBefore: 6,
      venueQty: 10
    });
    expect(h.of('ro-b').map((r) => [r.execType, r.cumQty, r.leavesQty])).toEqual([
      ['replaced', 6, 4],
      ['restated', 6, 10] // what the venue may still fill: the order stays working (and cancelable)
    ]);
    h.venue.quote('AAPL', '99.90', '99.95', '500', '500');
    await h.until(() => h.types('ro-b').includes('fill'), 'the replacement fills');
    await h.settle();
    expect((await h.rest.listPositions()).map((p) => p.qty)).toEqual(['16']); // what Alpaca does
    // every report says what the venue did, none more filled than the order's (restated) quantity
    expect(fillsOf(h.of('ro-b'))).toEqual([[10, 10_001, 16, 0]]);
    const lots = h.reports.filter((r) => r.execType === 'fill').reduce((n, r) => n + r.lastQty, 0);
    expect(lots).toBe(16);
    // detection only: no corrective PATCH or DELETE
    expect(h.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(h.requests.filter((r) => r.method === 'DELETE')).toHaveLength(0);
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.OVERFILL]);
  });

  it('the replace confirmed from the replacing order before the replaced order’s fill is seen: that fill still counts (TRD_ERR_OVERFILL, restated)', async () => {
    // the PATCH's answer is lost and the stream held: the lookup confirms the replace from the replacing order
    // (nothing counted filled before it); the replaced order's 6 are seen only afterwards
    const h = await replaceConfirmedByLookup('rl');
    expect(h.of('rl-b')[0]).toMatchObject({ execType: 'replaced', cumQty: 0, leavesQty: 10 });
    // the replaced order's partial_fill, then replaced and new, late (the lookup read the replaced order
    // after the replacing one, so the fill may be reported already: either way, once)
    h.venue.resumeStream();
    await h.until(() => h.errors.some((e) => e.code === ErrorCode.OVERFILL), 'the overfill warning');
    expect(h.errors.find((e) => e.code === ErrorCode.OVERFILL)!.context).toMatchObject({
      clientOrderId: 'rl-b',
      asked: 10,
      venueTotal: 16,
      filledBefore: 6
    });
    expect(fillsOf(h.of('rl-a'))).toEqual([[6, 10_000, 6, 0]]); // the replaced order's fill, reported once
    expect(h.of('rl-b').map((r) => [r.execType, r.cumQty, r.leavesQty])).toEqual([
      ['replaced', 0, 10],
      ['restated', 6, 10]
    ]);
    h.venue.quote('AAPL', '99.90', '99.95', '500', '500');
    await h.until(() => h.types('rl-b').includes('fill'), 'the replacement fills');
    await h.settle();
    expect(fillsOf(h.of('rl-b'))).toEqual([[10, 10_001, 16, 0]]);
    expect((await h.rest.listPositions()).map((p) => p.qty)).toEqual(['16']);
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.VENUE_OUTCOME_UNKNOWN, ErrorCode.OVERFILL]);
  });

  it('the replace confirmed by a lookup while the stream lost the replaced order’s fill: the lookup reads the replaced order too, the fill is reported (TRD_ERR_OVERFILL, restated)', async () => {
    // regression: the lookup returned once the replacing order confirmed the replace, before reading the
    // replaced order, which is final from then on and never read again: with the stream's updates lost (as
    // across a reconnect) its 6 lots were never reported, and no overfill was said
    const h = await replaceConfirmedByLookup('rg');
    await h.until(() => h.types('rg-b').includes('restated'), 'the replaced order read too');
    h.venue.resumeStream({ drop: true }); // the stream lost every update meanwhile
    await h.gw.reconcile();
    await h.settle();
    expect(fillsOf(h.of('rg-a'))).toEqual([[6, 10_000, 6, 0]]);
    expect(h.of('rg-b').map((r) => [r.execType, r.cumQty, r.leavesQty])).toEqual([
      ['replaced', 0, 10],
      ['restated', 6, 10]
    ]);
    expect(h.errors.find((e) => e.code === ErrorCode.OVERFILL)?.context).toMatchObject({
      clientOrderId: 'rg-b',
      asked: 10,
      venueTotal: 16,
      filledBefore: 6
    });
    expect(h.errors.map((e) => e.code)).toEqual([ErrorCode.VENUE_OUTCOME_UNKNOWN, ErrorCode.OVERFILL]);
  });

  it('a cancel sent while the venue still has the replace pending gets its answer: cancel_rejected (422), the replace completes', async () => {
    // regression (with the local venue): a DELETE of a pending_replace order was accepted (204); Alpaca
    // refuses it, and the gateway must still answer the cancel command
    const h = await harness({ emulator: { latency: { networkMs: 50 } } });
    h.gw.submit(submitCmd('pc-a', { qty: 10, limitPx: 9_000 }));
    await h.until(() => h.types('pc-a').includes('accepted'), 'the POST answered');
    h.clock.advanceTo(T0 + 50n * NS_PER_MS); // the order reaches the book: `new`
    h.venue.flush();
    await h.until(() => h.wire.some((u) => u.event === 'new'), 'new at the venue');
    h.gw.replace(replaceCmd('pc-a', 'pc-b', { limitPx: 9_100 }));
    await h.until(() => h.requests.some((r) => r.method === 'PATCH'), 'the PATCH');
    await h.settle();
    h.gw.cancel(cancelCmd('pc-a'));
    await h.until(() => h.types('pc-a').includes('cancel_rejected'), 'the cancel answered');
    const answer = h.of('pc-a').find((r) => r.execType === 'cancel_rejected')!;
    expect(answer.reason).toContain('422');
    expect(answer.reason).toContain('pending_replace');
    h.clock.advanceTo(T0 + 150n * NS_PER_MS);
    h.venue.flush();
    await h.until(() => h.types('pc-b').includes('replaced'), 'the replace done');
    expect((await h.rest.getOrderByClientOrderId('pc-b'))!.status).toBe('new');
    expect(h.errors).toEqual([]);
  });
});

import { EMPTY } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { ErrorCode, type TradestateError } from '../../../src/core/errors.ts';
import { NS_PER_MS } from '../../../src/core/nanos.ts';
import {
  AlpacaExecutionGateway,
  type AlpacaOrderApi
} from '../../../src/gateways/alpaca/alpaca-execution.gateway.ts';
import type { AlpacaOrder } from '../../../src/gateways/alpaca/alpaca-trading.codec.ts';
import { InstrumentMap } from '../../../src/gateways/fix/app-messages.ts';
import { SimulatedClock } from '../../../src/time/clock.ts';
import {
  AAPL,
  cancelCmd,
  fillsOf,
  type Harness,
  harnessesClosedAfterEach,
  replaceCmd,
  submitCmd,
  T0
} from './support/local-venue-harness.ts';

/*
 * The memory of AlpacaExecutionGateway (`finishedMemory`) against the real AlpacaLocalVenue over loopback:
 * finished orders beyond the bound are evicted oldest first, working orders and orders with a replace pending
 * are kept, and an evicted order stays "finished long ago" — late trade updates of it are not reported (one
 * UNKNOWN_ORDER on errors$), a reconcile neither fetches it nor cancels it as an orphan.
 */

const harness = harnessesClosedAfterEach({ gateway: { finishedMemory: 2 } });
const MS = NS_PER_MS;

async function venueOrder(h: Harness, cid: string): Promise<AlpacaOrder> {
  const o = await h.rest.getOrderByClientOrderId(cid);
  if (o === null) throw new Error(`the venue has no order ${cid}`);
  return o;
}

/** A limit buy 10 @ 100.00 submitted into a market above it (it rests), then a quote that fills it. */
async function runToCompletion(h: Harness, cid: string): Promise<void> {
  h.venue.quote('AAPL', '99.00', '100.50', '500', '500');
  h.gw.submit(submitCmd(cid));
  await h.until(() => h.types(cid).includes('accepted'), `${cid} accepted`);
  h.venue.quote('AAPL', '99.00', '99.95', '500', '500');
  await h.until(() => h.of(cid).at(-1)?.leavesQty === 0, `${cid} filled`);
  await h.settle();
}

/** [code, clientOrderId, evicted] of each error. */
const errorView = (es: readonly TradestateError[]): unknown[][] =>
  es.map((e) => [e.code, e.context['clientOrderId'], e.context['evicted']]);
const deletes = (h: Harness) => h.requests.filter((r) => r.method === 'DELETE');

describe('AlpacaExecutionGateway memory (finishedMemory) ⇄ AlpacaLocalVenue (loopback)', () => {
  it('five orders filled one after another: only the last two finished are held, with their venue ids and exec ids', async () => {
    const h = await harness();
    const held: number[] = [];
    for (let i = 1; i <= 5; i++) {
      await runToCompletion(h, `f-${i}`);
      held.push(h.gw.trackedOrderCount);
    }
    expect(held).toEqual([1, 2, 2, 2, 2]);
    // two orders held: two venue ids, their accepted + fill exec ids, nothing of the three evicted
    expect(h.gw.memoryStats).toEqual({ trackedOrders: 2, finishedOrders: 2, venueOrderIds: 2, execIds: 4 });
    // every order was reported in full, once
    for (let i = 1; i <= 5; i++) {
      const o = await venueOrder(h, `f-${i}`);
      expect(h.of(`f-${i}`).map((r) => [r.execType, r.venueOrderId])).toEqual([
        ['accepted', o.id],
        ['fill', o.id]
      ]);
      expect(fillsOf(h.of(`f-${i}`))).toEqual([[10, 10_000, 10, 0]]);
    }
    expect(h.errors).toEqual([]);

    // oldest out first: f-5 (held) is refused as a finished order, f-3 (evicted) is known to be evicted,
    // f-1 is beyond the memory of evicted ids too (the last two): forgotten for good
    h.gw.cancel(cancelCmd('f-5'));
    h.gw.cancel(cancelCmd('f-3'));
    h.gw.cancel(cancelCmd('f-1'));
    // and an evicted order's client order id cannot be used again
    h.gw.submit(submitCmd('f-2'));
    await h.settle();
    expect(h.types('f-5')).toEqual(['accepted', 'fill', 'cancel_rejected']);
    expect(h.of('f-5')[2]!.reason).toBe('order is no longer working');
    for (const cid of ['f-1', 'f-2', 'f-3']) expect(h.types(cid)).toEqual(['accepted', 'fill']);
    expect(errorView(h.errors)).toEqual([
      [ErrorCode.UNKNOWN_ORDER, 'f-3', true],
      [ErrorCode.UNKNOWN_ORDER, 'f-1', undefined],
      [ErrorCode.DUPLICATE_ORDER_ID, 'f-2', true]
    ]);
    expect(h.seen('POST', '/v2/orders')).toHaveLength(5);
    expect(deletes(h)).toHaveLength(0);
  });

  it('working orders are never evicted: a resting and a partially filled order outlive five evictions and keep working', async () => {
    const h = await harness();
    h.venue.quote('AAPL', '98.00', '98.90', '500', '5');
    h.gw.submit(submitCmd('w-part', { qty: 20, limitPx: 9_900 })); // 5 @ 98.90 on arrival, 15 rest @ 99.00
    h.gw.submit(submitCmd('w-rest', { limitPx: 9_000 })); // rests @ 90.00
    await h.until(() => fillsOf(h.of('w-part')).length === 1, 'w-part partially filled');
    await h.until(() => h.types('w-rest').includes('accepted'), 'w-rest accepted');
    // five orders fill at 99.95, above both working limits
    for (let i = 1; i <= 5; i++) await runToCompletion(h, `f-${i}`);
    expect(h.gw.memoryStats).toMatchObject({ trackedOrders: 4, finishedOrders: 2 });

    // both still work: w-part fills its remaining 15, w-rest is canceled at the venue
    h.venue.quote('AAPL', '98.00', '98.80', '500', '500');
    await h.until(() => h.of('w-part').at(-1)?.leavesQty === 0, 'w-part filled');
    h.gw.cancel(cancelCmd('w-rest'));
    await h.until(() => h.types('w-rest').includes('canceled'), 'w-rest canceled');
    await h.settle();
    expect(fillsOf(h.of('w-part'))).toEqual([
      [5, 9_890, 5, 15],
      [15, 9_900, 20, 0]
    ]);
    const rest = await venueOrder(h, 'w-rest');
    expect(h.types('w-rest')).toEqual(['accepted', 'canceled']);
    expect(h.seen('DELETE', `/v2/orders/${rest.id}`)).toHaveLength(1);
    expect(rest.status).toBe('canceled');
    expect(h.errors).toEqual([]);
    // now finished too: they are the last two finished, the five others are gone
    expect(h.gw.memoryStats).toMatchObject({ trackedOrders: 2, finishedOrders: 2, venueOrderIds: 2 });
    h.gw.cancel(cancelCmd('w-part', 2));
    h.gw.cancel(cancelCmd('f-5', 2));
    await h.settle();
    expect(h.types('w-part').at(-1)).toBe('cancel_rejected');
    expect(errorView(h.errors)).toEqual([[ErrorCode.UNKNOWN_ORDER, 'f-5', true]]);
  });

  it('an order that fills while its replace is pending is kept until the venue answers the replace, then evicted in turn', async () => {
    const h = await harness({ emulator: { latency: { networkMs: 100 } } });
    h.gw.submit(submitCmd('pr-a', { limitPx: 9_900 }));
    h.gw.submit(submitCmd('pr-c', { limitPx: 9_850 }));
    h.gw.submit(submitCmd('pr-d', { limitPx: 9_850 }));
    await h.until(() => h.reports.length === 3, 'the three POSTs answered');
    h.clock.advanceTo(T0 + 100n * MS); // the three reach the book: `new`
    await h.until(() => h.wire.filter((u) => u.event === 'new').length === 3, 'the three `new`');
    const a = await venueOrder(h, 'pr-a');
    h.gw.replace(replaceCmd('pr-a', 'pr-b', { limitPx: 9_800 })); // reaches the book at +200 ms
    await h.until(() => h.seen('PATCH', `/v2/orders/${a.id}`).length === 1, 'the PATCH');
    await h.settle(); // answered: the replace is pending until the venue says what became of it

    h.clock.advanceTo(T0 + 150n * MS);
    h.venue.quote('AAPL', '98.00', '98.90', '100', '10'); // fills pr-a (99.00) before its replace lands
    await h.until(() => h.types('pr-a').includes('fill'), 'pr-a filled');
    h.venue.quote('AAPL', '98.00', '98.40', '100', '100'); // fills pr-c and pr-d (98.50)
    await h.until(() => h.types('pr-c').includes('fill') && h.types('pr-d').includes('fill'), 'c, d filled');
    await h.settle();
    // three finished, two remembered: pr-a (replace pending) stays, pr-c (the oldest other) is evicted
    expect(h.gw.memoryStats).toMatchObject({ trackedOrders: 2, finishedOrders: 2 });
    h.gw.cancel(cancelCmd('pr-a')); // held: refused locally as a finished order
    h.gw.cancel(cancelCmd('pr-c')); // evicted
    await h.settle();
    expect(h.types('pr-a')).toEqual(['accepted', 'fill', 'cancel_rejected']);
    expect(errorView(h.errors)).toEqual([[ErrorCode.UNKNOWN_ORDER, 'pr-c', true]]);

    h.clock.advanceTo(T0 + 200n * MS); // the replace lands on a filled order: refused
    await h.until(() => h.types('pr-b').includes('replace_rejected'), 'the replace_rejected');
    await h.settle();
    expect(h.wire.slice(-2).map((u) => [u.event, u.order.client_order_id])).toEqual([
      ['order_replace_rejected', 'pr-a'],
      ['rejected', 'pr-b']
    ]);
    expect(h.of('pr-b').map((r) => [r.execType, r.origClientOrderId, r.cumQty, r.leavesQty])).toEqual([
      ['replace_rejected', 'pr-a', 10, 0]
    ]);
    expect(h.errors).toHaveLength(1); // nothing since (an evicted pr-a would give a late-update error here)

    // answered, pr-a is an ordinary finished order, first in line: the next finished order evicts it
    h.gw.submit(submitCmd('pr-e', { limitPx: 10_000 }));
    await h.until(() => h.types('pr-e').includes('accepted'), 'the POST answered');
    h.clock.advanceTo(T0 + 300n * MS); // it reaches the book and takes the ask
    await h.until(() => h.of('pr-e').at(-1)?.leavesQty === 0, 'pr-e filled');
    await h.settle();
    // pr-d and pr-e: the replacing order's venue id went with pr-a
    expect(h.gw.memoryStats).toEqual({ trackedOrders: 2, finishedOrders: 2, venueOrderIds: 2, execIds: 4 });
    h.gw.cancel(cancelCmd('pr-a', 2));
    h.gw.submit(submitCmd('pr-b')); // the refused replacement's id is remembered with pr-a
    await h.settle();
    expect(errorView(h.errors.slice(1))).toEqual([
      [ErrorCode.UNKNOWN_ORDER, 'pr-a', true],
      [ErrorCode.DUPLICATE_ORDER_ID, 'pr-b', true]
    ]);
    expect(h.types('pr-a')).toEqual(['accepted', 'fill', 'cancel_rejected']);
  });

  it('late trade updates of an evicted order are not reported (one UNKNOWN_ORDER); new orders then flow as usual', async () => {
    const h = await harness();
    h.venue.quote('AAPL', '99.00', '100.50', '500', '500');
    h.gw.submit(submitCmd('late-a'));
    await h.until(() => h.types('late-a').includes('accepted'), 'late-a accepted');
    h.venue.pauseStream(); // from here the gateway learns only over REST, until the stream resumes
    h.venue.quote('AAPL', '99.00', '99.95', '500', '4'); // partial_fill 4, held
    h.venue.quote('AAPL', '99.00', '99.95', '500', '500'); // fill 6, held
    await h.gw.reconcile();
    expect(fillsOf(h.of('late-a'))).toEqual([[10, 10_000, 10, 0]]);
    h.gw.submit(submitCmd('late-b')); // each fills on arrival at 99.95 (held)
    h.gw.submit(submitCmd('late-c'));
    await h.until(
      () => h.types('late-b').includes('accepted') && h.types('late-c').includes('accepted'),
      'the POST answers'
    );
    await h.gw.reconcile(); // their fills from the snapshots: late-a is the oldest of three finished
    expect(h.types('late-b')).toEqual(['accepted', 'fill']);
    expect(h.types('late-c')).toEqual(['accepted', 'fill']);
    expect(h.gw.memoryStats).toEqual({ trackedOrders: 2, finishedOrders: 2, venueOrderIds: 2, execIds: 4 });

    const reported = h.reports.length;
    h.venue.resumeStream(); // the held updates arrive now
    await h.until(() => h.delivered.length === 7, 'the held updates');
    await h.settle();
    expect(h.delivered.slice(1).map((u) => [u.event, u.order.client_order_id])).toEqual([
      ['partial_fill', 'late-a'],
      ['fill', 'late-a'],
      ['new', 'late-b'],
      ['fill', 'late-b'],
      ['new', 'late-c'],
      ['fill', 'late-c']
    ]);
    // late-a is not revived nor reported as someone else's order; late-b's and late-c's are no news
    expect(h.reports).toHaveLength(reported);
    expect(errorView(h.errors)).toEqual([[ErrorCode.UNKNOWN_ORDER, 'late-a', true]]);
    expect(h.errors[0]!.context).toMatchObject({ event: 'partial_fill', status: 'partially_filled' });
    expect(h.gw.trackedOrderCount).toBe(2);

    // a new order goes through as usual (and late-b, now the oldest finished, makes room for it)
    await runToCompletion(h, 'late-d');
    const d = await venueOrder(h, 'late-d');
    expect(h.of('late-d').map((r) => [r.execType, r.venueOrderId, r.cumQty, r.leavesQty])).toEqual([
      ['accepted', d.id, 0, 10],
      ['fill', d.id, 10, 0]
    ]);
    expect(h.gw.memoryStats).toEqual({ trackedOrders: 2, finishedOrders: 2, venueOrderIds: 2, execIds: 4 });
    const ids = h.reports.map((r) => r.execId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(h.errors).toHaveLength(1);
  });

  it('a reconcile after eviction lists the open orders only (the working one among them), reports nothing, and cancels no evicted order still open at the venue', async () => {
    // orphanMemory 0: a submit reported `rejected` (outcome unknown) is not remembered as an orphan, so when
    // its POST lands late the order is open at the venue while the gateway holds it finished
    const h = await harness({ timeoutMs: 150, gateway: { finishedMemory: 2, orphanMemory: 0 } });
    h.venue.quote('AAPL', '89.00', '100.50', '500', '500');
    h.venue.hangNext('POST', '/v2/orders', { process: 'later' });
    h.gw.submit(submitCmd('lost-1', { limitPx: 9_000 }));
    await h.until(() => h.types('lost-1').includes('rejected'), 'lost-1 rejected');
    await h.until(() => h.seen('GET', '/v2/orders').length === 1, 'the sweep after the give-up');
    expect(h.venue.releaseHeld()).toBe(1); // the POST lands now
    const lost = await venueOrder(h, 'lost-1');
    await h.until(() => h.delivered.some((u) => u.order.id === lost.id), 'its `new` on the stream');
    await runToCompletion(h, 'rc-1');
    await runToCompletion(h, 'rc-2'); // lost-1 is the oldest of three finished: evicted
    h.gw.submit(submitCmd('rc-w', { limitPx: 8_000 }));
    await h.until(() => h.types('rc-w').includes('accepted'), 'rc-w accepted');
    await h.settle();
    expect(h.gw.memoryStats).toMatchObject({ trackedOrders: 3, finishedOrders: 2 });

    const reported = h.reports.length;
    const errored = h.errors.length;
    const asked = h.requests.length;
    await h.gw.reconcile();
    await h.settle();
    // the open orders (lost-1 among them, and the one working order, reconciled from it); nothing else
    expect(h.requests.slice(asked).map((r) => `${r.method} ${r.url}`)).toEqual([
      'GET /v2/orders?status=open&limit=500&direction=asc'
    ]);
    expect(h.reports).toHaveLength(reported);
    expect(h.errors.slice(errored)).toEqual([]); // not an orphan `left_alone` either: it was ours
    expect(deletes(h)).toHaveLength(0);
    expect((await venueOrder(h, 'lost-1')).status).toBe('new');

    // it fills at the venue now (rc-w, @ 80.00, does not): still nothing reported for it, one UNKNOWN_ORDER
    h.venue.quote('AAPL', '89.00', '89.50', '500', '500');
    await h.until(() => h.delivered.some((u) => u.order.id === lost.id && u.event === 'fill'), 'its fill');
    await h.settle();
    expect(h.reports).toHaveLength(reported);
    expect(h.types('lost-1')).toEqual(['rejected']);
    expect(errorView(h.errors.slice(errored))).toEqual([[ErrorCode.UNKNOWN_ORDER, 'lost-1', true]]);
    expect(h.errors.slice(0, errored).map((e) => e.code)).toEqual([ErrorCode.VENUE_OUTCOME_UNKNOWN]);
  });

  it.each([
    ['finishedMemory', [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY], [undefined, 1, 10_000]],
    ['reconcileConcurrency', [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY], [undefined, 1, 10_000]],
    ['preReplaceReadMs', [0, -1, 1.5, Number.NaN], [undefined, 1, 60_000]],
    ['orphanMemory', [-1, 1.5, Number.NaN], [undefined, 0, 5]],
    ['openOrdersPageSize', [0, 501, 2.5, Number.NaN], [undefined, 1, 500]]
  ] as const)(
    '%s is validated: an integer in its range (CONFIG_INVALID naming it otherwise)',
    (option, bads, oks) => {
      const make = (value: number | undefined) =>
        new AlpacaExecutionGateway({
          rest: {} as AlpacaOrderApi,
          stream: { updates$: EMPTY, errors$: EMPTY, reconnected$: EMPTY },
          instruments: new InstrumentMap('ALPACA', [AAPL]),
          clock: new SimulatedClock(T0),
          ...(value === undefined ? {} : { [option]: value })
        });
      for (const bad of bads) {
        let err: unknown;
        try {
          make(bad);
        } catch (e) {
          err = e;
        }
        expect((err as TradestateError | undefined)?.code, String(bad)).toBe(ErrorCode.CONFIG_INVALID);
        expect((err as TradestateError).context).toEqual({ [option]: bad });
        expect((err as TradestateError).message).toMatch(new RegExp(`^${option} must be an integer`));
      }
      for (const ok of oks) expect(make(ok).trackedOrderCount).toBe(0);
    }
  );
});

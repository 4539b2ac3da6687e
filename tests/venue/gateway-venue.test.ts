import { describe, expect, it } from 'vitest';
import type { ExecutionReport } from '../../src/messages/execution-report.ts';
import { GatewayOrderVenue } from '../../src/venue/gateway-venue.ts';
import {
  AAPL,
  cancelCmd,
  type Harness,
  harnessesClosedAfterEach,
  submitCmd,
  T0
} from '../gateways/alpaca/support/local-venue-harness.ts';

/*
 * GatewayOrderVenue over the real Alpaca client (AlpacaExecutionGateway + AlpacaRestClient +
 * TradeUpdatesStream) and the real Alpaca-compatible server (AlpacaLocalVenue), over loopback. Nothing is
 * faked: every report drained below went venue → HTTP/WebSocket → gateway → adapter.
 */

const harness = harnessesClosedAfterEach();

/** A venue over the harness's gateway, with its wake-ups counted and everything drained kept. */
function adapter(h: Harness) {
  const drained: ExecutionReport[] = [];
  const s = {
    wakes: 0,
    drained,
    v: new GatewayOrderVenue({
      name: 'ALPACA',
      gateway: h.gw,
      onReport: () => {
        s.wakes++;
      }
    }),
    /** Drain into `drained`; returns what this drain gave. */
    drain(): ExecutionReport[] {
      const rs = s.v.drain();
      drained.push(...rs);
      return rs;
    },
    /** Wait until `n` reports are buffered. */
    buffered: (n: number, what: string) => h.until(() => s.v.pending >= n, what)
  };
  return s;
}

/** What a report says, without timestamps. */
const brief = (r: ExecutionReport) => [
  r.clientOrderId,
  r.execType,
  r.lastQty,
  r.lastPx,
  r.cumQty,
  r.leavesQty
];

describe('GatewayOrderVenue over AlpacaExecutionGateway ⇄ AlpacaLocalVenue (loopback)', () => {
  it('submit → drain yields accepted, then the fills a crossing quote makes, oldest first', async () => {
    const h = await harness();
    const a = adapter(h);
    h.venue.quote('AAPL', '99.00', '100.00', '500', '4');
    a.v.submit(submitCmd('s-1', { limitPx: 10_100 }), T0); // takes 4 @ 100.00, rests 6 @ 101.00
    await a.buffered(2, 'the ack and the first fill');
    expect(a.drain().map(brief)).toEqual([
      ['s-1', 'accepted', 0, 0, 0, 10],
      ['s-1', 'fill', 4, 10_000, 4, 6]
    ]);
    expect(a.v.drain()).toEqual([]);
    h.venue.quote('AAPL', '99.00', '100.50', '500', '500'); // crosses the limit: the rest fills at 101.00
    await a.buffered(1, 'the last fill');
    await h.settle();
    expect(a.drain().map(brief)).toEqual([['s-1', 'fill', 6, 10_100, 10, 0]]);
    // what was drained is exactly what the gateway reported, the fills being the venue's executions
    expect(a.drained).toEqual(h.reports);
    const fromWire = h.wire.filter((u) => u.event.endsWith('fill')).map((u) => u.execution_id);
    expect(a.drained.filter((r) => r.execType === 'fill').map((r) => r.execId)).toEqual(fromWire);
    expect(h.seen('POST', '/v2/orders')).toHaveLength(1);
    expect(h.errors).toEqual([]);
  });

  it('onReport wakes once per empty → non-empty transition, in a microtask, never re-entrantly', async () => {
    const h = await harness();
    let depth = 0;
    let maxDepth = 0;
    let wakes = 0;
    const got: ExecutionReport[] = [];
    const v: GatewayOrderVenue = new GatewayOrderVenue({
      name: 'ALPACA',
      gateway: h.gw,
      onReport: () => {
        wakes++;
        maxDepth = Math.max(maxDepth, ++depth);
        // as the OMS does: handle the drained reports, submitting from inside that handling
        for (const r of v.drain()) {
          got.push(r);
          if (r.clientOrderId === 'w-1' && r.execType === 'accepted')
            v.submit(submitCmd('w-bad', { instrumentId: 'NOPE.XNAS' }), T0); // refused synchronously
        }
        depth--;
      }
    });
    v.submit(submitCmd('w-1'), T0);
    await h.until(() => got.length === 2, 'w-1 accepted, then w-bad rejected');
    expect(got.map((r) => [r.clientOrderId, r.execType])).toEqual([
      ['w-1', 'accepted'],
      ['w-bad', 'rejected']
    ]);
    expect([wakes, maxDepth]).toEqual([2, 1]);

    // a report produced inside a call is buffered at once, the wake-up comes after the call returns
    const quiet = new GatewayOrderVenue({ name: 'ALPACA', gateway: h.gw, onReport: () => wakes++ });
    v.close();
    quiet.submit(submitCmd('w-bad2', { instrumentId: 'NOPE.XNAS' }), T0);
    expect([quiet.pending, wakes]).toEqual([1, 2]);
    await Promise.resolve();
    expect(wakes).toBe(3);
    // more reports while the buffer is not empty: no further wake-up
    quiet.submit(submitCmd('w-2'), T0);
    quiet.submit(submitCmd('w-3'), T0);
    await h.until(() => quiet.pending === 3, 'w-2 and w-3 accepted');
    await h.settle();
    expect(wakes).toBe(3);
    expect(quiet.drain().map((r) => [r.clientOrderId, r.execType])).toEqual([
      ['w-bad2', 'rejected'],
      ['w-2', 'accepted'],
      ['w-3', 'accepted']
    ]);
    // empty again → the next report wakes once more
    quiet.cancel(cancelCmd('w-2'), T0);
    await h.until(() => quiet.pending === 1, 'w-2 canceled');
    await h.settle();
    expect(wakes).toBe(4);
    quiet.close();
  });

  it('cancel: one DELETE, then canceled with nothing filled', async () => {
    const h = await harness();
    const a = adapter(h);
    a.v.submit(submitCmd('c-1'), T0);
    await a.buffered(1, 'c-1 accepted');
    a.drain();
    a.v.cancel(cancelCmd('c-1'), T0);
    await a.buffered(1, 'c-1 canceled');
    await h.settle();
    expect(a.drain().map(brief)).toEqual([['c-1', 'canceled', 0, 0, 0, 0]]);
    expect(h.seen('DELETE', `/v2/orders/${(await h.rest.getOrderByClientOrderId('c-1'))!.id}`)).toHaveLength(
      1
    );
    expect(a.wakes).toBe(2);
    expect(h.errors).toEqual([]);
  });

  it('query of a working order delivers its latest report again, exec id unchanged', async () => {
    const h = await harness();
    const a = adapter(h);
    a.v.submit(submitCmd('q-1'), T0);
    await a.buffered(1, 'q-1 accepted');
    const [ack] = a.drain();
    a.v.query('q-1', AAPL.id, T0);
    await a.buffered(1, 'the answer');
    await h.settle();
    const [again, ...rest] = a.drain();
    expect(rest).toEqual([]);
    expect(again).toEqual(ack);
    expect(again!.execId).toBe(`${again!.venueOrderId}:accepted`);
    expect(h.seen('GET', '/v2/orders:by_client_order_id')).toHaveLength(1);
    expect(h.errors).toEqual([]);
  });

  it('query of a filled order: its fill again under the same exec id (a consumer counts it once)', async () => {
    const h = await harness();
    const a = adapter(h);
    h.venue.quote('AAPL', '99.90', '99.95', '500', '500');
    a.v.submit(submitCmd('q-2'), T0); // fills 10 @ 99.95 on arrival
    await a.buffered(2, 'q-2 accepted and filled');
    const first = a.drain();
    expect(first.map(brief)).toEqual([
      ['q-2', 'accepted', 0, 0, 0, 10],
      ['q-2', 'fill', 10, 9_995, 10, 0]
    ]);
    a.v.query('q-2', AAPL.id, T0);
    a.v.query('q-2', AAPL.id, T0);
    await a.buffered(2, 'both answers');
    await h.settle();
    const answers = a.drain();
    const execution = h.wire.find((u) => u.event === 'fill')!.execution_id!;
    expect(answers.map((r) => [r.execType, r.execId])).toEqual([
      ['fill', execution],
      ['fill', execution]
    ]);
    expect(answers.map(brief)).toEqual([first[1]!, first[1]!].map(brief));
    // a final order is not fetched again: nothing the venue says would change it
    expect(h.seen('GET', '/v2/orders:by_client_order_id')).toHaveLength(0);
    const unique = new Map(a.drained.filter((r) => r.execType === 'fill').map((r) => [r.execId, r.lastQty]));
    expect([...unique.values()]).toEqual([10]);
  });

  it('query finds a fill the stream lost; the late stream fill is not reported again', async () => {
    const h = await harness();
    const a = adapter(h);
    a.v.submit(submitCmd('q-3'), T0);
    await a.buffered(1, 'q-3 accepted');
    a.drain();
    h.venue.pauseStream();
    h.venue.quote('AAPL', '99.90', '99.95', '500', '500'); // fills 10 @ 100.00: the update is held
    a.v.query('q-3', AAPL.id, T0);
    await a.buffered(1, 'the reconciled fill');
    const o = (await h.rest.getOrderByClientOrderId('q-3'))!;
    const reconciled = `${o.id}:reconciled:10`;
    expect(a.drain().map((r) => [...brief(r), r.execId])).toEqual([
      ['q-3', 'fill', 10, 10_000, 10, 0, reconciled]
    ]);
    h.venue.resumeStream(); // the held fill (another exec id, the same lots) now arrives
    await h.until(() => h.delivered.some((u) => u.event === 'fill'), 'the late fill update');
    a.v.query('q-3', AAPL.id, T0);
    await a.buffered(1, 'the answer');
    await h.settle();
    expect(a.drain().map((r) => [r.execType, r.execId])).toEqual([['fill', reconciled]]);
    const late = h.delivered.find((u) => u.event === 'fill')!.execution_id!;
    expect(late).not.toBe(reconciled);
    expect(a.drained.map((r) => r.execId)).not.toContain(late);
    expect(h.errors).toEqual([]);
  });

  it('query of a client order id the venue has never seen → rejected, unknown order', async () => {
    const h = await harness();
    const a = adapter(h);
    a.v.query('ghost-1', AAPL.id, T0);
    await a.buffered(1, 'the answer');
    await h.settle();
    const [r, ...rest] = a.drain();
    expect(rest).toEqual([]);
    expect(r).toMatchObject({
      execType: 'rejected',
      clientOrderId: 'ghost-1',
      instrumentId: AAPL.id,
      reason: 'unknown order',
      cumQty: 0,
      leavesQty: 0,
      venue: 'ALPACA'
    });
    expect(r!.venueOrderId).toBeUndefined();
    expect(h.seen('GET', '/v2/orders:by_client_order_id').map((q) => q.url)).toEqual([
      '/v2/orders:by_client_order_id?client_order_id=ghost-1'
    ]);
    expect(h.errors).toEqual([]);
  });

  it('query without a gateway query: the query hook, else nothing', async () => {
    const h = await harness();
    const asked: [string, string][] = [];
    const plain = {
      submit: h.gw.submit.bind(h.gw),
      cancel: h.gw.cancel.bind(h.gw),
      replace: h.gw.replace.bind(h.gw),
      reports$: h.gw.reports$,
      errors$: h.gw.errors$
    };
    const hooked = new GatewayOrderVenue({ name: 'X', gateway: plain, query: (c, i) => asked.push([c, i]) });
    hooked.query('h-1', AAPL.id, T0);
    new GatewayOrderVenue({ name: 'X', gateway: plain }).query('h-2', AAPL.id, T0);
    await h.settle();
    expect(asked).toEqual([['h-1', AAPL.id]]);
    expect(h.requests).toEqual([]);
    expect(hooked.pending).toBe(0);
  });

  it('close(): later reports are not buffered and wake nobody; what was buffered can still be drained', async () => {
    const h = await harness();
    const a = adapter(h);
    a.v.submit(submitCmd('x-1'), T0);
    await a.buffered(1, 'x-1 accepted');
    a.v.close();
    h.venue.quote('AAPL', '99.90', '99.95', '500', '500');
    await h.until(() => h.types('x-1').includes('fill'), 'the gateway reports the fill');
    await h.settle();
    expect(a.v.pending).toBe(1);
    expect(a.drain().map(brief)).toEqual([['x-1', 'accepted', 0, 0, 0, 10]]);
    expect(a.v.drain()).toEqual([]);
    expect(a.wakes).toBe(1);
    expect(h.types('x-1')).toEqual(['accepted', 'fill']);
  });
});

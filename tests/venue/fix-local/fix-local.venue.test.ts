import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { TradestateError } from '../../../src/core/errors.ts';
import { makeInstrument } from '../../../src/core/instrument.ts';
import type { ExecutionReport, SubmitOrder } from '../../../src/messages/index.ts';
import { LiveClock } from '../../../src/time/clock.ts';
import { FixLocalVenue } from '../../../src/venue/fix-local/fix-local.venue.ts';
import { dict } from '../../gateways/fix-support.ts';
import { cleanupAfterEach, loopbackFixClient, noMarketData } from '../../support/fix-loopback.ts';
import { proxy } from '../../support/tcp-proxy.ts';
import { until } from '../../support/until.ts';

const spec = { venue: 'FIXLOCAL', tickSize: '0.01', lotSize: '1', currency: 'USD' } as const;
const AAPL = makeInstrument({ symbol: 'AAPL', ...spec });
/** Known to the client, not to the venue. */
const MSFT = makeInstrument({ symbol: 'MSFT', ...spec });
const clock = new LiveClock();
const cleanup = cleanupAfterEach();

async function setup(
  o: { resetOnLogon?: boolean; viaProxy?: boolean; emulator?: Record<string, unknown> } = {}
) {
  const venue = new FixLocalVenue({
    instruments: [AAPL],
    clock,
    dictionary: dict,
    seed: 7,
    emulator: o.emulator
  });
  await venue.start();
  cleanup.push(() => venue.stop());
  const link = o.viaProxy ? await proxy(venue.port) : undefined;
  if (link) cleanup.push(() => link.close());
  const conn = loopbackFixClient(cleanup, link?.port ?? venue.port, [AAPL, MSFT], {
    senderCompId: venue.targetCompId,
    targetCompId: venue.senderCompId,
    resetOnLogon: o.resetOnLogon ?? true,
    clock,
    marketData: noMarketData,
    logonTimeoutMs: 3000
  });
  const reports: ExecutionReport[] = [];
  const errors: TradestateError[] = [];
  conn.execution.reports$.subscribe((r) => reports.push(r));
  conn.execution.errors$.subscribe((e) => errors.push(e));
  await conn.preflight();
  // a one-tick market around 100.00
  const quote = (bid: number, ask: number): void =>
    venue.quote({
      type: 'market.quote',
      instrumentId: AAPL.id,
      tsEvent: clock.now(),
      tsInit: clock.now(),
      bidPx: bid,
      bidSz: 500,
      askPx: ask,
      askSz: 500
    });
  quote(9_999, 10_001);
  const logons: number[] = [];
  conn.session.on('fix.loggedOn', (e) => void logons.push(e.nextIn));
  /** A print at `px` that trades resting buys at or above it. */
  const print = (px: number): void =>
    venue.trade({
      type: 'market.trade',
      instrumentId: AAPL.id,
      tsEvent: clock.now(),
      tsInit: clock.now(),
      px,
      sz: 100,
      aggressor: 'sell',
      tradeId: `t${px}`
    });
  return { venue, conn, reports, errors, quote, print, link, logons };
}

let seq = 0;
function order(over: Partial<SubmitOrder> = {}): SubmitOrder {
  const id = `c${++seq}`;
  return {
    type: 'order.submit',
    commandId: id,
    tsInit: clock.now(),
    strategyId: 's1',
    instrumentId: AAPL.id,
    clientOrderId: id,
    side: 'buy',
    orderType: 'limit',
    qty: 10,
    limitPx: 9_000,
    tif: 'day',
    ...over
  };
}

const of = (reports: ExecutionReport[], id: string) =>
  reports.filter((r) => r.clientOrderId === id).map((r) => r.execType);

describe('FixLocalVenue ↔ connectFix over loopback FIX 4.2', () => {
  it('logs on, fills a marketable order, rests, replaces and cancels another, and refuses what it cannot do', async () => {
    const { conn, reports, venue } = await setup();
    const x = conn.execution;
    const take = order({ limitPx: 10_001 });
    x.submit(take);
    await until(() => of(reports, take.clientOrderId).includes('fill'), 3000, 'the marketable order to fill');
    const fill = reports.find((r) => r.clientOrderId === take.clientOrderId && r.execType === 'fill')!;
    expect([fill.lastPx, fill.lastQty, fill.leavesQty, fill.venue]).toEqual([10_001, 10, 0, 'FIX']);

    const rest = order();
    x.submit(rest);
    await until(() => of(reports, rest.clientOrderId).includes('accepted'), 3000, 'the resting order');
    x.replace({
      type: 'order.replace',
      commandId: 'r1',
      tsInit: clock.now(),
      strategyId: 's1',
      instrumentId: AAPL.id,
      clientOrderId: rest.clientOrderId,
      newClientOrderId: `${rest.clientOrderId}.r`,
      qty: 5,
      limitPx: 9_001
    });
    await until(() => of(reports, `${rest.clientOrderId}.r`).includes('replaced'), 3000, 'the replace');
    // a price-only replace restates the order as it now is: 5 lots, not the 10 it was sent with
    x.replace({
      type: 'order.replace',
      commandId: 'r2',
      tsInit: clock.now(),
      strategyId: 's1',
      instrumentId: AAPL.id,
      clientOrderId: `${rest.clientOrderId}.r`,
      newClientOrderId: `${rest.clientOrderId}.r2`,
      limitPx: 9_002
    });
    await until(() => of(reports, `${rest.clientOrderId}.r2`).includes('replaced'), 3000, 'the re-price');
    const rep = reports.find(
      (r) => r.clientOrderId === `${rest.clientOrderId}.r2` && r.execType === 'replaced'
    )!;
    expect([rep.cumQty, rep.leavesQty]).toEqual([0, 5]);
    const cancel = {
      type: 'order.cancel' as const,
      commandId: 'k1',
      tsInit: clock.now(),
      strategyId: 's1',
      instrumentId: AAPL.id,
      clientOrderId: `${rest.clientOrderId}.r2`
    };
    x.cancel(cancel);
    await until(() => of(reports, cancel.clientOrderId).includes('canceled'), 3000, 'the cancel');
    // a second cancel of the same order: an OrderCancelReject, mapped back to the order
    x.cancel({ ...cancel, commandId: 'k2' });
    await until(
      () => of(reports, cancel.clientOrderId).includes('cancel_rejected'),
      3000,
      'the cancel reject'
    );
    const cxlRej = reports.find((r) => r.execType === 'cancel_rejected')!;
    expect([cxlRej.clientOrderId, cxlRej.execId]).toEqual([cancel.clientOrderId, 'k2']);

    // a symbol the venue does not list: rejected with the reason, the session still up
    const msft = order({ instrumentId: MSFT.id });
    x.submit(msft);
    await until(() => of(reports, msft.clientOrderId).includes('rejected'), 3000, 'the reject');
    expect(reports.find((r) => r.clientOrderId === msft.clientOrderId)!.reason).toMatch(
      /unknown symbol MSFT/
    );
    expect(venue.stats).toMatchObject({ orders: 2, cancels: 2, replaces: 2, rejected: 1 });
    expect(x.workingOrderCount).toBe(0);
  });

  it('a book whose top did not change is no new quote: a capped order does not take the same displayed size again', async () => {
    const { conn, reports, venue } = await setup({ emulator: { liquidity: { maxParticipation: 0.5 } } });
    const level = (px: number, qty: number) => ({ px, qty });
    const book = (askSz: number, deeper: number) =>
      venue.book(AAPL.id, [level(9_999, 500)], [level(10_001, askSz), level(10_002, deeper)], clock.now());
    book(100, 300);
    const take = order({ limitPx: 10_001, qty: 200 });
    conn.execution.submit(take);
    const fills = () =>
      reports.filter((r) => r.clientOrderId === take.clientOrderId && r.lastQty > 0).map((r) => r.lastQty);
    await until(() => fills().length === 1, 3000, 'the first fill');
    // messages below the touch: the top shows the same 100, of which the order already took its half
    book(100, 250);
    book(100, 200);
    // the touch's size changes: a new quote, half of it again
    book(90, 200);
    await until(() => fills().reduce((a, b) => a + b) >= 95, 3000, 'the fill on the new quote');
    expect(fills()).toEqual([50, 45]);
  });

  it('a book whose top did not change still passes time: a GTD order past its expiry expires on it', async () => {
    const { conn, reports, venue } = await setup();
    const level = (px: number, qty: number) => ({ px, qty });
    const book = (deeper: number) =>
      venue.book(AAPL.id, [level(9_999, 500)], [level(10_001, 100), level(10_002, deeper)], clock.now());
    book(300);
    const gtd = order({ tif: 'gtd', expireAt: clock.now() + 20_000_000n });
    conn.execution.submit(gtd);
    await until(() => of(reports, gtd.clientOrderId).includes('accepted'), 3000, 'the ack');
    await new Promise((r) => setTimeout(r, 40));
    book(250); // below the touch, after the expiry
    await until(() => of(reports, gtd.clientOrderId).includes('expired'), 3000, 'the expiry');
    expect(reports.at(-1)).toMatchObject({ reason: 'GTD order past its expiry', leavesQty: 0 });
  });

  it('recovers a fill the venue never sent by an OrderStatusRequest; a repeated answer adds nothing', async () => {
    const { conn, reports, venue, quote } = await setup();
    const x = conn.execution;
    const o = order({ limitPx: 10_000 });
    x.submit(o);
    await until(() => of(reports, o.clientOrderId).includes('accepted'), 3000, 'the ack');
    // the fill report is lost at the venue
    venue.dropReports(1);
    quote(9_998, 10_000);
    venue.trade({
      type: 'market.trade',
      instrumentId: AAPL.id,
      tsEvent: clock.now(),
      tsInit: clock.now(),
      px: 9_999,
      sz: 100,
      aggressor: 'sell',
      tradeId: 't1'
    });
    await until(() => venue.emulator.stats.reports >= 2, 3000, 'the fill at the venue');
    await new Promise((r) => setTimeout(r, 50));
    expect(of(reports, o.clientOrderId)).toEqual(['accepted']);
    expect(x.workingOrderCount).toBe(1);
    await x.reconcile();
    await until(() => of(reports, o.clientOrderId).includes('fill'), 3000, 'the recovered fill');
    const f = reports.find((r) => r.execType === 'fill')!;
    expect([f.lastQty, f.cumQty, f.leavesQty]).toEqual([10, 10, 0]);
    expect(f.lastPx).toBeGreaterThanOrEqual(9_999);
    expect(f.execId).toMatch(/:status:10$/);
    expect(x.workingOrderCount).toBe(0);
    // a query of the (now final) order: the venue's answer adds nothing, so the latest report comes again
    const n = reports.length;
    x.query(o.clientOrderId);
    await until(() => reports.length > n, 3000, 'the query answer');
    expect(reports.at(-1)).toMatchObject({ execType: 'fill', execId: f.execId });
    expect(venue.stats.statusRequests).toBe(2);
  });

  it('an unsolicited restatement arrives as ExecType D; one the venue never sent is recovered by status, once', async () => {
    const { conn, reports, venue } = await setup();
    const x = conn.execution;
    const [a, b] = [order(), order()];
    x.submit(a);
    x.submit(b);
    await until(() => of(reports, b.clientOrderId).includes('accepted'), 3000, 'the acks');
    expect(venue.restate(a.clientOrderId, 3, 'operator')).toBe(true);
    await until(() => of(reports, a.clientOrderId).includes('restated'), 3000, 'the restatement');
    expect(reports.at(-1)).toMatchObject({ cumQty: 0, leavesQty: 7, reason: 'operator' });
    // b's restatement is lost: a reconcile finds its quantity is not the one last accepted
    venue.dropReports(1);
    venue.restate(b.clientOrderId, 4);
    await new Promise((r) => setTimeout(r, 50));
    expect(of(reports, b.clientOrderId)).toEqual(['accepted']);
    await x.reconcile();
    await until(() => of(reports, b.clientOrderId).includes('restated'), 3000, 'the recovered restatement');
    const r = reports.at(-1)!;
    expect([r.cumQty, r.leavesQty, r.execId]).toEqual([0, 6, expect.stringMatching(/:status:restated:6$/)]);
    // a second reconcile: the venue's answers now add nothing (a's restatement was heard, b's recovered)
    const n = reports.length;
    await x.reconcile();
    await until(() => venue.stats.statusRequests === 4, 3000, 'the second answers');
    await new Promise((res) => setTimeout(res, 50));
    expect(reports.length).toBe(n);
    // and a price-only replace restates the recovered size: 6 lots, not 10
    x.replace({
      type: 'order.replace',
      commandId: 'rb',
      tsInit: clock.now(),
      strategyId: 's1',
      instrumentId: AAPL.id,
      clientOrderId: b.clientOrderId,
      newClientOrderId: `${b.clientOrderId}.r`,
      limitPx: 9_001
    });
    await until(() => of(reports, `${b.clientOrderId}.r`).includes('replaced'), 3000, 'the re-price');
    expect(reports.at(-1)).toMatchObject({ cumQty: 0, leavesQty: 6 });
  });

  it('a restatement and then a fill of what it left, both lost, are recovered in that order: the order ends filled', async () => {
    const { conn, reports, venue, print } = await setup();
    const x = conn.execution;
    const c = order({ limitPx: 10_000 });
    x.submit(c);
    await until(() => of(reports, c.clientOrderId).includes('accepted'), 3000, 'the ack');
    venue.dropReports(2);
    venue.restate(c.clientOrderId, 4);
    print(9_999); // sells through the buy: it fills the 6 left
    await until(() => venue.emulator.stats.reports >= 3, 3000, 'the fill at the venue');
    await new Promise((r) => setTimeout(r, 50));
    expect(of(reports, c.clientOrderId)).toEqual(['accepted']);
    await x.reconcile();
    await until(() => of(reports, c.clientOrderId).includes('fill'), 3000, 'the recovered reports');
    const got = reports.filter((r) => r.clientOrderId === c.clientOrderId).slice(1);
    // restated first, from the 0 heard filled, so the fill of 6 completes the order (it would wait for 4 more)
    expect(got.map((r) => [r.execType, r.cumQty, r.leavesQty, r.lastQty])).toEqual([
      ['restated', 0, 6, 0],
      ['fill', 6, 0, 6]
    ]);
    expect(x.workingOrderCount).toBe(0);
  });

  it('a lost ack comes back once on query; an order the venue never saw is rejected as unknown', async () => {
    const { conn, reports, venue, errors } = await setup();
    const o = order();
    venue.dropReports(1);
    conn.execution.submit(o);
    await until(() => venue.stats.orders === 1, 3000, 'the order at the venue');
    await new Promise((r) => setTimeout(r, 50));
    expect(reports).toEqual([]);
    conn.execution.query(o.clientOrderId);
    await until(() => reports.length > 0, 3000, 'the status answer');
    expect(of(reports, o.clientOrderId)).toEqual(['accepted']);
    expect(reports[0]!.venueOrderId).toBeDefined();
    // an OrderStatusRequest for an id the venue has never seen: a reject, OrdRejReason 5
    conn.session.send({
      type: 'session.send',
      msgType: 'H',
      fields: [
        [11, 'ghost'],
        [55, 'AAPL'],
        [54, '1']
      ]
    });
    await until(() => of(reports, 'ghost').length > 0, 3000, 'the unknown-order answer');
    expect(reports.at(-1)).toMatchObject({ execType: 'rejected', reason: 'unknown order' });
    // the gateway itself refuses to query what it never sent
    conn.execution.query('never-sent');
    expect(errors.map((e) => e.code)).toEqual(['TRD_ERR_UNKNOWN_ORDER']);
  });

  /**
   * A resting buy is acknowledged, the TCP connection is cut, the buy fills at the venue while it is down, and the
   * session logs on again: the fill as the client finally receives it, once the reconnect is through.
   */
  async function fillAcrossCut(resetOnLogon: boolean) {
    const t = await setup({ resetOnLogon, viaProxy: true });
    const { conn, reports, venue } = t;
    const o = order({ limitPx: 10_000 });
    conn.execution.submit(o);
    await until(() => of(reports, o.clientOrderId).includes('accepted'), 3000, 'the ack');
    t.link!.cut();
    t.quote(9_998, 10_000);
    t.print(9_999);
    await until(() => venue.emulator.stats.reports >= 2, 3000, 'the fill at the venue');
    await until(() => t.logons.length === 1, 3000, 'the logon after the cut');
    await until(() => of(reports, o.clientOrderId).includes('fill'), 3000, 'the fill after the reconnect');
    const fill = reports.find((r) => r.execType === 'fill')!;
    return { fill, fills: of(reports, o.clientOrderId).filter((x) => x === 'fill').length, venue };
  }

  it('a fill made while the connection was down arrives after the reconnect, resent by the session layer', async () => {
    const { fill, fills } = await fillAcrossCut(false);
    // the venue's own report (its exec id), not a reconstruction
    expect(fill.execId).toMatch(/^FIXLOCAL-x/);
    expect([fill.lastQty, fill.lastPx]).toEqual([10, 10_000]);
    expect(fills).toBe(1);
  });

  it('with sequence numbers reset on logon, the reconnect asks for every working order and recovers its fill', async () => {
    const { fill, venue } = await fillAcrossCut(true);
    expect(venue.stats.statusRequests).toBe(1);
    expect([fill.lastQty, fill.lastPx, fill.leavesQty]).toEqual([10, 10_000, 0]);
    expect(fill.execId).toMatch(/:status:10$/);
  });

  it('a cancel made while the connection is down is refused at once, never gap-filled away unsaid', async () => {
    const t = await setup({ viaProxy: true });
    const { conn, reports, venue } = t;
    const o = order({ limitPx: 9_000 });
    conn.execution.submit(o);
    await until(() => of(reports, o.clientOrderId).includes('accepted'), 3000, 'the ack');
    // the moment the session sees the cut, the strategy cancels
    const off = conn.session.on('fix.disconnected', () =>
      conn.execution.cancel({
        type: 'order.cancel',
        commandId: 'cx',
        tsInit: clock.now(),
        strategyId: 's1',
        instrumentId: AAPL.id,
        clientOrderId: o.clientOrderId
      })
    );
    t.link!.cut();
    await until(() => of(reports, o.clientOrderId).includes('cancel_rejected'), 3000, 'the refusal');
    off.unsubscribe();
    expect(reports.find((r) => r.execType === 'cancel_rejected')?.reason).toBe(
      'FIX session not logged on: not sent'
    );
    await until(() => t.logons.length === 1, 3000, 'the logon after the cut');
    // the order still works at the venue, which never got a cancel; cancelled now, it goes
    expect(venue.stats.cancels).toBe(0);
    conn.execution.cancel({
      type: 'order.cancel',
      commandId: 'cy',
      tsInit: clock.now(),
      strategyId: 's1',
      instrumentId: AAPL.id,
      clientOrderId: o.clientOrderId
    });
    await until(() => of(reports, o.clientOrderId).includes('canceled'), 3000, 'the cancel');
    expect(venue.stats.cancels).toBe(1);
  });

  it("stop logs the client out and waits for the client's Logout before it closes", async () => {
    const { venue, conn, link } = await setup({ viaProxy: true });
    const logouts: string[] = [];
    conn.session.on('fix.logout', (e) => void logouts.push(e.text));
    link!.hold(); // the client's answer waits in the proxy
    let stopped = false;
    const t0 = performance.now();
    const stopping = venue.stop().then(() => void (stopped = true));
    await until(() => logouts.length === 1, 3000, "the venue's Logout at the client");
    expect(logouts).toEqual(['venue closing']);
    await new Promise((r) => setTimeout(r, 150));
    expect(stopped).toBe(false); // still waiting for the answer
    link!.release();
    await stopping;
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(150);
    expect(ms).toBeLessThan(900); // the answer ended it, not the 1 s cap
  });

  it('stop gives a client that never answers the Logout 1 s, then closes anyway', async () => {
    const { venue, link } = await setup({ viaProxy: true });
    link!.hold();
    const t0 = performance.now();
    await venue.stop();
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(2500);
  });

  it('stop with no client connected stops listening at once', async () => {
    const venue = new FixLocalVenue({ instruments: [AAPL], clock, dictionary: dict, seed: 7 });
    await venue.start();
    const t0 = performance.now();
    await venue.stop();
    expect(performance.now() - t0).toBeLessThan(200);
    await expect(
      new Promise((resolve, reject) => {
        const s = connect(venue.port, '127.0.0.1');
        s.on('connect', () => {
          s.destroy();
          resolve('connected');
        });
        s.on('error', reject);
      })
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLobsterMessages, decodeLobsterOrderbook } from '../../../src/book/lobster.codec.ts';
import { LobsterReplayer } from '../../../src/book/lobster-replayer.ts';
import { BookSide } from '../../../src/book/side.ts';
import { makeInstrument } from '../../../src/core/instrument.ts';
import { Rng } from '../../../src/core/rng.ts';
import type { ExecutionReport } from '../../../src/messages/execution-report.ts';
import { parseEmulatorConfig } from '../../../src/venue/emulator/emulator-config.ts';
import { ExecutionEmulator } from '../../../src/venue/emulator/execution-emulator.venue.ts';
import { OWN_OWNER } from '../../../src/venue/emulator/l3-fill.model.ts';
import { sharedData } from '../../support/shared-data.ts';
import { brief, cancel, DAY0, emulator, fills, inst, l3, MS, order, replace, T0 } from './support.ts';

const at = (ms: number) => T0 + BigInt(ms) * MS;

/** Bids 1 (100) and 2 (200) at 99.99, asks 3 (300) at 100.01 and 5 (100) at 100.02. */
function l3Venue() {
  const v = emulator({ fillModel: 'l3' });
  v.onL3Event(l3(at(0), 'add', 1, 'buy', 9999, 100));
  v.onL3Event(l3(at(0), 'add', 2, 'buy', 9999, 200));
  v.onL3Event(l3(at(0), 'add', 3, 'sell', 10001, 300));
  v.onL3Event(l3(at(0), 'add', 5, 'sell', 10002, 100));
  return v;
}

describe('ExecutionEmulator, L3 fill model (hand-built order stream)', () => {
  it('an own bid joins the back of its level and fills only when an execution reaches it in FIFO order', () => {
    const v = l3Venue();
    v.submit(order({ orderType: 'limit', limitPx: 9999, qty: 50 }), at(1));
    v.drain();
    expect(v.queueAhead('o1')).toBe(300);
    v.onL3Event(l3(at(2), 'add', 4, 'buy', 9999, 100)); // joins behind us
    v.onL3Event(l3(at(3), 'execute', 1, 'buy', 9999, 100)); // order 1 was ahead of us
    expect(v.queueAhead('o1')).toBe(200);
    v.onL3Event(l3(at(4), 'execute', 2, 'buy', 9999, 200));
    expect(fills(v.drain())).toEqual([]);
    expect(v.queueAhead('o1')).toBe(0);
    // an execution of order 4, behind us: the aggressor would have met us first
    v.onL3Event(l3(at(5), 'execute', 4, 'buy', 9999, 30));
    expect(brief(fills(v.drain()))).toEqual([['o1', 'fill', 9999, 30, 20]]);
    const book = v.l3!.book(inst.id);
    expect(book.qtyOf(4)).toBe(70); // the market's order is reduced as the data says
    v.onL3Event(l3(at(6), 'execute', 4, 'buy', 9999, 70));
    expect(fills(v.drain())[0]).toMatchObject({ lastQty: 20, leavesQty: 0, liquidity: 'maker' });
    expect(book.qtyOf(4)).toBe(-1);
  });

  it('cancellations ahead shrink the queue; improving the touch means nothing ahead', () => {
    const v = l3Venue();
    v.submit(order({ clientOrderId: 'back', orderType: 'limit', limitPx: 9999, qty: 50 }), at(1));
    v.submit(order({ clientOrderId: 'top', orderType: 'limit', limitPx: 10000, qty: 40 }), at(1));
    v.drain();
    v.onL3Event(l3(at(2), 'cancel', 2, 'buy', 9999, 150));
    expect(v.queueAhead('back')).toBe(150);
    v.onL3Event(l3(at(3), 'delete', 1, 'buy', 9999, 100));
    expect(v.queueAhead('back')).toBe(50);
    expect(v.queueAhead('top')).toBe(0);
    // a seller hits 99.99: it would have hit our better 100.00 bid first
    v.onL3Event(l3(at(4), 'execute', 2, 'buy', 9999, 30));
    expect(brief(fills(v.drain()))).toEqual([['top', 'fill', 10000, 30, 10]]);
  });

  it('an own market order walks the real book, FIFO at the resting prices, and never takes more than is there', () => {
    const v = l3Venue();
    v.submit(order({ qty: 350 }), at(1));
    expect(brief(fills(v.drain()))).toEqual([
      ['o1', 'fill', 10001, 300, 50],
      ['o1', 'fill', 10002, 50, 0]
    ]);
    v.submit(order({ clientOrderId: 'big', qty: 1000, tif: 'ioc' }), at(2));
    expect(brief(v.drain())).toEqual([
      ['big', 'accepted', 0, 0, 1000],
      ['big', 'fill', 10002, 50, 950],
      ['big', 'canceled', 0, 0, 0]
    ]);
    const book = v.l3!.book(inst.id);
    expect(book.asks.count).toBe(0);
    // the data still has those orders: its later events about them are absorbed, not applied twice
    expect(v.l3!.deficitOf(3)).toBe(300);
    v.onL3Event(l3(at(3), 'execute', 5, 'sell', 10002, 100));
    v.onL3Event(l3(at(3), 'delete', 3, 'sell', 10001, 300));
    expect(v.l3!.deficitOf(3)).toBe(0);
    expect(v.l3!.deficitOf(5)).toBe(0);
    expect(v.l3!.stats.clampedLots).toBe(0);
  });

  it('a market add crossing an own resting order trades with it first; only its remainder rests', () => {
    const v = l3Venue();
    v.submit(order({ orderType: 'limit', limitPx: 10000, qty: 50 }), at(1));
    v.drain();
    v.onL3Event(l3(at(2), 'add', 9, 'sell', 10000, 80));
    expect(brief(fills(v.drain()))).toEqual([['o1', 'fill', 10000, 50, 0]]);
    const book = v.l3!.book(inst.id);
    expect(book.qtyOf(9)).toBe(30);
    expect(book.isCrossed()).toBe(false);
    // the data still says 80: the 50 we absorbed are counted off its later events first
    expect(v.l3!.deficitOf(9)).toBe(50);
    v.onL3Event(l3(at(3), 'execute', 9, 'sell', 10000, 60));
    expect(book.qtyOf(9)).toBe(20);
    expect(v.l3!.stats.clampedLots).toBe(0);
  });

  it('IOC, FOK and DAY; cancel and replace (size down keeps priority, price change loses it)', () => {
    const v = l3Venue();
    v.submit(order({ clientOrderId: 'fok', qty: 401, tif: 'fok' }), at(1));
    v.submit(
      order({ clientOrderId: 'ioc', side: 'sell', orderType: 'limit', limitPx: 10000, qty: 5, tif: 'ioc' }),
      at(1)
    );
    v.submit(order({ clientOrderId: 'd', orderType: 'limit', limitPx: 9999, qty: 60, tif: 'day' }), at(1));
    expect(brief(v.drain()).map((r) => r.slice(0, 2))).toEqual([
      ['fok', 'accepted'],
      ['fok', 'canceled'],
      ['ioc', 'accepted'],
      ['ioc', 'canceled'],
      ['d', 'accepted']
    ]);
    v.onL3Event(l3(at(2), 'add', 7, 'buy', 9999, 10));
    v.replace(replace('d', 'd2', { qty: 40 }), at(3));
    v.drain();
    expect(v.queueAhead('d2')).toBe(300);
    v.replace(replace('d2', 'd3', { limitPx: 9998 }), at(4));
    v.replace(replace('d3', 'd4', { limitPx: 9999 }), at(4));
    v.drain();
    expect(v.queueAhead('d4')).toBe(310); // back of the queue, behind order 7
    v.onL3Event(l3(DAY0 + 86_400_000n * MS + 14n * 3_600_000n * MS, 'add', 8, 'buy', 9990, 1)); // next day
    expect(brief(v.drain())).toEqual([['d4', 'expired', 0, 0, 0]]);
    v.submit(order({ clientOrderId: 'c', orderType: 'limit', limitPx: 9990, qty: 5 }), at(86_400_000 + 1));
    v.cancel(cancel('c'), at(86_400_000 + 2));
    expect(brief(v.drain()).map((r) => r.slice(0, 2))).toEqual([
      ['c', 'accepted'],
      ['c', 'canceled']
    ]);
    expect(v.workingCount).toBe(0);
    expect(v.l3!.book(inst.id).orderCount).toBe(6); // market orders 1, 2, 3, 5, 7, 8: no own order left
  });

  it('self-trade prevention: an own order meeting an own resting order cancels its remainder', () => {
    const v = l3Venue();
    v.submit(
      order({ clientOrderId: 'ask', side: 'sell', orderType: 'limit', limitPx: 10000, qty: 10 }),
      at(1)
    );
    v.submit(order({ clientOrderId: 'buy', qty: 10 }), at(2));
    expect(brief(v.drain())).toEqual([
      ['ask', 'accepted', 0, 0, 10],
      ['buy', 'accepted', 0, 0, 10],
      ['buy', 'canceled', 0, 0, 0]
    ]);
    expect(v.queueAhead('ask')).toBe(0);
  });

  it('an own stop triggers on market executions and then walks the book', () => {
    const v = l3Venue();
    v.submit(order({ orderType: 'stop', stopPx: 10001, qty: 10 }), at(1));
    v.replace(replace('o1', 'o2', { qty: 5 }), at(1));
    expect(brief(v.drain()).map((r) => r.slice(0, 2))).toEqual([
      ['o1', 'accepted'],
      ['o2', 'replace_rejected'] // a pending stop cannot be replaced
    ]);
    v.onL3Event(l3(at(2), 'execute', 3, 'sell', 10001, 100));
    expect(brief(fills(v.drain()))).toEqual([['o1', 'fill', 10001, 10, 0]]);
  });

  it('a market add trading with own resting orders moves the last price: own stops trigger on it', () => {
    const v = l3Venue();
    v.submit(
      order({ clientOrderId: 'ask', side: 'sell', orderType: 'limit', limitPx: 10000, qty: 20 }),
      at(1)
    );
    v.submit(order({ clientOrderId: 'stop', orderType: 'stop', stopPx: 10000, qty: 10 }), at(1));
    v.drain();
    v.onL3Event(l3(at(2), 'add', 7, 'buy', 10000, 20)); // a buyer takes our 100.00 ask: the last trade is 100.00
    expect(brief(fills(v.drain()))).toEqual([
      ['ask', 'fill', 10000, 20, 0],
      ['stop', 'fill', 10001, 10, 0] // triggered by that trade, walks the book from the best ask
    ]);
    expect(v.l3!.engine(inst.id).lastTradePrice).toBe(10001);
  });
});

describe('ExecutionEmulator, L3 model on real LOBSTER data (AAPL 2012-06-21, first 999 messages)', () => {
  const msgs = decodeLobsterMessages(
    readFileSync(sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_message_10.first999.csv'))
  );
  const ob = decodeLobsterOrderbook(
    readFileSync(sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first999.csv'))
  );
  const aapl = makeInstrument({
    symbol: 'AAPL',
    venue: 'NASDAQ',
    tickSize: '0.0001',
    lotSize: '1',
    currency: 'USD'
  });
  const DAY = 1_340_236_800_000_000_000n; // 2012-06-21T00:00:00Z (LOBSTER times are seconds after midnight)

  function run(seed: number) {
    const v = new ExecutionEmulator(
      parseEmulatorConfig({
        fillModel: 'l3',
        latency: { networkMs: 0.05, ackMs: 0.1, fillMs: 0.1, jitterMs: 0.05 }
      }),
      new Map([[aapl.id, aapl]]),
      new Rng(seed)
    );
    const ref = new LobsterReplayer();
    ref.initBefore(ob, 0, msgs);
    v.loadBook(aapl.id, ref.book.snapshot());
    const book = v.l3!.book(aapl.id);
    const reports: ExecutionReport[] = [];
    const submitted = new Map<string, number>();
    let n = 0;
    const violations: string[] = [];
    for (let i = 0; i < msgs.length; i++) {
      const ts = DAY + BigInt(msgs.timeNs[i]!);
      v.onLobster(aapl.id, msgs, i, DAY);
      ref.apply(msgs, i);
      if (book.isCrossed()) violations.push(`crossed after message ${i}`);
      if (i % 50 === 10) {
        // own orders every 50 messages: join the best bid, improve the ask, and a small marketable order
        const bb = book.bestBid();
        const ba = book.bestAsk();
        const mk = (over: Parameters<typeof order>[0]) => {
          const id = `L${++n}`;
          submitted.set(id, over!.qty!);
          v.submit(order({ instrumentId: aapl.id, clientOrderId: id, tsInit: ts, ...over }), ts);
        };
        // a market sell meets the market's bids first (own bids join at the back); a market buy would meet
        // our own improving offer first and be cancelled by self-trade prevention
        if (i % 150 === 10) mk({ qty: 30, side: 'sell', tif: 'ioc' });
        mk({ orderType: 'limit', limitPx: bb, qty: 100, side: 'buy' });
        if (ba - bb > 100) mk({ orderType: 'limit', limitPx: ba - 100, qty: 100, side: 'sell' });
      }
      reports.push(...v.drainDue(ts));
    }
    reports.push(...v.drainDue(DAY + 86_399n * 1_000_000_000n));
    return { v, ref, book, reports, submitted, violations };
  }

  it('with own orders resting and trading: the book stays uncrossed and every lot is accounted for', () => {
    const { v, ref, book, reports, submitted, violations } = run(1);
    expect(violations).toEqual([]);
    const f = fills(reports);
    expect(f.length).toBeGreaterThan(5);
    expect(f.some((r) => r.liquidity === 'maker')).toBe(true);
    // 7 market sells of 30 (plus own limits the market moved through while they were on the wire)
    const taken = f.filter((r) => r.liquidity === 'taker').reduce((a, r) => a + r.lastQty, 0);
    expect(taken).toBeGreaterThanOrEqual(7 * 30);
    expect(v.l3!.stats.ownTakenLots).toBe(taken);
    // own orders: cumulative fills + what rests (or was cancelled) = the order's quantity
    for (const [id, qty] of submitted) {
      const rs = reports.filter((r) => r.clientOrderId === id);
      const cum = rs.filter((r) => r.execType === 'fill').reduce((s, r) => s + r.lastQty, 0);
      const last = rs.at(-1)!;
      expect(last.cumQty).toBe(cum);
      expect(cum).toBeLessThanOrEqual(qty);
      if (last.execType === 'fill' || last.execType === 'accepted') expect(cum + last.leavesQty).toBe(qty);
    }
    // the market part of the emulated book = the pure replay, minus exactly what own orders took
    const own = new Map<number, number>();
    let ownResting = 0;
    for (const side of [BookSide.BID, BookSide.ASK] as const) {
      const lad = book.ladder(side);
      for (let l = 0; l < lad.count; l++) {
        for (let o = lad.head[lad.slotAt(l)]!; o >= 0; o = book.orderNext[o]!) {
          if (book.orderOwner[o] === OWN_OWNER) ownResting += book.orderQty[o]!;
          else own.set(book.orderId[o]!, book.orderQty[o]!);
        }
      }
    }
    const refSnap = ref.book.snapshot();
    let mismatches = 0;
    for (const lv of [...refSnap.bids, ...refSnap.asks]) {
      for (const o of lv.orders) {
        if ((own.get(o.id) ?? 0) + v.l3!.deficitOf(o.id) !== o.qty) mismatches++;
        own.delete(o.id);
      }
    }
    expect(mismatches).toBe(0);
    expect([...own.keys()]).toEqual([]); // nothing in the emulated book that the data does not have
    const restingReported = [...submitted.keys()]
      .map((id) => reports.filter((r) => r.clientOrderId === id).at(-1)!)
      .filter((r) => r.execType === 'accepted' || r.execType === 'fill')
      .reduce((s, r) => s + r.leavesQty, 0);
    expect(ownResting).toBe(restingReported);
  });

  it('is deterministic: the same seed gives the identical report sequence, another seed other delivery times', () => {
    const a = run(5).reports;
    expect(run(5).reports).toEqual(a);
    expect(run(6).reports.map((r) => r.tsInit)).not.toEqual(a.map((r) => r.tsInit));
  });
});

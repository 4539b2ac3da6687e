import { describe, expect, it } from 'vitest';
import { auditL3Book } from '../../src/book/book-audit.ts';
import { ExecKind } from '../../src/matching/exec-events.ts';
import { MatchingEngine } from '../../src/matching/matching-engine.ts';
import { Outcome, Reason, TimeInForce } from '../../src/matching/order-types.ts';
import { ASK, BID, ev, limit, market, T } from './support.ts';

function seeded(): MatchingEngine {
  const e = new MatchingEngine();
  e.submit(limit(1, ASK, 101, 5), T);
  e.submit(limit(2, ASK, 101, 5), T);
  e.submit(limit(3, ASK, 102, 10), T);
  e.submit(limit(4, BID, 99, 10), T);
  return e;
}

describe('MatchingEngine: limit and market orders, price-time priority', () => {
  it('a non-crossing limit order rests', () => {
    const e = new MatchingEngine();
    const r = e.submit(limit(1, BID, 100, 10), T);
    expect(r).toMatchObject({ outcome: Outcome.RESTING, filledQty: 0, leavesQty: 10, rejectCode: null });
    expect(ev(e)).toEqual(['ACCEPTED 1 q10 r0']);
    expect(e.book.bestBid()).toBe(100);
  });

  it('a crossing limit walks the book at the makers’ prices, FIFO within a level, and rests the rest', () => {
    const e = seeded();
    const r = e.submit(limit(9, BID, 102, 14), T);
    expect(ev(e)).toEqual([
      'ACCEPTED 9 q14 r0',
      'TRADE 9x1 @101 q5 leaves 9/0',
      'TRADE 9x2 @101 q5 leaves 4/0',
      'TRADE 9x3 @102 q4 leaves 0/6'
    ]);
    expect(r).toMatchObject({ outcome: Outcome.FILLED, filledQty: 14, leavesQty: 0 });
    expect(e.book.qtyOf(3)).toBe(6);
    expect(e.lastTradePrice).toBe(102);

    const r2 = e.submit(limit(10, BID, 102, 10), T);
    expect(r2).toMatchObject({ outcome: Outcome.PARTIALLY_FILLED, filledQty: 6, leavesQty: 4 });
    expect(e.book.bestBid()).toBe(102);
    expect(e.book.asks.count).toBe(0);
    expect(auditL3Book(e.book)).toEqual([]);
  });

  it('the limit price bounds the walk', () => {
    const e = seeded();
    e.submit(limit(9, BID, 101, 20), T);
    expect(e.result).toMatchObject({ outcome: Outcome.PARTIALLY_FILLED, filledQty: 10, leavesQty: 10 });
    expect(e.book.bestAsk()).toBe(102);
    expect(e.book.bestBid()).toBe(101);
  });

  it('time priority: the earlier order at a price fills first; a better price beats an earlier one', () => {
    const e = new MatchingEngine();
    e.submit(limit(1, BID, 100, 5), T);
    e.submit(limit(2, BID, 101, 5), T);
    e.submit(limit(3, BID, 101, 5), T);
    e.submit(limit(9, ASK, 100, 12), T);
    expect(ev(e).slice(1)).toEqual([
      'TRADE 9x2 @101 q5 leaves 7/0',
      'TRADE 9x3 @101 q5 leaves 2/0',
      'TRADE 9x1 @100 q2 leaves 0/3'
    ]);
  });

  it('market orders walk the book; the unfilled remainder is cancelled (NO_LIQUIDITY)', () => {
    const e = seeded();
    const r = e.submit(market(9, BID, 25), T);
    expect(r).toMatchObject({
      outcome: Outcome.CANCELLED,
      filledQty: 20,
      cancelledQty: 5,
      reason: Reason.NO_LIQUIDITY
    });
    expect(ev(e).at(-1)).toBe('CANCELLED 9 q5 r5');
    const r2 = e.submit(market(10, BID, 1, { tif: TimeInForce.GTC }), T); // never rests, even GTC
    expect(r2).toMatchObject({ outcome: Outcome.CANCELLED, filledQty: 0, cancelledQty: 1 });
    expect(e.book.bids.count).toBe(1);
  });

  it('IOC fills what it can and cancels the rest; it never rests', () => {
    const e = seeded();
    const r = e.submit(limit(9, BID, 101, 12, { tif: TimeInForce.IOC }), T);
    expect(r).toMatchObject({
      outcome: Outcome.CANCELLED,
      filledQty: 10,
      cancelledQty: 2,
      reason: Reason.IOC
    });
    expect(e.book.bestBid()).toBe(99);
  });

  it('FOK is all or nothing: no trade at all when it cannot fill completely', () => {
    const e = seeded();
    const before = JSON.stringify(e.book.snapshot());
    const r = e.submit(limit(9, BID, 101, 11, { tif: TimeInForce.FOK }), T);
    expect(r).toMatchObject({
      outcome: Outcome.CANCELLED,
      filledQty: 0,
      cancelledQty: 11,
      reason: Reason.FOK
    });
    expect(ev(e)).toEqual(['ACCEPTED 9 q11 r0', 'CANCELLED 9 q11 r3']);
    expect(JSON.stringify(e.book.snapshot())).toBe(before);
    const r2 = e.submit(limit(10, BID, 102, 20, { tif: TimeInForce.FOK }), T);
    expect(r2).toMatchObject({ outcome: Outcome.FILLED, filledQty: 20 });
    const r3 = e.submit(market(11, ASK, 11, { tif: TimeInForce.FOK }), T);
    expect(r3).toMatchObject({ outcome: Outcome.CANCELLED, filledQty: 0 });
  });

  it('a large aggressive order walking 1,000 makers grows the event buffer', () => {
    const e = new MatchingEngine({ capacity: 4 });
    for (let i = 0; i < 1000; i++) e.submit(limit(i + 1, ASK, 1000 + (i % 50), 1), T);
    const r = e.submit(market(5000, BID, 1000), T);
    expect(r.filledQty).toBe(1000);
    expect(e.events.count).toBe(1001);
    let lastPx = 0;
    for (let i = 1; i < e.events.count; i++) {
      expect(e.events.priceAt(i) >= lastPx).toBe(true);
      lastPx = e.events.priceAt(i);
    }
    expect(e.book.orderCount).toBe(0);
  });
});

describe('MatchingEngine: rejects and cancels', () => {
  it('invalid orders are rejected with TRD_ERR_ORDER_INVALID, never thrown', () => {
    const e = new MatchingEngine();
    for (const bad of [
      limit(1, BID, 100, 0),
      limit(1, BID, 100, 1.5),
      limit(1, BID, 100, Number.NaN),
      limit(1, BID, 100.5, 1),
      limit(Number.NaN, BID, 100, 1),
      limit(1, 7 as 0, 100, 1),
      limit(1, BID, 100, 1, { tif: 9 as 0 }),
      limit(1, BID, 100, 1, { owner: 1.5 }),
      limit(1, BID, 100, 1, { type: 2, stopPrice: Number.NaN })
    ]) {
      const r = e.submit(bad, T);
      expect(r.outcome).toBe(Outcome.REJECTED);
      expect(r.rejectCode).toBe('TRD_ERR_ORDER_INVALID');
      expect(e.events.kindAt(0)).toBe(ExecKind.REJECTED);
    }
    expect(e.book.orderCount).toBe(0);
  });

  it('a live id is a duplicate', () => {
    const e = seeded();
    expect(e.submit(limit(1, BID, 50, 1), T).rejectCode).toBe('TRD_ERR_DUPLICATE_ORDER_ID');
  });

  it('cancel removes a resting order; an unknown id is rejected with TRD_ERR_UNKNOWN_ORDER', () => {
    const e = seeded();
    expect(e.cancel(1, T)).toMatchObject({
      outcome: Outcome.CANCELLED,
      cancelledQty: 5,
      reason: Reason.USER
    });
    expect(e.book.bestAskQty()).toBe(5);
    expect(e.cancel(1, T)).toMatchObject({ outcome: Outcome.REJECTED, rejectCode: 'TRD_ERR_UNKNOWN_ORDER' });
  });
});

describe('MatchingEngine: self-trade prevention', () => {
  function own(): MatchingEngine {
    const e = new MatchingEngine();
    e.submit(limit(1, ASK, 101, 5, { owner: 7 }), T);
    e.submit(limit(2, ASK, 101, 5, { owner: 8 }), T);
    return e;
  }

  it('cancel newest: the incoming remainder is cancelled, the resting order stays', () => {
    const e = own();
    const r = e.submit(limit(9, BID, 101, 10, { owner: 7, stp: 1 }), T);
    expect(r).toMatchObject({
      outcome: Outcome.CANCELLED,
      filledQty: 0,
      cancelledQty: 10,
      reason: Reason.STP
    });
    expect(e.book.qtyOf(1)).toBe(5);
  });

  it('cancel oldest: the resting order is cancelled and matching continues', () => {
    const e = own();
    const r = e.submit(limit(9, BID, 101, 10, { owner: 7, stp: 2 }), T);
    expect(ev(e)).toEqual(['ACCEPTED 9 q10 r0', 'CANCELLED 1 q5 r4', 'TRADE 9x2 @101 q5 leaves 5/0']);
    expect(r).toMatchObject({ outcome: Outcome.PARTIALLY_FILLED, filledQty: 5, leavesQty: 5 });
    expect(e.book.has(1)).toBe(false);
  });

  it('cancel both: both go', () => {
    const e = own();
    const r = e.submit(limit(9, BID, 101, 10, { owner: 7, stp: 3 }), T);
    expect(ev(e)).toEqual(['ACCEPTED 9 q10 r0', 'CANCELLED 1 q5 r4', 'CANCELLED 9 q10 r4']);
    expect(r.outcome).toBe(Outcome.CANCELLED);
    expect(e.book.has(1)).toBe(false);
    expect(e.book.qtyOf(2)).toBe(5);
  });

  it('no STP mode, or owner 0, allows the match', () => {
    const e = own();
    e.submit(limit(9, BID, 101, 5, { owner: 7 }), T);
    expect(ev(e)[1]).toBe('TRADE 9x1 @101 q5 leaves 0/0');
    const f = new MatchingEngine();
    f.submit(limit(1, ASK, 101, 5), T);
    f.submit(limit(9, BID, 101, 5, { stp: 1 }), T);
    expect(f.result.outcome).toBe(Outcome.FILLED);
  });

  it('FOK counts liquidity as STP would: an own order blocks under cancel-newest', () => {
    const e = own();
    const r = e.submit(limit(9, BID, 101, 5, { owner: 7, stp: 1, tif: TimeInForce.FOK }), T);
    expect(r).toMatchObject({ outcome: Outcome.CANCELLED, reason: Reason.FOK, filledQty: 0 });
    const r2 = e.submit(limit(10, BID, 101, 5, { owner: 7, stp: 2, tif: TimeInForce.FOK }), T);
    expect(r2).toMatchObject({ outcome: Outcome.FILLED });
  });
});

describe('MatchingEngine: cancel-replace', () => {
  it('a size decrease keeps time priority', () => {
    const e = seeded();
    const r = e.replace(1, 3, 101, T);
    expect(r).toMatchObject({ outcome: Outcome.RESTING, leavesQty: 3, reason: Reason.KEPT_PRIORITY });
    expect(e.book.queuePosition(1)).toBe(0);
    expect(e.book.queuePosition(2)).toBe(3);
  });

  it('a size increase loses time priority', () => {
    const e = seeded();
    const r = e.replace(1, 6, 101, T);
    expect(r).toMatchObject({ outcome: Outcome.RESTING, leavesQty: 6, reason: Reason.LOST_PRIORITY });
    expect(ev(e)[0]).toBe('REPLACED 1 q6 r13');
    expect(e.book.queuePosition(1)).toBe(5);
    expect(e.book.queuePosition(2)).toBe(0);
  });

  it('a price change loses priority, and a crossing price trades like a new order', () => {
    const e = seeded();
    e.submit(limit(5, BID, 99, 4), T);
    e.replace(4, 10, 98, T);
    e.replace(4, 10, 99, T);
    expect(e.book.queuePosition(4)).toBe(4);
    const r = e.replace(4, 12, 101, T);
    expect(ev(e)).toEqual([
      'REPLACED 4 q12 r13',
      'TRADE 4x1 @101 q5 leaves 7/0',
      'TRADE 4x2 @101 q5 leaves 2/0'
    ]);
    expect(r).toMatchObject({ outcome: Outcome.PARTIALLY_FILLED, filledQty: 10, leavesQty: 2 });
  });

  it('replace keeps the order’s time in force and owner', () => {
    const e = new MatchingEngine({ session: { openNs: 0, closeNs: 57_600e9, outside: 'reject' } });
    e.submit(limit(1, BID, 100, 5, { tif: TimeInForce.DAY, owner: 3 }), T);
    e.replace(1, 5, 101, T);
    expect(e.book.orderOwner[e.book.slotOf(1)]).toBe(3);
    e.advanceTime(58_000e9);
    expect(e.book.has(1)).toBe(false); // still DAY: expired at the close
  });

  it('unknown, pending-stop, invalid and out-of-band replaces are rejected with codes', () => {
    const e = new MatchingEngine({ priceBandBps: 100 });
    e.setReferencePrice(10_000);
    e.submit(limit(1, BID, 10_000, 5), T);
    e.submit(limit(2, BID, 0, 5, { type: 2, stopPrice: 10_050 }), T);
    expect(e.replace(99, 1, 1, T).rejectCode).toBe('TRD_ERR_UNKNOWN_ORDER');
    expect(e.replace(2, 1, 1, T).rejectCode).toBe('TRD_ERR_ORDER_INVALID');
    expect(e.replace(1, 0, 10_000, T).rejectCode).toBe('TRD_ERR_ORDER_INVALID');
    expect(e.replace(1, 5, 10_101, T).rejectCode).toBe('TRD_ERR_PRICE_BAND');
    expect(e.book.qtyOf(1)).toBe(5);
  });
});

import { describe, expect, it } from 'vitest';
import { auditL3Book } from '../../src/book/book-audit.ts';
import { MatchingEngine } from '../../src/matching/matching-engine.ts';
import { OrderType, Outcome, Reason, TimeInForce } from '../../src/matching/order-types.ts';
import { bandHalfWidth, withinBand } from '../../src/matching/price-band.ts';
import { inSession, sessionTime } from '../../src/matching/trading-session.ts';
import { ASK, BID, ev, limit, market } from './support.ts';

const OPEN = sessionTime('09:30');
const CLOSE = sessionTime('16:00');
const NOON = sessionTime('12:00');

describe('trading hours', () => {
  it('session arithmetic, including sessions across midnight', () => {
    expect(OPEN).toBe(34_200e9);
    const s = { openNs: OPEN, closeNs: CLOSE, outside: 'reject' as const };
    expect(inSession(s, OPEN)).toBe(true);
    expect(inSession(s, CLOSE)).toBe(false);
    expect(inSession(s, OPEN - 1)).toBe(false);
    const night = { openNs: sessionTime('18:00'), closeNs: sessionTime('17:00'), outside: 'reject' as const };
    expect(inSession(night, sessionTime('02:00'))).toBe(true);
    expect(inSession(night, sessionTime('17:30'))).toBe(false);
    expect(() => sessionTime('9:30')).toThrow(expect.objectContaining({ code: 'TRD_ERR_CONFIG_INVALID' }));
  });

  it('reject policy: orders outside the session are rejected with TRD_ERR_MARKET_CLOSED', () => {
    const e = new MatchingEngine({ session: { openNs: OPEN, closeNs: CLOSE, outside: 'reject' } });
    const r = e.submit(limit(1, BID, 100, 1), OPEN - 1);
    expect(r).toMatchObject({ outcome: Outcome.REJECTED, rejectCode: 'TRD_ERR_MARKET_CLOSED' });
    expect(e.submit(limit(1, BID, 100, 1), OPEN).outcome).toBe(Outcome.RESTING);
    expect(e.submit(limit(2, BID, 100, 1), CLOSE).rejectCode).toBe('TRD_ERR_MARKET_CLOSED');
  });

  it('hold policy: orders wait and are released in arrival order at the open', () => {
    const e = new MatchingEngine({ session: { openNs: OPEN, closeNs: CLOSE, outside: 'hold' } });
    expect(e.submit(limit(1, ASK, 100, 5), sessionTime('08:00'))).toMatchObject({
      outcome: Outcome.HELD,
      leavesQty: 5
    });
    e.submit(limit(2, BID, 100, 3), sessionTime('08:01'));
    e.submit(limit(3, BID, 100, 3), sessionTime('08:02'));
    expect(e.cancel(3, sessionTime('08:03')).outcome).toBe(Outcome.CANCELLED);
    expect(e.heldCount).toBe(2);
    expect(e.book.orderCount).toBe(0);
    e.advanceTime(OPEN);
    expect(ev(e)).toEqual([
      'RELEASED 1 q5 r0',
      'ACCEPTED 1 q5 r0',
      'RELEASED 2 q3 r0',
      'ACCEPTED 2 q3 r0',
      'TRADE 2x1 @100 q3 leaves 0/2'
    ]);
    expect(e.heldCount).toBe(0);
  });

  it('DAY orders (and DAY stops) expire at the close; GTC orders stay; a new day also closes the old one', () => {
    const e = new MatchingEngine({ session: { openNs: OPEN, closeNs: CLOSE, outside: 'reject' } });
    e.submit(limit(1, BID, 100, 1, { tif: TimeInForce.DAY }), NOON);
    e.submit(limit(2, BID, 100, 1), NOON);
    e.submit(limit(3, BID, 0, 1, { type: OrderType.STOP, stopPrice: 200, tif: TimeInForce.DAY }), NOON);
    e.advanceTime(CLOSE);
    expect(ev(e)).toEqual(['CANCELLED 1 q1 r7', 'CANCELLED 3 q1 r7']);
    expect(e.book.has(2)).toBe(true);

    e.advanceTime(NOON); // next day
    e.submit(limit(4, BID, 100, 1, { tif: TimeInForce.DAY }), NOON);
    e.advanceTime(OPEN); // earlier clock = a new day: yesterday's session closed
    expect(ev(e)).toEqual(['CANCELLED 4 q1 r7']);
  });

  it('a session spanning midnight (18:00–17:00): past midnight it goes on; its DAY orders expire at its close', () => {
    const night = () =>
      new MatchingEngine({
        session: { openNs: sessionTime('18:00'), closeNs: sessionTime('17:00'), outside: 'reject' }
      });
    const day = { tif: TimeInForce.DAY };
    const e = night();
    expect(e.submit(limit(1, BID, 100, 1, day), sessionTime('20:00')).outcome).toBe(Outcome.RESTING);
    expect(e.advanceTime(sessionTime('01:00'))).toBe(0); // the same session, after midnight
    expect(e.advanceTime(sessionTime('16:59'))).toBe(0);
    expect(e.book.has(1)).toBe(true);
    e.advanceTime(sessionTime('17:00'));
    expect(ev(e)).toEqual(['CANCELLED 1 q1 r7']);

    // from the morning part on past the close, even when the next call is in the evening part (open again)
    const m = night();
    m.submit(limit(2, BID, 100, 1, day), sessionTime('02:00'));
    m.advanceTime(sessionTime('19:00'));
    expect(ev(m)).toEqual(['CANCELLED 2 q1 r7']);
    // an earlier time in the evening part is a day later: the close has passed
    m.submit(limit(3, BID, 100, 1, day), sessionTime('20:00'));
    m.advanceTime(sessionTime('19:00'));
    expect(ev(m)).toEqual(['CANCELLED 3 q1 r7']);
  });

  it('stops do not trigger while the session is closed: an after-hours price is acted on at the next open', () => {
    const e = new MatchingEngine({ session: { openNs: OPEN, closeNs: CLOSE, outside: 'reject' } });
    e.submit(limit(1, ASK, 105, 5), NOON); // GTC
    e.submit(limit(2, BID, 0, 5, { type: OrderType.STOP, stopPrice: 103 }), NOON); // GTC buy stop, pending
    e.advanceTime(CLOSE);
    expect(e.updateLastPrice(104, sessionTime('17:00'))).toBe(0); // after hours: reached, not triggered
    expect(e.stops.has(2)).toBe(true);
    expect(e.book.has(1)).toBe(true);
    e.advanceTime(sessionTime('08:00')); // next day, still closed
    expect(ev(e)).toEqual([]);
    e.advanceTime(OPEN);
    expect(ev(e)).toEqual(['TRIGGERED 2 q5 r0', 'TRADE 2x1 @105 q5 leaves 0/0']);

    // a later print back below the stop while closed: evaluated at the open against that last price
    const f = new MatchingEngine({ session: { openNs: OPEN, closeNs: CLOSE, outside: 'reject' } });
    f.submit(limit(1, ASK, 105, 5), NOON);
    f.submit(limit(2, BID, 0, 5, { type: OrderType.STOP, stopPrice: 103 }), NOON);
    f.updateLastPrice(104, sessionTime('17:00'));
    f.updateLastPrice(102, sessionTime('18:00'));
    f.advanceTime(sessionTime('08:00'));
    expect(f.advanceTime(OPEN)).toBe(0);
    expect(f.stops.has(2)).toBe(true);
  });

  it('expiry sweeps every level and queue position, leaving GTC orders in place and in order', () => {
    const e = new MatchingEngine();
    let id = 1;
    for (let px = 90; px < 100; px++) {
      for (let k = 0; k < 3; k++) {
        e.submit(limit(id++, BID, px, 1, { tif: (px + k) % 2 === 0 ? TimeInForce.DAY : TimeInForce.GTC }), 0);
        e.submit(limit(id++, ASK, px + 20, 1, { tif: k === 1 ? TimeInForce.DAY : TimeInForce.GTC }), 0);
      }
    }
    const before = e.book.snapshot();
    const n = e.expireDayOrders();
    expect(n).toBe(15 + 10);
    expect(e.events.count).toBe(25);
    const after = e.book.snapshot();
    const keep = (levels: typeof before.bids) =>
      levels
        .flatMap((l) => l.orders.map((o) => o.id))
        .filter((oid) => !e.events.toArray().some((x) => x.orderId === oid));
    expect(after.bids.flatMap((l) => l.orders.map((o) => o.id))).toEqual(keep(before.bids));
    expect(after.asks.flatMap((l) => l.orders.map((o) => o.id))).toEqual(keep(before.asks));
    expect(auditL3Book(e.book)).toEqual([]);
  });

  it('without a session nothing is gated; expireDayOrders() is explicit', () => {
    const e = new MatchingEngine();
    e.submit(limit(1, BID, 100, 1, { tif: TimeInForce.DAY }), 0);
    expect(e.expireDayOrders()).toBe(1);
  });
});

describe('price bands', () => {
  it('band edges are exact ticks', () => {
    expect(bandHalfWidth(10_000, 500)).toBe(500);
    expect(bandHalfWidth(10_001, 500)).toBe(500);
    expect(withinBand(10_500, 10_000, 500)).toBe(true);
    expect(withinBand(10_501, 10_000, 500)).toBe(false);
    expect(withinBand(1e9, Number.NaN, 500)).toBe(true);
  });

  it('limit orders outside the band are rejected with TRD_ERR_PRICE_BAND; inside are accepted', () => {
    const e = new MatchingEngine({ priceBandBps: 500 });
    e.setReferencePrice(10_000);
    expect(e.submit(limit(1, BID, 9_499, 1), 0)).toMatchObject({
      outcome: Outcome.REJECTED,
      rejectCode: 'TRD_ERR_PRICE_BAND'
    });
    expect(e.submit(limit(2, ASK, 10_501, 1), 0).rejectCode).toBe('TRD_ERR_PRICE_BAND');
    expect(e.submit(limit(3, BID, 9_500, 1), 0).outcome).toBe(Outcome.RESTING);
    expect(e.submit(limit(4, ASK, 10_500, 1), 0).outcome).toBe(Outcome.RESTING);
  });

  it('the reference follows the last trade when none is set', () => {
    const e = new MatchingEngine({ priceBandBps: 100 });
    expect(e.submit(limit(1, ASK, 5_000, 1), 0).outcome).toBe(Outcome.RESTING); // no reference yet
    e.submit(limit(2, BID, 5_000, 1), 0); // trade at 5000
    expect(e.referencePrice).toBe(5_000);
    expect(e.submit(limit(3, BID, 4_949, 1), 0).rejectCode).toBe('TRD_ERR_PRICE_BAND');
  });

  it('market orders do not trade beyond the band; the remainder is cancelled for PRICE_BAND', () => {
    const e = new MatchingEngine({ priceBandBps: 100 });
    e.submit(limit(1, ASK, 10_050, 1), 0);
    e.submit(limit(2, ASK, 10_100, 1), 0);
    e.submit(limit(3, ASK, 10_200, 5), 0);
    e.setReferencePrice(10_000);
    const r = e.submit(market(9, BID, 5), 0);
    expect(r).toMatchObject({
      outcome: Outcome.CANCELLED,
      filledQty: 2,
      cancelledQty: 3,
      reason: Reason.PRICE_BAND
    });
    expect(e.book.bestAsk()).toBe(10_200);
  });
});

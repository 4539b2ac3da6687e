import { describe, expect, it } from 'vitest';
import { MatchingEngine } from '../../src/matching/matching-engine.ts';
import { OrderType, Outcome, TimeInForce } from '../../src/matching/order-types.ts';
import { ASK, BID, ev, limit, market, T } from './support.ts';

function stop(id: number, side: 0 | 1, stopPrice: number, qty: number, limitPx?: number) {
  return limit(id, side, limitPx ?? 0, qty, {
    type: limitPx === undefined ? OrderType.STOP : OrderType.STOP_LIMIT,
    stopPrice
  });
}

/** A book with asks 101..105 (5 lots each) and bids 95..99, last trade none. */
function ladder(): MatchingEngine {
  const e = new MatchingEngine();
  for (let i = 0; i < 5; i++) {
    e.submit(limit(100 + i, ASK, 101 + i, 5), T);
    e.submit(limit(200 + i, BID, 99 - i, 5), T);
  }
  return e;
}

describe('MatchingEngine: stop and stop-limit orders', () => {
  it('a buy stop waits until the last trade reaches its stop, then trades as a market order', () => {
    const e = ladder();
    expect(e.submit(stop(1, BID, 102, 6), T)).toMatchObject({
      outcome: Outcome.PENDING_TRIGGER,
      leavesQty: 6
    });
    expect(e.stops.size).toBe(1);
    e.submit(market(2, BID, 5), T); // trades at 101: below the stop
    expect(e.stops.size).toBe(1);
    e.submit(market(3, BID, 1), T); // trades at 102: triggers
    expect(ev(e)).toEqual([
      'ACCEPTED 3 q1 r0',
      'TRADE 3x101 @102 q1 leaves 0/4',
      'TRIGGERED 1 q6 r0',
      'TRADE 1x101 @102 q4 leaves 2/0',
      'TRADE 1x102 @103 q2 leaves 0/3'
    ]);
    expect(e.stops.size).toBe(0);
    expect(e.result.outcome).toBe(Outcome.FILLED); // the result is the submitted order's (3)
  });

  it('a sell stop-limit triggers into a limit order that rests what it cannot fill', () => {
    const e = ladder();
    e.submit(stop(1, ASK, 98, 12, 97), T);
    e.submit(market(2, ASK, 6), T); // 99 x5, 98 x1 → last 98 triggers
    const k = ev(e);
    expect(k).toContain('TRIGGERED 1 q12 r0');
    expect(k.slice(k.indexOf('TRIGGERED 1 q12 r0') + 1)).toEqual([
      'TRADE 1x201 @98 q4 leaves 8/0',
      'TRADE 1x202 @97 q5 leaves 3/0'
    ]);
    expect(e.book.bestAsk()).toBe(97); // the remainder rests at its limit
    expect(e.book.qtyOf(1)).toBe(3);
  });

  it('a stop whose trigger is already reached triggers on arrival', () => {
    const e = ladder();
    e.submit(market(2, BID, 1), T); // last = 101
    e.submit(stop(1, BID, 100, 2), T);
    expect(ev(e)).toEqual(['ACCEPTED 1 q2 r0', 'TRIGGERED 1 q2 r0', 'TRADE 1x100 @101 q2 leaves 0/2']);
    expect(e.result.outcome).toBe(Outcome.FILLED);
  });

  it('stops cascade: one stop’s trades trigger the next, lowest buy stop first', () => {
    const e = ladder();
    e.submit(stop(1, BID, 103, 5), T);
    e.submit(stop(2, BID, 102, 5), T);
    e.submit(market(3, BID, 6), T); // 101x5, 102x1 → last 102 → stop 2 (102) fires: 102x4, 103x1 → stop 1 fires
    const k = ev(e).filter((x) => x.startsWith('TRIGGERED'));
    expect(k).toEqual(['TRIGGERED 2 q5 r0', 'TRIGGERED 1 q5 r0']);
    expect(e.stops.size).toBe(0);
    expect(e.book.bestAsk()).toBe(104);
  });

  it('external trade prices trigger stops too (backtest feed)', () => {
    const e = ladder();
    e.submit(stop(1, ASK, 97, 3), T);
    expect(e.updateLastPrice(98, T)).toBe(0);
    expect(e.updateLastPrice(97, T)).toBeGreaterThan(0);
    expect(ev(e)[0]).toBe('TRIGGERED 1 q3 r0');
  });

  it('pending stops can be cancelled and their ids are live (duplicates rejected)', () => {
    const e = ladder();
    e.submit(stop(1, BID, 150, 3), T);
    expect(e.submit(limit(1, BID, 50, 1), T).rejectCode).toBe('TRD_ERR_DUPLICATE_ORDER_ID');
    expect(e.cancel(1, T)).toMatchObject({ outcome: Outcome.CANCELLED, cancelledQty: 3 });
    expect(e.stops.size).toBe(0);
    e.updateLastPrice(200, T);
    expect(e.events.count).toBe(0);
  });

  it('FIFO among stops with the same trigger', () => {
    const e = ladder();
    e.submit(stop(1, BID, 101, 1), T);
    e.submit(stop(2, BID, 101, 1), T);
    e.submit(stop(3, BID, 101, 1), T);
    e.updateLastPrice(101, T);
    expect(ev(e).filter((x) => x.startsWith('TRIGGERED'))).toEqual([
      'TRIGGERED 1 q1 r0',
      'TRIGGERED 2 q1 r0',
      'TRIGGERED 3 q1 r0'
    ]);
  });

  it('a triggered IOC stop-limit cancels its remainder', () => {
    const e = ladder();
    e.submit(limit(1, BID, 0, 8, { type: OrderType.STOP_LIMIT, stopPrice: 101, tif: TimeInForce.IOC }), T);
    e.submit(limit(2, BID, 101, 1), T);
    e.submit(
      limit(3, BID, 0, 8, { type: OrderType.STOP_LIMIT, stopPrice: 101, price: 101, tif: TimeInForce.IOC }),
      T
    );
    expect(ev(e).at(-1)).toBe('CANCELLED 3 q4 r2');
  });
});

import { describe, expect, it } from 'vitest';
import type { Nanos } from '../../../src/core/nanos.ts';
import { nyseDayOrderClose } from '../../../src/data/nyse-calendar.ts';
import { brief, emulator, order, quote } from './support.ts';

/** A UTC instant as bigint nanoseconds. */
const utc = (iso: string): Nanos => BigInt(Date.parse(iso)) * 1_000_000n;

/** A DAY buy limit at 99.90 sent at `sent`, resting under a 99.99 / 100.01 market quoted just before it. */
function restingDayBuy(dayOrders: 'utc-day' | 'nyse', sent: Nanos) {
  const v = emulator({ fillModel: 'quote', dayOrders });
  v.onQuote(quote(sent - 1_000_000n, 9999, 500, 10001, 500));
  v.submit(order({ orderType: 'limit', limitPx: 9990, tif: 'day', qty: 10 }), sent);
  v.onQuote(quote(sent + 1_000_000n, 9999, 500, 10001, 500));
  expect(brief(v.drain())).toEqual([['o1', 'accepted', 0, 0, 10]]);
  return v;
}

describe('DAY orders: when they expire', () => {
  it('nyseDayOrderClose: the session an order belongs to, with DST, weekends, holidays and early closes', () => {
    // 2023-11-14 is a Tuesday in standard time: the close is 16:00 EST = 21:00 UTC
    expect(nyseDayOrderClose(utc('2023-11-14T15:00:00Z'))).toBe(utc('2023-11-14T21:00:00Z'));
    expect(nyseDayOrderClose(utc('2023-11-14T08:00:00Z'))).toBe(utc('2023-11-14T21:00:00Z')); // pre-market
    // at or after the close: the next trading day's session
    expect(nyseDayOrderClose(utc('2023-11-14T21:00:00Z'))).toBe(utc('2023-11-15T21:00:00Z'));
    // Saturday → Monday
    expect(nyseDayOrderClose(utc('2023-11-18T15:00:00Z'))).toBe(utc('2023-11-20T21:00:00Z'));
    // Thanksgiving (closed) → the day after, an early close at 13:00 EST = 18:00 UTC
    expect(nyseDayOrderClose(utc('2023-11-23T15:00:00Z'))).toBe(utc('2023-11-24T18:00:00Z'));
    // summer: 16:00 EDT = 20:00 UTC
    expect(nyseDayOrderClose(utc('2023-07-12T14:00:00Z'))).toBe(utc('2023-07-12T20:00:00Z'));
  });

  it('nyse: a DAY order expires at the close, so an after-hours quote through its limit does not fill it', () => {
    const v = restingDayBuy('nyse', utc('2023-11-14T15:00:00Z'));
    v.onQuote(quote(utc('2023-11-14T21:30:00Z'), 9970, 500, 9980, 500)); // 16:30 New York
    expect(brief(v.drain())).toEqual([['o1', 'expired', 0, 0, 0]]);
  });

  it('utc-day: the same order lives to the end of the UTC day and the after-hours quote fills it', () => {
    const v = restingDayBuy('utc-day', utc('2023-11-14T15:00:00Z'));
    v.onQuote(quote(utc('2023-11-14T21:30:00Z'), 9970, 500, 9980, 500));
    expect(brief(v.drain())).toEqual([['o1', 'fill', 9990, 10, 0]]);
  });

  it('nyse: an order sent after the close works through the next session', () => {
    const v = restingDayBuy('nyse', utc('2023-11-14T22:00:00Z'));
    v.onQuote(quote(utc('2023-11-15T02:00:00Z'), 9999, 500, 10001, 500)); // a new UTC day: still alive
    expect(v.drain()).toEqual([]);
    v.onQuote(quote(utc('2023-11-15T15:00:00Z'), 9970, 500, 9980, 500));
    expect(brief(v.drain())).toEqual([['o1', 'fill', 9990, 10, 0]]);
  });

  it('nyse: on an early close the order expires at 13:00 New York', () => {
    const v = restingDayBuy('nyse', utc('2023-11-24T15:00:00Z'));
    v.onQuote(quote(utc('2023-11-24T17:59:00Z'), 9999, 500, 10001, 500));
    expect(v.drain()).toEqual([]);
    v.onQuote(quote(utc('2023-11-24T18:00:00Z'), 9999, 500, 10001, 500));
    expect(brief(v.drain())).toEqual([['o1', 'expired', 0, 0, 0]]);
  });
});

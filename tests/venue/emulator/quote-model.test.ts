import { describe, expect, it } from 'vitest';
import { brief, emulator, fills, MS, order, quote, replace, T0, trade } from './support.ts';

const at = (ms: number) => T0 + BigInt(ms) * MS;

function quoteVenue(cfg: Parameters<typeof emulator>[0] = {}) {
  const v = emulator({ fillModel: 'quote', ...cfg });
  v.onQuote(quote(at(0), 9999, 500, 10001, 300));
  return v;
}

describe('ExecutionEmulator, quote (L1) fill model: taking', () => {
  it('a market buy crosses the spread: it pays the ask, not the mid or the bid', () => {
    const v = quoteVenue();
    v.submit(order({ qty: 100 }), at(1));
    expect(fills(v.drain())[0]).toMatchObject({ lastPx: 10001, lastQty: 100, liquidity: 'taker' });
    v.submit(order({ clientOrderId: 's', side: 'sell', qty: 100 }), at(1));
    expect(fills(v.drain())[0]).toMatchObject({ lastPx: 9999 });
  });

  it('never more than the displayed size: the remainder of a market order fills on later quotes', () => {
    const v = quoteVenue();
    v.submit(order({ qty: 500 }), at(1));
    v.onQuote(quote(at(2), 9999, 500, 10002, 150));
    v.onQuote(quote(at(3), 9999, 500, 10003, 100));
    expect(brief(fills(v.drain()))).toEqual([
      ['o1', 'fill', 10001, 300, 200],
      ['o1', 'fill', 10002, 150, 50],
      ['o1', 'fill', 10003, 50, 0]
    ]);
  });

  it('two orders on one quote share its displayed size; participation caps each order', () => {
    const v = quoteVenue({ liquidity: { maxParticipation: 0.5 } });
    v.submit(order({ clientOrderId: 'a', qty: 200, tif: 'ioc' }), at(1));
    v.submit(order({ clientOrderId: 'b', qty: 200, tif: 'ioc' }), at(1));
    v.submit(order({ clientOrderId: 'c', qty: 200, tif: 'ioc' }), at(1));
    expect(brief(fills(v.drain()))).toEqual([
      ['a', 'fill', 10001, 150, 50],
      ['b', 'fill', 10001, 150, 50]
    ]);
  });

  it('IOC cancels what the quote cannot fill; FOK fills all from one quote or nothing', () => {
    const v = quoteVenue();
    v.submit(order({ clientOrderId: 'i', qty: 400, tif: 'ioc' }), at(1));
    v.submit(order({ clientOrderId: 'f', side: 'sell', qty: 501, tif: 'fok' }), at(1));
    v.submit(order({ clientOrderId: 'g', side: 'sell', qty: 500, tif: 'fok' }), at(1));
    expect(brief(v.drain())).toEqual([
      ['i', 'accepted', 0, 0, 400],
      ['i', 'fill', 10001, 300, 100],
      ['i', 'canceled', 0, 0, 0],
      ['f', 'accepted', 0, 0, 501],
      ['f', 'canceled', 0, 0, 0],
      ['g', 'accepted', 0, 0, 500],
      ['g', 'fill', 9999, 500, 0]
    ]);
  });

  it('a marketable limit takes at the ask (never beyond its limit) and rests the rest at its limit', () => {
    const v = quoteVenue({ slippageBps: 5 });
    v.submit(order({ orderType: 'limit', limitPx: 10003, qty: 400 }), at(1));
    const rs = v.drain();
    // slippage would be 100.01 + 6 ticks: capped at the 100.03 limit
    expect(brief(fills(rs))).toEqual([['o1', 'fill', 10003, 300, 100]]);
    expect(v.queueAhead('o1')).toBe(0); // rests at 100.03, better than the 99.99 bid
  });

  it('slippage and impact apply on top of the spread for market orders', () => {
    const v = quoteVenue({ slippageBps: 1, impact: { model: 'sqrt', coefficient: 20 } });
    v.submit(order({ qty: 75 }), at(1));
    // ask 10 001; slippage ⌈1.0001⌉ = 2; impact 10 001 × 0.002 × √(75/300) = 10.001 → 11
    expect(fills(v.drain())[0]!.lastPx).toBe(10001 + 2 + 11);
  });

  it('a stop triggers on the touch and takes the quote', () => {
    const v = quoteVenue();
    v.submit(order({ orderType: 'stop', stopPx: 10010, qty: 50 }), at(1));
    v.onQuote(quote(at(2), 10000, 100, 10005, 100));
    expect(fills(v.drain())).toEqual([]);
    v.onQuote(quote(at(3), 10008, 100, 10012, 100));
    expect(fills(v.drain())[0]).toMatchObject({ lastPx: 10012, lastQty: 50 });
  });

  it('a stop whose trigger the touch has already reached triggers on arrival, not at the next quote', () => {
    const v = quoteVenue();
    v.submit(order({ clientOrderId: 'b', orderType: 'stop', stopPx: 10000, qty: 50 }), at(1));
    v.submit(order({ clientOrderId: 's', side: 'sell', orderType: 'stop', stopPx: 10000, qty: 50 }), at(1));
    v.submit(order({ clientOrderId: 'w', orderType: 'stop', stopPx: 10002, qty: 50 }), at(1));
    expect(fills(v.drainDue(at(5))).map((f) => [f.clientOrderId, f.lastPx, f.tsEvent])).toEqual([
      ['b', 10001, at(1)],
      ['s', 9999, at(1)]
    ]);
  });

  it('without a quote: market GTC waits, IOC is cancelled', () => {
    const v = emulator({ fillModel: 'quote' });
    v.submit(order({ clientOrderId: 'm' }), at(0));
    v.submit(order({ clientOrderId: 'i', tif: 'ioc' }), at(0));
    expect(brief(v.drain()).map((r) => r.slice(0, 2))).toEqual([
      ['m', 'accepted'],
      ['i', 'accepted'],
      ['i', 'canceled']
    ]);
    v.onQuote(quote(at(1), 9999, 500, 10001, 300));
    expect(fills(v.drain())[0]).toMatchObject({ clientOrderId: 'm', lastPx: 10001 });
  });
});

describe('ExecutionEmulator, quote model: queue position of own limit orders', () => {
  it('a bid joining behind 500 lots fills only after 500 have traded at its price', () => {
    const v = quoteVenue();
    v.submit(order({ orderType: 'limit', limitPx: 9999, qty: 100 }), at(1));
    v.drain();
    expect(v.queueAhead('o1')).toBe(500);
    v.onTrade(trade(at(2), 9999, 200, 'sell'));
    v.onTrade(trade(at(3), 9999, 250, 'sell'));
    expect(fills(v.drain())).toEqual([]);
    expect(v.queueAhead('o1')).toBe(50);
    v.onTrade(trade(at(4), 10001, 400, 'buy')); // at the ask: not our queue
    v.onTrade(trade(at(5), 9999, 80, 'sell')); // 50 finish the queue ahead, 30 reach us
    expect(brief(fills(v.drain()))).toEqual([['o1', 'fill', 9999, 30, 70]]);
    expect(fills(v.drain())).toEqual([]);
    v.onTrade(trade(at(6), 9999, 500, 'sell'));
    const [f] = fills(v.drain());
    expect(f).toMatchObject({ lastPx: 9999, lastQty: 70, leavesQty: 0, liquidity: 'maker' });
  });

  it('cancellations ahead shrink the queue: a smaller displayed size at our price caps it', () => {
    const v = quoteVenue();
    v.submit(order({ orderType: 'limit', limitPx: 9999, qty: 100 }), at(1));
    v.onQuote(quote(at(2), 9999, 120, 10001, 300)); // 380 cancelled: at most 120 can be ahead
    expect(v.queueAhead('o1')).toBe(120);
    v.onQuote(quote(at(3), 9999, 400, 10001, 300)); // others join behind us: ahead unchanged
    expect(v.queueAhead('o1')).toBe(120);
    v.onTrade(trade(at(4), 9999, 150, 'sell'));
    expect(fills(v.drain())[0]).toMatchObject({ lastQty: 30 });
  });

  it('improving the touch means nothing ahead: the first print at our price fills us', () => {
    const v = quoteVenue();
    v.submit(order({ orderType: 'limit', limitPx: 10000, qty: 100 }), at(1));
    expect(v.queueAhead('o1')).toBeUndefined(); // still on the wire until the venue's clock reaches it
    v.drain();
    expect(v.queueAhead('o1')).toBe(0);
    v.onTrade(trade(at(2), 10000, 60, 'sell'));
    expect(fills(v.drain())[0]).toMatchObject({ lastPx: 10000, lastQty: 60 });
  });

  it('a print through our price, or the opposite quote crossing it, fills us at our price', () => {
    const v = quoteVenue();
    v.submit(order({ clientOrderId: 'a', orderType: 'limit', limitPx: 9999, qty: 100 }), at(1));
    v.submit(
      order({ clientOrderId: 'b', side: 'sell', orderType: 'limit', limitPx: 10001, qty: 100 }),
      at(1)
    );
    v.onTrade(trade(at(2), 9998, 40, 'sell')); // sold below our bid: we were hit first
    v.onQuote(quote(at(3), 10002, 50, 10005, 300)); // the bid crosses our offer
    expect(brief(fills(v.drain()))).toEqual([
      ['a', 'fill', 9999, 40, 60],
      ['b', 'fill', 10001, 50, 50]
    ]);
  });

  it('an order behind the touch has an unknown queue until the touch reaches its price', () => {
    const v = quoteVenue();
    v.submit(order({ orderType: 'limit', limitPx: 9995, qty: 100 }), at(1));
    expect(v.queueAhead('o1')).toBeUndefined();
    v.onTrade(trade(at(2), 9995, 1000, 'none')); // a print at our price while we cannot know the queue
    expect(fills(v.drain())).toEqual([]);
    v.onQuote(quote(at(3), 9995, 300, 9997, 100));
    expect(v.queueAhead('o1')).toBe(300);
  });

  it('replace: a size decrease keeps the queue place, a price change goes to the back', () => {
    const v = quoteVenue();
    v.submit(order({ orderType: 'limit', limitPx: 9999, qty: 100 }), at(1));
    v.onTrade(trade(at(2), 9999, 300, 'sell'));
    expect(v.queueAhead('o1')).toBe(200);
    v.replace(replace('o1', 'o2', { qty: 60 }), at(3));
    v.drain();
    expect(v.queueAhead('o2')).toBe(200);
    v.onQuote(quote(at(4), 9998, 700, 10001, 300));
    v.replace(replace('o2', 'o3', { limitPx: 9998 }), at(5));
    v.drain();
    expect(v.queueAhead('o3')).toBe(700);
    v.replace(replace('o3', 'o4', { limitPx: 10001 }), at(6)); // now marketable: takes the ask
    expect(brief(v.drain())).toEqual([
      ['o4', 'replaced', 0, 0, 60],
      ['o4', 'fill', 10001, 60, 0]
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { bar, brief, emulator, fills, l3, MS, order, quote, T0, trade } from './support.ts';

const at = (ms: number) => T0 + BigInt(ms) * MS;

/** A long position's exits, as a bracket sends them: the stop-loss first, then the take-profit, in group `g`. */
const stopLoss = (stopPx: number, over = {}) =>
  order({ clientOrderId: 'sl', side: 'sell', orderType: 'stop', stopPx, qty: 10, ocoGroup: 'g', ...over });
const takeProfit = (limitPx: number, over = {}) =>
  order({ clientOrderId: 'tp', side: 'sell', orderType: 'limit', limitPx, qty: 10, ocoGroup: 'g', ...over });

const canceledOf = (rs: readonly { execType: string; clientOrderId: string; reason?: string }[]) =>
  rs.filter((r) => r.execType === 'canceled').map((r) => [r.clientOrderId, r.reason]);

/**
 * A bar venue with a stop-loss at 99.00 and a take-profit at 101.00 working, both there before the first bar, in a
 * group of mode `ocoMode`.
 */
function barExits(cfg: Parameters<typeof emulator>[0] = {}, ocoMode: 'cancel' | 'reduce' = 'cancel') {
  const v = emulator(cfg);
  v.submit(stopLoss(9900, { ocoMode }), T0 - MS);
  v.submit(takeProfit(10100, { ocoMode }), T0 - MS);
  v.drain();
  return v;
}

describe('ExecutionEmulator: one-cancels-other groups', () => {
  it.each(['cancel', 'reduce'] as const)(
    'bars (%s): a bar that reaches both exits fills only the stop-loss (it arrived first, for all of it); the take-profit is canceled',
    (mode) => {
      const v = barExits({}, mode);
      v.onBar(bar(0, 10000, 10200, 9800, 10000));
      const rs = v.drain();
      expect(brief(rs)).toEqual([
        ['sl', 'fill', 9900, 10, 0],
        ['tp', 'canceled', 0, 0, 0]
      ]);
      expect(rs[1]!.reason).toBe('OCO: sl filled');
      expect(v.workingCount).toBe(0);
    }
  );

  it('bars: a take-profit that fills first cancels the stop, which then never fills on a later crash', () => {
    const v = barExits();
    v.onBar(bar(0, 10000, 10200, 9950, 10150));
    expect(brief(v.drain())).toEqual([
      ['tp', 'fill', 10100, 10, 0],
      ['sl', 'canceled', 0, 0, 0]
    ]);
    v.onBar(bar(1, 10000, 10000, 9000, 9000));
    expect(v.drain()).toEqual([]);
  });

  it('a partial fill cancels the rest of the group; the filled order keeps working', () => {
    const v = barExits({ liquidity: { maxParticipation: 0.004 } }); // 4 lots of a 1,000-lot bar
    v.onBar(bar(0, 10000, 10200, 9950, 10150));
    expect(brief(v.drain())).toEqual([
      ['tp', 'fill', 10100, 4, 6],
      ['sl', 'canceled', 0, 0, 0]
    ]);
    v.onBar(bar(1, 10050, 10200, 10050, 10150));
    expect(brief(v.drain())).toEqual([['tp', 'fill', 10100, 4, 2]]);
  });

  it('only the same strategy, instrument and group: other orders are untouched', () => {
    const v = emulator();
    v.submit(stopLoss(9900), T0 - MS);
    v.submit(takeProfit(10100), T0 - MS);
    v.submit(stopLoss(9900, { clientOrderId: 'other-strategy', strategyId: 't' }), T0 - MS);
    v.submit(stopLoss(9900, { clientOrderId: 'other-group', ocoGroup: 'h' }), T0 - MS);
    v.submit(stopLoss(9900, { clientOrderId: 'no-group', ocoGroup: undefined }), T0 - MS);
    v.drain();
    v.onBar(bar(0, 10000, 10200, 10050, 10150));
    expect(brief(v.drain())).toEqual([
      ['tp', 'fill', 10100, 10, 0],
      ['sl', 'canceled', 0, 0, 0]
    ]);
    expect(v.workingCount).toBe(3);
  });

  it('quotes: the take-profit fills on a bid through it, and the stop no longer triggers on a print below', () => {
    const v = emulator({ fillModel: 'quote' });
    v.onQuote(quote(at(0), 9999, 500, 10001, 300));
    v.submit(stopLoss(9900), at(1));
    v.submit(takeProfit(10100), at(1));
    v.onQuote(quote(at(2), 10100, 500, 10102, 300));
    expect(brief(fills(v.drain()))).toEqual([['tp', 'fill', 10100, 10, 0]]);
    v.onTrade(trade(at(3), 9800, 100));
    v.onQuote(quote(at(4), 9800, 500, 9802, 300));
    expect(v.drain()).toEqual([]);
  });

  it('L3: a triggered stop that fills cancels the resting take-profit and takes it out of the book', () => {
    const v = emulator({ fillModel: 'l3' });
    v.onL3Event(l3(at(0), 'add', 1, 'buy', 9999, 100));
    v.onL3Event(l3(at(0), 'add', 2, 'buy', 9899, 500));
    v.onL3Event(l3(at(0), 'add', 3, 'sell', 10001, 300));
    v.submit(stopLoss(9950), at(1));
    v.submit(takeProfit(10100), at(1));
    v.drain();
    expect(v.l3!.book(order().instrumentId).ladder(1).count).toBe(2); // 100.01 and our 101.00
    // a seller takes out 99.99, then prints at 98.99: that print triggers our stop, which sells into the 98.99 bid
    v.onL3Event(l3(at(2), 'execute', 1, 'buy', 9999, 100));
    expect(v.drain()).toEqual([]);
    v.onL3Event(l3(at(3), 'execute', 2, 'buy', 9899, 100));
    const rs = v.drain();
    expect(brief(fills(rs))).toEqual([['sl', 'fill', 9899, 10, 0]]);
    expect(canceledOf(rs)).toEqual([['tp', 'OCO: sl filled']]);
    expect(v.l3!.book(order().instrumentId).ladder(1).count).toBe(1);
    // a buyer lifting 101.00 later finds nothing of ours there
    v.onL3Event(l3(at(4), 'add', 4, 'buy', 10100, 500));
    expect(fills(v.drain())).toEqual([]);
  });
});

describe('ExecutionEmulator: one-updates-other (reduce) groups', () => {
  const reduce = { ocoMode: 'reduce' } as const;
  const restatedOf = (rs: readonly { execType: string; clientOrderId: string; reason?: string }[]) =>
    rs.filter((r) => r.execType === 'restated').map((r) => [r.clientOrderId, r.reason]);

  it('bars: a partial take-profit restates the stop-loss to what is left; a later crash fills only that', () => {
    const v = barExits({ liquidity: { maxParticipation: 0.004 } }, 'reduce'); // 4 lots of a 1,000-lot bar
    v.onBar(bar(0, 10000, 10200, 9950, 10150));
    let rs = v.drain();
    expect(brief(rs)).toEqual([
      ['tp', 'fill', 10100, 4, 6],
      ['sl', 'restated', 0, 0, 6]
    ]);
    expect(restatedOf(rs)).toEqual([['sl', 'OUO: tp filled 4']]);
    expect(rs[1]!.cumQty).toBe(0);
    // the crash: the stop sells 4 of its 6, and the take-profit shrinks by as much
    v.onBar(bar(1, 10000, 10000, 9000, 9000));
    rs = v.drain();
    expect(brief(rs)).toEqual([
      ['sl', 'fill', 9900, 4, 2],
      ['tp', 'restated', 0, 0, 2]
    ]);
    expect(rs[1]!.cumQty).toBe(4);
    // both exits together never sell more than the 10 they protect
    v.onBar(bar(2, 10000, 10200, 9000, 10000));
    rs = v.drain();
    const sold = [...fills(rs)].reduce((a, r) => a + r.lastQty, 0);
    expect(4 + 4 + sold).toBe(10);
    expect(v.workingCount).toBe(0);
  });

  it('L3: a take-profit lifted in part shrinks the pending stop, which later sells only what is left', () => {
    const v = emulator({ fillModel: 'l3' });
    v.onL3Event(l3(at(0), 'add', 1, 'buy', 9999, 100));
    v.onL3Event(l3(at(0), 'add', 2, 'buy', 9899, 500));
    v.onL3Event(l3(at(0), 'add', 3, 'sell', 10001, 300));
    v.submit(stopLoss(9950, reduce), at(1));
    v.submit(takeProfit(10100, reduce), at(1));
    v.drain();
    // the 100.01 offer leaves; a buyer for 4 lots at 101.00 takes 4 of our 10
    v.onL3Event(l3(at(2), 'delete', 3, 'sell', 10001, 300));
    v.onL3Event(l3(at(2), 'add', 4, 'buy', 10100, 4));
    let rs = v.drain();
    expect(brief(rs)).toEqual([
      ['tp', 'fill', 10100, 4, 6],
      ['sl', 'restated', 0, 0, 6]
    ]);
    // the stop triggers on a print at 98.99 and sells 6, not 10; the take-profit, left nothing, leaves the book
    v.onL3Event(l3(at(3), 'execute', 1, 'buy', 9999, 100));
    v.onL3Event(l3(at(4), 'execute', 2, 'buy', 9899, 100));
    rs = v.drain();
    expect(brief(fills(rs))).toEqual([['sl', 'fill', 9899, 6, 0]]);
    expect(canceledOf(rs)).toEqual([['tp', 'OCO: sl filled']]);
    const book = v.l3!.book(order().instrumentId);
    expect(book.ladder(1).count).toBe(0);
    // the matching engine's stop was 6 too: the 98.99 bid lost the data's 100 and our 6, not 10
    expect([book.bestBid(), book.bestBidQty()]).toEqual([9899, 394]);
    expect(v.workingCount).toBe(0);
  });
});

describe('ExecutionEmulator: an OCO sibling ended within one market event', () => {
  it('quotes: one print through two sells of a group fills the first; the second, canceled by that fill, fills nothing', () => {
    const v = emulator({ fillModel: 'quote' });
    v.onQuote(quote(at(0), 9999, 500, 10001, 300));
    v.submit(takeProfit(10100, { clientOrderId: 'a' }), at(1));
    v.submit(takeProfit(10105, { clientOrderId: 'b' }), at(1));
    v.drain();
    v.onTrade(trade(at(2), 10110, 100, 'buy'));
    const rs = v.drain();
    expect(brief(fills(rs))).toEqual([['a', 'fill', 10100, 10, 0]]);
    expect(canceledOf(rs)).toEqual([['b', 'OCO: a filled']]);
  });

  it.each([
    ['a quote', (v: ReturnType<typeof emulator>) => v.onQuote(quote(at(2), 10110, 25, 10112, 300))],
    ['a print', (v: ReturnType<typeof emulator>) => v.onTrade(trade(at(2), 10110, 25, 'buy'))]
  ])('quotes: the size a canceled sibling did not fill is left for the next order on %s', (_, event) => {
    const v = emulator({ fillModel: 'quote' });
    v.onQuote(quote(at(0), 9999, 500, 10001, 300));
    v.submit(takeProfit(10100, { clientOrderId: 'a' }), at(1));
    v.submit(takeProfit(10100, { clientOrderId: 'b' }), at(1));
    v.submit(takeProfit(10100, { clientOrderId: 'c', qty: 300, ocoGroup: undefined }), at(1));
    v.drain();
    event(v);
    const rs = v.drain();
    // 25 on the bid: a takes 10, b (canceled by a's fill) nothing, c the other 15
    expect(brief(fills(rs))).toEqual([
      ['a', 'fill', 10100, 10, 0],
      ['c', 'fill', 10100, 15, 285]
    ]);
  });

  it('L3: a buyer walking our sells gives the lots a canceled sibling did not fill to the next of ours', () => {
    const v = emulator({ fillModel: 'l3' });
    v.onL3Event(l3(at(0), 'add', 1, 'buy', 9999, 100));
    v.submit(takeProfit(10100, { clientOrderId: 'a' }), at(1));
    v.submit(takeProfit(10100, { clientOrderId: 'b' }), at(1));
    v.submit(takeProfit(10100, { clientOrderId: 'c', ocoGroup: undefined }), at(1));
    v.drain();
    v.onL3Event(l3(at(2), 'add', 2, 'buy', 10100, 25));
    const rs = v.drain();
    expect(brief(fills(rs))).toEqual([
      ['a', 'fill', 10100, 10, 0],
      ['c', 'fill', 10100, 10, 0]
    ]);
    expect(canceledOf(rs)).toEqual([['b', 'OCO: a filled']]);
    // the buyer's other 5 rest on the bid; nothing of ours is left on the offer
    const book = v.l3!.book(order().instrumentId);
    expect([book.bestBid(), book.bestBidQty(), book.ladder(1).count]).toEqual([10100, 5, 0]);
  });
});

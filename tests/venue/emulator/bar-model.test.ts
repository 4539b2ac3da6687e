import { describe, expect, it } from 'vitest';
import { bar, brief, emulator, fills, MIN, order, T0 } from './support.ts';

const sentAtClose = bar(0, 0, 0, 0, 0).tsEvent; // = bar 1's open

describe('ExecutionEmulator, bar fill model (defaults = the skeleton bar venue)', () => {
  it('a market order fills at the NEXT bar open plus slippage, never on the bar it was sent on', () => {
    const v = emulator({ slippageBps: 10 });
    v.submit(order({ tsInit: sentAtClose }), sentAtClose);
    expect(v.drain().map((r) => r.execType)).toEqual(['accepted']);
    v.onBar(bar(0, 10000, 10100, 9900, 10050)); // opened before the order arrived
    expect(v.drain()).toEqual([]);
    v.onBar(bar(1, 10000, 10100, 9900, 10050));
    const [fill] = v.drain();
    expect(fill).toMatchObject({ execType: 'fill', lastPx: 10010, lastQty: 10, leavesQty: 0, cumQty: 10 });
    expect(fill!.tsEvent).toBe(bar(1, 0, 0, 0, 0).tsOpen);
    expect(fill!.liquidity).toBe('taker');
    expect(fill!.execId).toBe('SIM-x2');
    expect(fill!.venueOrderId).toBe('SIM-1');
  });

  it('limit: at the open when it gaps through, at the limit only when the bar trades strictly through it', () => {
    const v = emulator();
    v.submit(order({ orderType: 'limit', limitPx: 9950, clientOrderId: 'a' }), T0);
    v.submit(order({ orderType: 'limit', limitPx: 10100, clientOrderId: 'b' }), T0);
    v.drain();
    v.onBar(bar(0, 10000, 10100, 9950, 10000)); // low touches 99.50 only
    expect(v.drain().map((r) => [r.clientOrderId, r.lastPx, r.liquidity])).toEqual([['b', 10000, 'maker']]);
    v.onBar(bar(1, 10000, 10100, 9940, 10000));
    const [a] = v.drain();
    expect([a!.clientOrderId, a!.lastPx]).toEqual(['a', 9950]);
    expect(a!.tsEvent).toBe(bar(1, 0, 0, 0, 0).tsEvent); // inside the bar: dated at its close
  });

  it('stops trigger on the bar reaching them and fill at the worse of open and stop', () => {
    const v = emulator();
    v.submit(order({ side: 'sell', orderType: 'stop', stopPx: 9900 }), T0);
    v.drain();
    v.onBar(bar(0, 10000, 10050, 9950, 10000));
    expect(v.drain()).toEqual([]);
    v.onBar(bar(1, 9850, 9900, 9800, 9820));
    expect(v.drain()[0]).toMatchObject({ execType: 'fill', lastPx: 9850 });
  });

  it('liquidity: never more than volume × participation per bar; the remainder fills on later bars', () => {
    const v = emulator({ liquidity: { maxParticipation: 0.1 } });
    v.submit(order({ qty: 250 }), T0);
    v.drain();
    v.onBar(bar(0, 10000, 10100, 9900, 10000, 1000)); // cap 100
    v.onBar(bar(1, 10010, 10100, 9900, 10000, 1000)); // cap 100
    v.onBar(bar(2, 10020, 10100, 9900, 10000, 999)); // cap 99, needs 50
    expect(brief(fills(v.drain()))).toEqual([
      ['o1', 'fill', 10000, 100, 150],
      ['o1', 'fill', 10010, 100, 50],
      ['o1', 'fill', 10020, 50, 0]
    ]);
  });

  it('liquidity: all orders together never take more than the bar traded (served in arrival order)', () => {
    const v = emulator();
    v.submit(order({ clientOrderId: 'a', qty: 70 }), T0);
    v.submit(order({ clientOrderId: 'b', qty: 70 }), T0);
    v.drain();
    v.onBar(bar(0, 10000, 10100, 9900, 10000, 100));
    expect(brief(fills(v.drain()))).toEqual([
      ['a', 'fill', 10000, 70, 0],
      ['b', 'fill', 10000, 30, 40]
    ]);
    v.onBar(bar(1, 10000, 10100, 9900, 10000, 0)); // nothing traded: nothing fills
    expect(v.drain()).toEqual([]);
  });

  it('IOC takes what the first bar allows and cancels the rest; FOK is all or none', () => {
    const v = emulator({ liquidity: { maxParticipation: 0.5 } });
    v.submit(order({ clientOrderId: 'ioc', qty: 80, tif: 'ioc' }), T0);
    v.submit(order({ clientOrderId: 'fok', qty: 80, tif: 'fok' }), T0);
    v.submit(order({ clientOrderId: 'fok2', qty: 20, tif: 'fok' }), T0);
    v.drain();
    v.onBar(bar(0, 10000, 10100, 9900, 10000, 100)); // cap 50 per order
    expect(brief(v.drain())).toEqual([
      ['ioc', 'fill', 10000, 50, 30],
      ['ioc', 'canceled', 0, 0, 0],
      ['fok', 'canceled', 0, 0, 0],
      ['fok2', 'fill', 10000, 20, 0]
    ]);
  });

  it('DAY orders live through the first session they can trade in and expire at the next', () => {
    const v = emulator();
    v.submit(order({ orderType: 'limit', limitPx: 9000, tif: 'day' }), T0);
    v.drain();
    v.onBar(bar(0, 10000, 10100, 9900, 10000));
    v.onBar(bar(60, 10000, 10100, 9900, 10000));
    expect(v.drain()).toEqual([]);
    v.onBar(bar(24 * 60, 10000, 10100, 9900, 10000)); // next UTC day
    expect(brief(v.drain())).toEqual([['o1', 'expired', 0, 0, 0]]);
    expect(v.workingCount).toBe(0);
  });

  it('impact on bar fills: sqrt against the bar volume, kyle per lot, both on top of slippage', () => {
    const sq = emulator({ slippageBps: 1, impact: { model: 'sqrt', coefficient: 50 } });
    sq.submit(order({ qty: 100 }), T0);
    sq.onBar(bar(0, 10000, 10100, 9900, 10000, 400));
    // slippage ⌈10 000 × 1/10⁴⌉ = 1; impact 10 000 × 0.005 × √(100/400) = 25 → 10 026
    expect(fills(sq.drain())[0]!.lastPx).toBe(10026);
    const ky = emulator({ impact: { model: 'kyle', coefficient: 0.05 } });
    ky.submit(order({ qty: 100, side: 'sell' }), T0);
    ky.onBar(bar(0, 10000, 10100, 9900, 10000, 400));
    expect(fills(ky.drain())[0]!.lastPx).toBe(9995);
  });

  it('commission per fill: bps of notional with a minimum, exact', () => {
    const v = emulator({ commission: { bps: 1, minimum: 0.5 } });
    v.submit(order({ qty: 10 }), T0);
    v.onBar(bar(0, 10000, 10100, 9900, 10000));
    expect(fills(v.drain())[0]!.commission).toBe(50_000_000n); // 0.10 < 0.50 minimum
    const w = emulator({ commission: { bps: 2 } });
    w.submit(order({ qty: 1000 }), T0);
    w.onBar(bar(0, 10000, 10100, 9900, 10000, 5000));
    expect(fills(w.drain())[0]!.commission).toBe(2_000_000_000n); // 100 000 × 2 bps = 20.00
  });

  it('bars of other instruments and earlier orders are ignored', () => {
    const v = emulator();
    v.submit(order({}), T0 + MIN);
    v.onBar(bar(0, 10000, 10100, 9900, 10000));
    v.onBar({ ...bar(1, 10000, 10100, 9900, 10000), instrumentId: 'Y@SIM' });
    expect(fills(v.drain())).toEqual([]);
  });
});

import { describe, expect, it } from 'vitest';
import { BarFillModel } from '../../../src/venue/emulator/bar-fill.model.ts';
import type { EmulatorHost, WorkingOrder } from '../../../src/venue/emulator/fill-model.ts';
import { bar, brief, emulator, fills, inst, MIN, MS, order, replace, T0 } from './support.ts';

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

  it('a stop-limit triggered inside the bar never fills at the open, before its trigger', () => {
    const v = emulator();
    v.submit(order({ clientOrderId: 'b', orderType: 'stop_limit', stopPx: 10500, limitPx: 10600 }), T0);
    v.submit(
      order({ clientOrderId: 's', side: 'sell', orderType: 'stop_limit', stopPx: 9500, limitPx: 9400 }),
      T0
    );
    v.drain();
    const b = bar(0, 10000, 11000, 9000, 10800);
    v.onBar(b);
    // from the trigger (at the stop) on the bar trades through the limit: filled at the limit, inside the bar
    const rs = fills(v.drain());
    expect(brief(rs)).toEqual([
      ['b', 'fill', 10600, 10, 0],
      ['s', 'fill', 9400, 10, 0]
    ]);
    expect(rs.map((r) => r.tsEvent)).toEqual([b.tsEvent, b.tsEvent]);
  });

  it('a stop-limit triggered inside the bar fills only if the stop or the close is through its limit', () => {
    const v = emulator();
    // limit below the stop: the low (9500) may have come before the trigger, the close (10800) is above 104.00
    v.submit(order({ orderType: 'stop_limit', stopPx: 10500, limitPx: 10400 }), T0);
    v.drain();
    v.onBar(bar(0, 10000, 11000, 9500, 10800));
    expect(v.drain()).toEqual([]);
    // triggered: a limit from the next bar on, which opens through it
    v.onBar(bar(1, 10300, 10350, 10200, 10300));
    expect(brief(v.drain())).toEqual([['o1', 'fill', 10300, 10, 0]]);
    // the same order on a bar closing below its limit, after the trigger: filled at the limit
    const w = emulator();
    w.submit(order({ orderType: 'stop_limit', stopPx: 10500, limitPx: 10400 }), T0);
    w.onBar(bar(0, 10000, 11000, 9500, 10300));
    expect(brief(fills(w.drain()))).toEqual([['o1', 'fill', 10400, 10, 0]]);
    // a bar opening through the stop triggers it at the open: a limit from there, at the open
    const g = emulator();
    g.submit(order({ orderType: 'stop_limit', stopPx: 10500, limitPx: 10600 }), T0);
    g.onBar(bar(0, 10550, 11000, 10500, 10800));
    expect(fills(g.drain())[0]).toMatchObject({ lastPx: 10550, tsEvent: T0 });
  });

  it('IOC: the remainder is canceled when its fill happens (inside the bar: at the close), not before it', () => {
    const v = emulator({ liquidity: { maxParticipation: 0.01 } }); // 10 lots of a 1000-lot bar
    v.submit(order({ orderType: 'limit', limitPx: 9900, qty: 50, tif: 'ioc' }), T0);
    v.drain();
    const b = bar(0, 10000, 10100, 9800, 10000, 1000);
    v.onBar(b);
    const rs = v.drain();
    expect(brief(rs)).toEqual([
      ['o1', 'fill', 9900, 10, 40],
      ['o1', 'canceled', 0, 0, 0]
    ]);
    expect(rs.map((r) => r.tsEvent)).toEqual([b.tsEvent, b.tsEvent]);
  });

  it('GTD: an order expiring inside the bar does not fill after its expiry; it expires at its time', () => {
    const b = bar(0, 10000, 10100, 9800, 10000);
    const mid = b.tsOpen + 30_000n * MS;
    const gtd = (expireAt: bigint) => order({ orderType: 'limit', limitPx: 9900, tif: 'gtd', expireAt });
    const v = emulator();
    v.submit(gtd(mid), T0 - MS);
    v.drain();
    v.onBar(b); // trades through 99.00 inside the bar: that fill would be dated at the close, after the expiry
    const rs = v.drain();
    expect(brief(rs)).toEqual([['o1', 'expired', 0, 0, 0]]);
    expect(rs[0]!.tsEvent).toBe(mid);
    expect(v.workingCount).toBe(0);
    // alive through the whole bar (expiring at its close): it fills
    const w = emulator();
    w.submit(gtd(b.tsEvent), T0 - MS);
    w.onBar(b);
    expect(brief(fills(w.drain()))).toEqual([['o1', 'fill', 9900, 10, 0]]);
    // a fill at the open, before the expiry, stands; the rest expires at its time
    const p = emulator({ liquidity: { maxParticipation: 0.004 } }); // 4 lots
    p.submit(order({ orderType: 'limit', limitPx: 10100, tif: 'gtd', expireAt: mid }), T0 - MS);
    p.drain();
    p.onBar(b);
    const ps = p.drain();
    expect(brief(ps)).toEqual([
      ['o1', 'fill', 10000, 4, 6],
      ['o1', 'expired', 0, 0, 0]
    ]);
    expect(ps.map((r) => r.tsEvent)).toEqual([b.tsOpen, mid]);
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

  it('IOC/FOK cannot be replaced: one filling inside its bar keeps its semantics through a mid-bar replace', () => {
    const b = bar(0, 10000, 10100, 9800, 10000);
    const sent = T0 - 10n * MS;
    // a FOK raised 10 → 20 mid-bar: still all or none (it used to fill 10 and cancel 10)
    const f = emulator({ latency: { networkMs: 5 } });
    f.submit(order({ orderType: 'limit', limitPx: 9900, tif: 'fok', qty: 10 }), sent);
    f.onBar(b);
    f.replace(replace('o1', 'o2', { qty: 20 }), b.tsOpen);
    const fr = f.drainDue(b.tsEvent + 1000n * MS);
    expect(brief(fr)).toEqual([
      ['o1', 'accepted', 0, 0, 10],
      ['o2', 'replace_rejected', 0, 0, 0],
      ['o1', 'fill', 9900, 10, 0]
    ]);
    expect(fr[1]!.reason).toBe('fok order cannot be replaced');
    // an IOC re-priced mid-bar: it fills at the close as decided (it used to lose its fill and rest to the next bar)
    const i = emulator({ latency: { networkMs: 5 } });
    i.submit(order({ orderType: 'limit', limitPx: 9900, tif: 'ioc', qty: 10 }), sent);
    i.onBar(b);
    i.replace(replace('o1', 'o2', { limitPx: 9850 }), b.tsOpen);
    const ir = i.drainDue(b.tsEvent + 1000n * MS);
    expect(brief(ir).map((r) => r.slice(0, 2))).toEqual([
      ['o1', 'accepted'],
      ['o2', 'replace_rejected'],
      ['o1', 'fill']
    ]);
    expect(ir[1]!.reason).toBe('ioc order cannot be replaced');
    expect(i.workingCount).toBe(0);
    i.onBar(bar(1, 10000, 10100, 9800, 10000));
    expect(i.drainDue(bar(1, 0, 0, 0, 0).tsEvent + 1000n * MS)).toEqual([]);
  });

  it('BarFillModel: an IOC/FOK whose deferred fill is dropped by a re-price ends then, never left resting', () => {
    const closed: [string, bigint, string, string][] = [];
    const fillsMade: number[] = [];
    const w: WorkingOrder = {
      cmd: order({ orderType: 'limit', limitPx: 9900, tif: 'ioc', qty: 10 }),
      clientOrderId: 'o1',
      venueOrderId: 'v1',
      buy: true,
      qty: 10,
      filled: 0,
      limitPx: 9900,
      stopPx: undefined,
      triggered: true,
      arrivedAt: T0 - MS,
      dayExpiresAt: undefined,
      lastDelivery: T0 - MS,
      lastEvent: T0 - MS,
      ahead: Number.POSITIVE_INFINITY,
      engineId: 0,
      fees: { raw: 0n, notional: 0n, charged: 0n }
    };
    const host: EmulatorHost = {
      instrument: () => inst,
      workingOf: () => (closed.length === 0 ? [w] : []),
      maxParticipation: 1,
      fill: (_w, _px, qty) => {
        fillsMade.push(qty);
        return 0;
      },
      close: (o, t, execType, reason) => void closed.push([o.clientOrderId, t, execType, reason])
    };
    const m = new BarFillModel(host);
    const b = bar(0, 10000, 10100, 9800, 10000);
    m.onBar(b);
    expect(m.nextAt()).toBe(b.tsEvent); // its fill at the limit, inside the bar
    w.limitPx = 9850;
    m.replaced(w, 9900, 10, T0 + MS);
    expect(closed).toEqual([['o1', T0 + MS, 'canceled', 'ioc fill undone by a replace']]);
    expect(m.nextAt()).toBeUndefined();
    m.onBar(bar(1, 10000, 10100, 9800, 10000));
    expect(fillsMade).toEqual([]);
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

import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { LatencyModel } from '../../../src/venue/emulator/latency.ts';
import { bar, brief, cancel, emulator, fills, MS, order, quote, replace, T0 } from './support.ts';

describe('latency', () => {
  it('bar model: an order sent at t reaches the venue at t + network and only trades on bars opening after that', () => {
    const v = emulator({ latency: { networkMs: 5 } });
    const sent = bar(1, 0, 0, 0, 0).tsOpen - 1n * MS; // 1 ms before bar 1 opens: arrives 4 ms too late
    v.submit(order({ tsInit: sent }), sent);
    expect(v.inFlightCount).toBe(1);
    v.onBar(bar(1, 10000, 10100, 9900, 10000));
    expect(fills(v.drain())).toEqual([]);
    v.onBar(bar(2, 10100, 10200, 10000, 10100));
    expect(fills(v.drain())[0]).toMatchObject({ lastPx: 10100, tsEvent: bar(2, 0, 0, 0, 0).tsOpen });
  });

  it('quote model: an order sees only quotes after its arrival', () => {
    const v = emulator({ fillModel: 'quote', latency: { networkMs: 2 } });
    v.onQuote(quote(T0, 9999, 100, 10001, 100));
    v.submit(order({}), T0);
    v.onQuote(quote(T0 + 1n * MS, 10009, 100, 10011, 100)); // before arrival at T0+2ms: not seen
    v.onQuote(quote(T0 + 3n * MS, 10019, 100, 10021, 100)); // the order arrives first (T0+2ms), takes 100.11
    const f = fills(v.drain())[0]!;
    expect(f).toMatchObject({ lastPx: 10011, tsEvent: T0 + 2n * MS });
  });

  it('acks and fills are delivered after their own latencies; drainDue and nextDueAt step through them', () => {
    const v = emulator({ fillModel: 'quote', latency: { networkMs: 1, ackMs: 3, fillMs: 7 } });
    v.onQuote(quote(T0, 9999, 100, 10001, 100));
    v.submit(order({}), T0);
    expect(v.nextDueAt()).toBe(T0 + 1n * MS); // the command's arrival
    expect(v.drainDue(T0 + 1n * MS)).toEqual([]); // handled at the venue; nothing delivered yet
    expect(v.nextDueAt()).toBe(T0 + 4n * MS);
    const acks = v.drainDue(v.nextDueAt()!);
    expect(acks.map((r) => [r.execType, r.tsEvent, r.tsInit])).toEqual([
      ['accepted', T0 + 1n * MS, T0 + 4n * MS]
    ]);
    expect(v.nextDueAt()).toBe(T0 + 8n * MS);
    expect(v.drainDue(T0 + 8n * MS - 1n)).toEqual([]);
    const [f] = v.drainDue(T0 + 8n * MS);
    expect([f!.execType, f!.tsEvent, f!.tsInit]).toEqual(['fill', T0 + 1n * MS, T0 + 8n * MS]);
    expect(v.nextDueAt()).toBeUndefined();
  });

  it('a fill faster than its ack is still delivered after it (reports of one order arrive in order)', () => {
    const v = emulator({ fillModel: 'quote', latency: { ackMs: 10, fillMs: 1 } });
    v.onQuote(quote(T0, 9999, 100, 10001, 100));
    v.submit(order({}), T0);
    const rs = v.drainDue(T0 + 100n * MS);
    expect(rs.map((r) => [r.execType, r.tsInit])).toEqual([
      ['accepted', T0 + 10n * MS],
      ['fill', T0 + 10n * MS]
    ]);
  });

  it('a cancel racing a fill: the fill happens before the cancel arrives, which is then rejected', () => {
    const v = emulator({ fillModel: 'quote', latency: { networkMs: 5 } });
    v.onQuote(quote(T0, 9999, 100, 10001, 100));
    v.submit(order({ orderType: 'limit', limitPx: 9999 }), T0);
    v.cancel(cancel('o1'), T0 + 1n * MS); // arrives at T0+6ms
    v.onQuote(quote(T0 + 3n * MS, 9990, 100, 9999, 50)); // crosses the resting bid at T0+3ms
    v.onQuote(quote(T0 + 10n * MS, 9990, 100, 9999, 50));
    expect(brief(v.drain())).toEqual([
      ['o1', 'accepted', 0, 0, 10],
      ['o1', 'fill', 9999, 10, 0],
      ['o1', 'cancel_rejected', 0, 0, 0]
    ]);
  });

  it('bar model: a cancel reaching the venue before the close wins over a fill inside the bar (dated at the close)', () => {
    const b = bar(0, 10000, 10100, 9800, 10000); // trades through 99.00 somewhere inside
    const limitBuy = () => {
      const v = emulator({ latency: { networkMs: 5 } });
      v.submit(order({ orderType: 'limit', limitPx: 9900 }), T0 - 10n * MS);
      v.onBar(b);
      return v;
    };
    const mid = limitBuy();
    mid.cancel(cancel('o1'), b.tsOpen); // reaches the venue 5 ms into the bar: the order is still working
    const rs = mid.drainDue(b.tsOpen + 1000n * MS);
    expect(brief(rs)).toEqual([
      ['o1', 'accepted', 0, 0, 10],
      ['o1', 'canceled', 0, 0, 0]
    ]);
    expect(rs[1]!.tsEvent).toBe(b.tsOpen + 5n * MS);
    expect(mid.drainDue(b.tsEvent + 1000n * MS)).toEqual([]); // no fill at the close
    // reaching it 1 ms before the close: still canceled
    const late = limitBuy();
    late.cancel(cancel('o1'), b.tsEvent - 6n * MS);
    expect(brief(late.drainDue(b.tsEvent + 1000n * MS)).map((r) => r[1])).toEqual(['accepted', 'canceled']);
    // reaching it at the close: the bar's fill comes first, then the cancel is rejected
    const atClose = limitBuy();
    atClose.cancel(cancel('o1'), b.tsEvent - 5n * MS);
    const cs = atClose.drainDue(b.tsEvent + 1000n * MS);
    expect(brief(cs).map((r) => r[1])).toEqual(['accepted', 'fill', 'cancel_rejected']);
    expect(cs[1]!.tsEvent).toBe(b.tsEvent);
    // a replace changing the price mid-bar drops the fill (the new order trades from the next bar) ...
    const rp = limitBuy();
    rp.replace(replace('o1', 'o2', { limitPx: 9850 }), b.tsOpen);
    expect(brief(rp.drainDue(b.tsEvent + 1000n * MS)).map((r) => r[1])).toEqual(['accepted', 'replaced']);
    // ... one changing only the size keeps it, at the new size
    const rq = limitBuy();
    rq.replace(replace('o1', 'o2', { qty: 6 }), b.tsOpen);
    expect(brief(fills(rq.drainDue(b.tsEvent + 1000n * MS)))).toEqual([['o2', 'fill', 9900, 6, 0]]);
  });

  it('rejects and query answers about an order come after its earlier reports (fill slower than ack)', () => {
    const v = emulator({ latency: { ackMs: 1, fillMs: 20 }, liquidity: { maxParticipation: 0.01 } });
    v.submit(order({ clientOrderId: 'm' }), T0 - MS); // market: fills at the open
    v.submit(order({ clientOrderId: 'l', orderType: 'limit', limitPx: 10100, qty: 30 }), T0 - MS);
    const b = bar(0, 10000, 10100, 9900, 10000, 1000); // 10 lots each at the open
    v.onBar(b);
    v.cancel(cancel('m'), b.tsOpen + 2n * MS); // m has filled: rejected
    v.query('m', 'X@SIM', b.tsOpen + 2n * MS);
    v.replace(replace('l', 'l2', { qty: 5 }), b.tsOpen + 2n * MS); // l has filled 10: rejected
    const rs = v.drainDue(b.tsOpen + 100n * MS);
    const of = (id: string) => rs.filter((r) => r.clientOrderId === id || r.origClientOrderId === id);
    expect(of('m').map((r) => r.execType)).toEqual(['accepted', 'fill', 'cancel_rejected', 'fill']);
    expect(of('l').map((r) => r.execType)).toEqual(['accepted', 'fill', 'replace_rejected']);
    for (const id of ['m', 'l']) {
      const [, fill, rejected] = of(id);
      expect(rejected!.tsInit).toBe(fill!.tsInit); // not 1 ms after the command, before the fill
      expect(rejected!.tsEvent).toBe(b.tsOpen + 2n * MS);
    }
    // the query's answer (the fill again) is delivered after the fill itself, not 1 ms after the question
    expect(of('m')[3]!.tsInit).toBe(of('m')[1]!.tsInit);
  });

  it('jitter is bounded by jitterMs, seeded (same seed → same delays) and different across seeds', () => {
    const cfg = { networkMs: 1, ackMs: 2, fillMs: 3, jitterMs: 0.5 };
    const draw = (seed: number) => {
      const m = new LatencyModel(cfg, new Rng(seed));
      return Array.from({ length: 300 }, (_, i) =>
        i % 3 === 0 ? m.network() : i % 3 === 1 ? m.ack() : m.fill()
      );
    };
    const a = draw(7);
    expect(draw(7)).toEqual(a);
    expect(draw(8)).not.toEqual(a);
    a.forEach((d, i) => {
      const base = BigInt([1, 2, 3][i % 3]!) * MS;
      expect(d >= base && d <= base + MS / 2n).toBe(true);
    });
    // the jitter really varies (not a constant offset)
    expect(new Set(a.filter((_, i) => i % 3 === 0)).size).toBeGreaterThan(50);
  });

  it('commands keep their order on the wire even when jitter would reorder them', () => {
    const v = emulator({ fillModel: 'quote', latency: { networkMs: 1, jitterMs: 5 } }, 3);
    v.onQuote(quote(T0, 9999, 100, 10001, 100));
    for (let i = 0; i < 20; i++) {
      v.submit(order({ clientOrderId: `o${i}`, orderType: 'limit', limitPx: 9000 }), T0 + BigInt(i));
      v.cancel(cancel(`o${i}`), T0 + BigInt(i));
    }
    const rs = v.drainDue(T0 + 1000n * MS);
    expect(rs.filter((r) => r.execType === 'cancel_rejected')).toEqual([]);
    expect(rs.filter((r) => r.execType === 'canceled')).toHaveLength(20);
  });
});

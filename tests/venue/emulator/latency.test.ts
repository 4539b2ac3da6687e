import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import { LatencyModel } from '../../../src/venue/emulator/latency.ts';
import { bar, brief, cancel, emulator, fills, MS, order, quote, T0 } from './support.ts';

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

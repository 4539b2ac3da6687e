import { describe, expect, it } from 'vitest';
import { bar, brief, cancel, emulator, MS, order, replace, T0 } from './support.ts';

describe('ExecutionEmulator: order entry (cancel, replace, query, rejects)', () => {
  it('cancel: a working order is canceled; an unknown or finished one gets cancel_rejected', () => {
    const v = emulator();
    v.submit(order({ orderType: 'limit', limitPx: 9000 }), T0);
    v.cancel(cancel('o1', { reason: 'signal gone' }), T0);
    v.cancel(cancel('o1'), T0);
    const rs = v.drain();
    expect(brief(rs)).toEqual([
      ['o1', 'accepted', 0, 0, 10],
      ['o1', 'canceled', 0, 0, 0],
      ['o1', 'cancel_rejected', 0, 0, 0]
    ]);
    expect(rs[1]!.reason).toBe('signal gone');
    expect(rs[2]!.reason).toBe('order not working');
  });

  it('replace: re-keys the order (origClientOrderId), keeps fills, rejects qty not above filled', () => {
    const v = emulator({ liquidity: { maxParticipation: 0.01 } });
    v.submit(order({ orderType: 'limit', limitPx: 10100, qty: 30 }), T0);
    v.onBar(bar(0, 10000, 10100, 9900, 10000, 1000)); // fills 10 of 30
    v.replace(replace('o1', 'o2', { qty: 10 }), T0 + 61_000n * MS);
    v.replace(replace('o1', 'o2', { qty: 25, limitPx: 9000 }), T0 + 61_000n * MS);
    const rs = v.drain();
    expect(brief(rs)).toEqual([
      ['o1', 'accepted', 0, 0, 30],
      ['o1', 'fill', 10000, 10, 20],
      ['o2', 'replace_rejected', 0, 0, 0],
      ['o2', 'replaced', 0, 0, 15]
    ]);
    expect(rs[3]).toMatchObject({ origClientOrderId: 'o1', cumQty: 10, venueOrderId: 'SIM-1' });
    v.onBar(bar(1, 10000, 10100, 9990, 10000, 1000));
    expect(v.drain()).toEqual([]); // 90.00 is far below: nothing
  });

  it('restate: the venue reduces a working order (restated, the bar then fills only what is left) or cancels it', () => {
    const v = emulator();
    v.submit(order({ orderType: 'limit', limitPx: 10100, qty: 10 }), T0);
    v.submit(order({ clientOrderId: 'o2', orderType: 'limit', limitPx: 9000, qty: 10 }), T0);
    expect(v.restate('o1', 4, T0 + MS, 'corporate action')).toBe(true);
    expect(v.restate('o2', 10, T0 + MS, 'operator')).toBe(true);
    expect(v.restate('nope', 1, T0 + MS, 'operator')).toBe(false);
    for (const by of [0, -2, 1.5]) expect(v.restate('o1', by, T0 + MS, 'not a reduction')).toBe(false);
    v.onBar(bar(0, 10000, 10100, 9900, 10000, 1000));
    expect(v.restate('o1', 1, T0 + 61_000n * MS, 'too late')).toBe(false);
    const rs = v.drain();
    expect(brief(rs)).toEqual([
      ['o1', 'accepted', 0, 0, 10],
      ['o2', 'accepted', 0, 0, 10],
      ['o1', 'restated', 0, 0, 6],
      ['o2', 'canceled', 0, 0, 0],
      ['o1', 'fill', 10000, 6, 0]
    ]);
    expect(rs.map((r) => r.reason).slice(2, 4)).toEqual(['corporate action', 'operator']);
  });

  it('query: repeats the last report (same exec id, new delivery), or rejects an unknown order', () => {
    const v = emulator({ latency: { ackMs: 1 } });
    v.submit(order({ orderType: 'limit', limitPx: 9000 }), T0);
    const [ack] = v.drainDue(T0 + 1n * MS);
    v.query('o1', ack!.instrumentId, T0 + 5n * MS);
    v.query('nope', ack!.instrumentId, T0 + 5n * MS);
    const rs = v.drainDue(T0 + 10n * MS);
    expect(rs[0]).toEqual({ ...ack, tsInit: T0 + 6n * MS });
    expect(rs[1]).toMatchObject({ execType: 'rejected', clientOrderId: 'nope', reason: 'unknown order' });
  });

  it('rejects unknown instruments and duplicate client order ids without disturbing the working order', () => {
    const v = emulator();
    v.submit(order({ orderType: 'limit', limitPx: 9000 }), T0);
    v.submit(order({ orderType: 'limit', limitPx: 9000 }), T0);
    v.submit(order({ clientOrderId: 'z', instrumentId: 'Y@SIM' }), T0);
    const rs = v.drain();
    expect(brief(rs).map((r) => r.slice(0, 2))).toEqual([
      ['o1', 'accepted'],
      ['o1', 'rejected'],
      ['z', 'rejected']
    ]);
    expect(rs[1]!.reason).toBe('duplicate client order id');
    expect(rs[1]!.venueOrderId).toBeUndefined();
    expect(v.workingCount).toBe(1);
  });

  it('GTD orders expire at their expiry time', () => {
    const v = emulator();
    v.submit(
      order({ orderType: 'limit', limitPx: 9000, tif: 'gtd', expireAt: bar(2, 0, 0, 0, 0).tsOpen }),
      T0
    );
    v.onBar(bar(0, 10000, 10100, 9900, 10000));
    v.onBar(bar(1, 10000, 10100, 9900, 10000));
    expect(brief(v.drain()).map((r) => r[1])).toEqual(['accepted']);
    v.onBar(bar(2, 10000, 10100, 9900, 10000));
    expect(brief(v.drain())).toEqual([['o1', 'expired', 0, 0, 0]]);
  });
});

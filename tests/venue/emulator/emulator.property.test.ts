import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import type { ExecutionReport } from '../../../src/messages/execution-report.ts';
import type { ExecutionEmulator } from '../../../src/venue/emulator/execution-emulator.venue.ts';
import { bar, cancel, emulator, inst, l3, MIN, MS, order, quote, replace, T0, trade } from './support.ts';

type Model = 'bar' | 'quote' | 'l3';

/** Drive an emulator with a random but consistent scenario (drawn from `seed`); return every report. */
function scenario(model: Model, seed: number, latency: boolean, venueSeed = 1): ExecutionReport[] {
  const v: ExecutionEmulator = emulator(
    {
      fillModel: model,
      latency: latency ? { networkMs: 0.3, ackMs: 0.2, fillMs: 0.4, jitterMs: 0.5 } : {},
      liquidity: { maxParticipation: 0.6 },
      slippageBps: 1,
      impact: { model: 'kyle', coefficient: 0.01 }
    },
    venueSeed
  );
  const g = new Rng(seed);
  const out: ExecutionReport[] = [];
  const live: string[] = [];
  const mkt = new Map<number, { side: 'buy' | 'sell'; px: number; sz: number }>();
  let mid = 10_000;
  let ids = 0;
  let mid3 = 0;
  for (let step = 0; step < 120; step++) {
    const t = T0 + BigInt(step) * MIN;
    const r = g.int(10);
    if (r < 3) {
      const id = `o${++ids}`;
      const type = (['market', 'limit', 'limit', 'stop', 'stop_limit'] as const)[g.int(5)]!;
      const side = g.int(2) === 0 ? 'buy' : 'sell';
      const px = mid + g.int(11) - 5;
      v.submit(
        order({
          clientOrderId: id,
          side,
          orderType: type,
          qty: 1 + g.int(300),
          tif: (['gtc', 'day', 'ioc', 'fok'] as const)[g.int(4)]!,
          ...(type === 'limit' || type === 'stop_limit' ? { limitPx: px } : {}),
          ...(type === 'stop' || type === 'stop_limit' ? { stopPx: px + (side === 'buy' ? 2 : -2) } : {})
        }),
        t
      );
      live.push(id);
    } else if (r === 3 && live.length > 0) {
      const id = live[g.int(live.length)]!;
      if (g.int(2) === 0) v.cancel(cancel(id), t);
      else {
        const nid = `o${++ids}`;
        v.replace(
          replace(id, nid, g.int(2) === 0 ? { qty: 1 + g.int(300) } : { limitPx: mid + g.int(11) - 5 }),
          t
        );
        live.push(nid);
      }
    } else if (r === 4 && live.length > 0) {
      v.query(live[g.int(live.length)]!, inst.id, t);
    }
    // market data for the model
    mid += g.int(5) - 2;
    const dt = t + 1n * MS + BigInt(g.int(1000)) * MS;
    if (model === 'bar') {
      const o = mid;
      const h = o + g.int(6);
      const l = o - g.int(6);
      const b = bar(0, o, h, l, l + g.int(h - l + 1), g.int(400));
      v.onBar({ ...b, tsOpen: dt, tsEvent: dt + 30_000n * MS, tsInit: dt + 30_000n * MS });
    } else if (model === 'quote') {
      if (g.int(3) === 0)
        v.onTrade(
          trade(dt, mid + g.int(5) - 2, 1 + g.int(300), (['buy', 'sell', 'none'] as const)[g.int(3)])
        );
      else v.onQuote(quote(dt, mid - 1, g.int(400), mid + 1, g.int(400)));
    } else {
      for (let k = 0; k < 4; k++) {
        const a = g.int(4);
        const keys = [...mkt.keys()];
        if (a === 0 || keys.length === 0) {
          const side = g.int(2) === 0 ? 'buy' : 'sell';
          // the data never crosses itself
          const px = side === 'buy' ? mid - 1 - g.int(4) : mid + 1 + g.int(4);
          const sz = 1 + g.int(200);
          mkt.set(++mid3, { side, px, sz });
          v.onL3Event(l3(dt + BigInt(k), 'add', mid3, side, px, sz));
        } else {
          const id = keys[g.int(keys.length)]!;
          const o = mkt.get(id)!;
          const q = 1 + g.int(o.sz);
          const action = a === 1 ? 'cancel' : a === 2 ? 'execute' : 'delete';
          const sz = action === 'delete' ? o.sz : q;
          o.sz -= sz;
          if (o.sz === 0) mkt.delete(id);
          v.onL3Event(l3(dt + BigInt(k), action, id, o.side, o.px, sz));
        }
      }
    }
    out.push(...v.drainDue(dt));
  }
  out.push(...v.drainDue(T0 + 1000n * MIN));
  return out;
}

/** Check the report stream; returns the violations found. */
function violations(reports: readonly ExecutionReport[]): string[] {
  const bad: string[] = [];
  const seen = new Set<string>();
  const chains = new Map<string, { accepted: boolean; final: boolean; cum: number; maxQty: number }>();
  let lastT = -1n;
  for (const r of reports) {
    if (r.tsInit < lastT) bad.push(`delivered out of time order: ${r.execId}`);
    lastT = r.tsInit;
    if (r.tsInit < r.tsEvent) bad.push(`delivered before it happened: ${r.execId}`);
    if (seen.has(r.execId)) continue; // a query answer repeats the last report
    seen.add(r.execId);
    if (r.venueOrderId === undefined) continue; // rejects of orders the venue never took
    let c = chains.get(r.venueOrderId);
    if (!c) {
      c = { accepted: false, final: false, cum: 0, maxQty: 0 };
      chains.set(r.venueOrderId, c);
    }
    if (r.execType === 'accepted') {
      if (c.accepted) bad.push(`accepted twice: ${r.venueOrderId}`);
      c.accepted = true;
    } else if (!c.accepted) bad.push(`${r.execType} before accepted: ${r.venueOrderId}`);
    if (c.final) bad.push(`${r.execType} after a final report: ${r.venueOrderId}`);
    c.maxQty = Math.max(c.maxQty, r.cumQty + r.leavesQty);
    if (r.execType === 'fill') {
      c.cum += r.lastQty;
      if (r.lastQty <= 0) bad.push(`empty fill ${r.execId}`);
      if (r.cumQty !== c.cum) bad.push(`cumQty ${r.cumQty} ≠ sum of fills ${c.cum}: ${r.execId}`);
      if (r.leavesQty === 0) c.final = true;
    }
    if (c.cum > c.maxQty) bad.push(`overfill ${r.venueOrderId}: ${c.cum} > ${c.maxQty}`);
    if (r.execType === 'canceled' || r.execType === 'expired') c.final = true;
  }
  return bad;
}

describe('ExecutionEmulator properties (fast-check)', () => {
  for (const model of ['bar', 'quote', 'l3'] as const) {
    it(`${model}: fills never exceed the order quantity; each order's reports form a valid sequence`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.boolean(), (seed, latency) => {
          const rs = scenario(model, seed, latency);
          expect(violations(rs)).toEqual([]);
        }),
        { numRuns: 40 }
      );
    });
  }

  it('determinism: the same seed gives the identical report sequence, a different venue seed different delivery times', () => {
    for (const model of ['bar', 'quote', 'l3'] as const) {
      const a = scenario(model, 42, true);
      expect(a.filter((r) => r.execType === 'fill').length).toBeGreaterThan(0);
      expect(scenario(model, 42, true)).toEqual(a);
      expect(scenario(model, 42, true, 2).map((r) => r.tsInit)).not.toEqual(a.map((r) => r.tsInit));
    }
  });

  it('the checker itself catches a fill after a final report, an overfill and a fill before the ack', () => {
    const base = scenario('quote', 7, false);
    const fill = base.find((r) => r.execType === 'fill' && r.leavesQty === 0)!;
    expect(
      violations([...base, { ...fill, execId: 'dup', cumQty: fill.cumQty + fill.lastQty }]).length
    ).toBeGreaterThan(0);
    const acc = base.find((r) => r.execType === 'accepted')!;
    expect(violations(base.filter((r) => r !== acc)).length).toBeGreaterThan(0);
  });
});

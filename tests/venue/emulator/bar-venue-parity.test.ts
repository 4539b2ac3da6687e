import { describe, expect, it } from 'vitest';
import { Rng } from '../../../src/core/rng.ts';
import type { ExecutionReport } from '../../../src/messages/execution-report.ts';
import { BarFillVenue } from './reference-bar-venue.ts';
import { bar, cancel, emulator, inst, order, replace } from './support.ts';

/** The same random session through the skeleton's venue and the emulator with its defaults. */
function session(seed: number) {
  const g = new Rng(seed);
  const old = new BarFillVenue(
    { name: 'SIM', commissionBps: 1, commissionMin: 0n, slippageBps: 3 },
    new Map([[inst.id, inst]])
  );
  const emu = emulator({ slippageBps: 3 });
  const a: ExecutionReport[] = [];
  const b: ExecutionReport[] = [];
  const live: string[] = [];
  const stopLimits = new Set<string>();
  let px = 10_000;
  let n = 0;
  for (let i = 0; i < 300; i++) {
    px += g.int(41) - 20;
    const h = px + g.int(30);
    const l = px - g.int(30);
    const br = bar(i * 7, px, h, l, l + g.int(h - l + 1), 1_000_000_000);
    old.onBar(br);
    emu.onBar(br);
    a.push(...old.drain());
    b.push(...emu.drain());
    const now = br.tsEvent;
    const r = g.int(6);
    if (r < 3) {
      const type = (['market', 'limit', 'stop', 'stop_limit'] as const)[g.int(4)]!;
      const side = g.int(2) === 0 ? 'buy' : 'sell';
      const lim = px + g.int(41) - 20;
      const cmd = order({
        clientOrderId: `o${++n}`,
        tsInit: now,
        side,
        orderType: type,
        qty: 1 + g.int(500),
        tif: (['gtc', 'day', 'ioc', 'fok'] as const)[g.int(4)]!,
        ...(type === 'limit' || type === 'stop_limit' ? { limitPx: lim } : {}),
        ...(type === 'stop' || type === 'stop_limit' ? { stopPx: lim + (side === 'buy' ? 10 : -10) } : {})
      });
      old.submit(cmd, now);
      emu.submit(cmd, now);
      live.push(cmd.clientOrderId);
      if (type === 'stop_limit') stopLimits.add(cmd.clientOrderId);
    } else if (r === 3 && live.length > 0) {
      const id = live[g.int(live.length)]!;
      old.cancel(cancel(id, { tsInit: now }), now);
      emu.cancel(cancel(id, { tsInit: now }), now);
    } else if (r === 4 && live.length > 0) {
      const cmd = replace(live[g.int(live.length)]!, `o${++n}`, { tsInit: now, qty: 1 + g.int(500) });
      old.replace(cmd, now);
      emu.replace(cmd, now);
      live.push(cmd.newClientOrderId);
      if (stopLimits.has(cmd.clientOrderId)) stopLimits.add(cmd.newClientOrderId);
    } else if (r === 5 && live.length > 0) {
      const id = live[g.int(live.length)]!;
      old.query(id, inst.id, now);
      emu.query(id, inst.id, now);
    }
    a.push(...old.drain());
    b.push(...emu.drain());
  }
  return { a, b, stopLimits };
}

/**
 * The two deliberate differences, normalised away: a query answer is the last report with `tsInit` = when the
 * answer is delivered (the bar venue re-sends the original object), and a stop-limit's fills at its limit are
 * `maker` (the bar venue calls every non-limit fill `taker`); and the emulator delivers in time order (a fill at
 * a bar's open before one at its close) where the bar venue returns them in the order it produced them, so both
 * are compared in exec-id (production) order.
 */
function normalise(rs: readonly ExecutionReport[], stopLimits: ReadonlySet<string>): unknown[] {
  const first = new Map<string, bigint>();
  const seq = (r: { execId: string }) => Number(r.execId.slice('SIM-x'.length));
  return rs
    .map((r) => {
      const t = first.get(r.execId) ?? r.tsInit;
      first.set(r.execId, t);
      return {
        ...r,
        tsInit: t,
        liquidity: stopLimits.has(r.clientOrderId) && r.liquidity !== 'none' ? 'stop-limit' : r.liquidity
      };
    })
    .sort((x, y) => seq(x) - seq(y));
}

describe('ExecutionEmulator with its defaults = the skeleton BarFillVenue (when bars have the volume)', () => {
  it('produces the same reports over random sessions (orders, cancels, replaces, queries, DAY expiry)', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const { a, b, stopLimits } = session(seed);
      expect(a.filter((r) => r.execType === 'fill').length).toBeGreaterThan(10);
      expect(normalise(b, stopLimits)).toEqual(normalise(a, stopLimits));
      for (let i = 1; i < b.length; i++) expect(b[i]!.tsInit >= b[i - 1]!.tsInit).toBe(true);
    }
  });
});

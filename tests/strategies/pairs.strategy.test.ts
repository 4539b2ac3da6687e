import { describe, expect, it } from 'vitest';
import type { Bar } from '../../src/messages/market-data.ts';
import { PairsStrategy, pairsParamsSchema } from '../../src/strategies/pairs.strategy.ts';
import { bar, feed } from '../support/strategy-harness.ts';

const A = 'AAA@SIM';
const B = 'BBB@SIM';
const params = (o: Record<string, unknown> = {}) =>
  pairsParamsSchema.parse({ legs: ['AAA', 'BBB'], window: 20, entryZ: 2, exitZ: 0.5, qty: 100, ...o });

/**
 * B swings ±15 % (so the log regression pins β ≈ 1); A tracks 1.05·B with a small deterministic wobble, except that A jumps 5 % above its line at
 * minute `spikeAt` and comes back after `spikeLen` minutes. Bars of A come before B's at each minute.
 */
function market(minutes: number, spikeAt: number, spikeLen: number): Bar[] {
  const out: Bar[] = [];
  for (let t = 0; t < minutes; t++) {
    const b = Math.round(10_000 * Math.exp(0.15 * Math.sin(t / 6)));
    const wobble = 1 + 0.002 * ((((t * 37) % 11) - 5) / 5);
    const spike = t >= spikeAt && t < spikeAt + spikeLen ? 1.05 : 1;
    out.push(bar(A, t, Math.round(1.05 * b * wobble * spike)), bar(B, t, b));
  }
  return out;
}
const fmt = (i: { instrumentId: string; side: string; qty: number }) =>
  `${i.instrumentId} ${i.side} ${i.qty}`;

describe('PairsStrategy', () => {
  it('shorts the spread on a jump of A (sell A, buy β-sized B) and exits both legs when it closes', () => {
    const bars = market(80, 60, 3);
    const { intents, view } = feed(new PairsStrategy('p', params()), bars);
    const trades = intents.flatMap((b, i) => b.map((x) => ({ i, x })));
    // nothing before the spike (both windows fill first; the wobble never reaches 2σ), and never on A's bar
    expect(trades.every(({ i }) => i >= 2 * 60 && i % 2 === 1)).toBe(true);
    const [sellA, buyB, ...rest] = trades;
    expect(sellA!.i).toBe(2 * 60 + 1);
    expect(fmt(sellA!.x)).toBe('AAA@SIM sell 100');
    expect(sellA!.x.reason).toBe('pairs.short_spread');
    expect(buyB!.i).toBe(sellA!.i);
    expect(buyB!.x.instrumentId).toBe(B);
    expect(buyB!.x.side).toBe('buy');
    // β ≈ 1 on log prices and A/B ≈ 1.1 at the spike: about 110 lots of B
    expect(buyB!.x.qty).toBeGreaterThanOrEqual(100);
    expect(buyB!.x.qty).toBeLessThanOrEqual(120);
    // back on the line: both legs closed out, once
    expect(rest.map(({ x }) => x.reason)).toEqual(['pairs.exit', 'pairs.exit']);
    expect(view.position(A)).toBe(0);
    expect(view.position(B)).toBe(0);
  });

  it('a drop of A longs the spread: buy A, sell B', () => {
    // mirror the spike: A 5 % below its line
    const down = market(80, 60, 0).map((b) => {
      const t = Number((b.tsEvent - market(1, 0, 0)[0]!.tsEvent) / 60_000_000_000n);
      return b.instrumentId === A && t >= 60 && t < 63 ? { ...b, close: Math.round(b.close * 0.95) } : b;
    });
    const { intents } = feed(new PairsStrategy('p', params()), down);
    const first = intents.flat().slice(0, 2);
    expect(first.map((x) => `${x.instrumentId} ${x.side}`)).toEqual(['AAA@SIM buy', 'BBB@SIM sell']);
    expect(first[0]!.reason).toBe('pairs.long_spread');
  });

  it('no look-ahead: what it does up to a bar does not depend on the bars after it', () => {
    const bars = market(80, 60, 3);
    const full = feed(new PairsStrategy('p', params()), bars).intents;
    for (const cut of [90, 121, 124, 140]) {
      const prefix = feed(new PairsStrategy('p', params()), bars.slice(0, cut)).intents;
      expect(prefix).toEqual(full.slice(0, cut));
    }
  });

  it('skips a minute where one leg has no bar, and ignores instruments that are not its legs', () => {
    const bars = market(80, 60, 3);
    const gappy = bars.filter((b, k) => !(b.instrumentId === B && Math.floor(k / 2) === 61));
    const noise = gappy.flatMap((b) => (b.instrumentId === A ? [bar('CCC@SIM', 0, 1), b] : [b]));
    const { intents } = feed(new PairsStrategy('p', params()), noise);
    expect(intents.flat().every((x) => x.instrumentId === A || x.instrumentId === B)).toBe(true);
    expect(intents.flat().length).toBeGreaterThan(0);
  });

  it('legs may be named by instrument id; params reject equal legs and exitZ ≥ entryZ', () => {
    const byId = feed(new PairsStrategy('p', params({ legs: [A, B] })), market(80, 60, 3)).intents;
    const bySymbol = feed(new PairsStrategy('p', params()), market(80, 60, 3)).intents;
    expect(byId).toEqual(bySymbol);
    expect(pairsParamsSchema.safeParse({ legs: ['X', 'X'] }).success).toBe(false);
    expect(pairsParamsSchema.safeParse({ legs: ['X', 'Y'], entryZ: 1, exitZ: 1 }).success).toBe(false);
    expect(pairsParamsSchema.safeParse({ legs: ['X'] }).success).toBe(false);
  });

  it('params reject legs that name one instrument by symbol and by id', () => {
    for (const legs of [
      ['AAA', 'AAA@SIM'],
      ['AAA@SIM', 'AAA'],
      ['AAA@SIM', 'AAA@SIM']
    ])
      expect(pairsParamsSchema.safeParse({ legs }).success, legs.join(' ')).toBe(false);
    // the same symbol on two venues is two instruments; a symbol that only starts like the other is another
    expect(pairsParamsSchema.safeParse({ legs: ['AAA@SIM', 'AAA@XNAS'] }).success).toBe(true);
    expect(pairsParamsSchema.safeParse({ legs: ['AAA', 'AAAB@SIM'] }).success).toBe(true);
  });

  it('a bar with a non-positive close is skipped: one bad print does not silence it', () => {
    const bars = market(80, 60, 3);
    for (const [leg, close] of [
      [A, 0],
      [B, -5]
    ] as const) {
      // minute 45 (windows full, before the spike): a bad print of one leg
      const bad = bars.map((b, k) =>
        b.instrumentId === leg && Math.floor(k / 2) === 45 ? { ...b, close } : b
      );
      const strat = new PairsStrategy('p', params());
      const { intents } = feed(strat, bad);
      expect(intents[2 * 45 + 1], `${leg} ${close}`).toEqual([]);
      // it still trades the spike, and its state is finite
      const trades = intents.flat();
      expect(trades.map((x) => x.reason)).toContain('pairs.short_spread');
      expect(trades.at(-1)!.reason).toBe('pairs.exit');
      expect(Number.isFinite((strat.snapshot() as { beta: number }).beta)).toBe(true);
    }
  });
});

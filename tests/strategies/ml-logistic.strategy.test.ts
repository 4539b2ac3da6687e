import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import {
  type MlLogisticParams,
  MlLogisticStrategy,
  mlLogisticParamsSchema
} from '../../src/strategies/ml-logistic.strategy.ts';
import type { OrderIntent } from '../../src/strategies/strategy.ts';
import { bar, FillingView, series } from '../support/strategy-harness.ts';

const A = 'AAA@SIM';
const B = 'BBB@SIM';
/** 10000, 10100, 10000, 10100, ... (in ticks): every move reverses the previous one. */
function alternating(n: number, lo = 10_000, hi = 10_100): number[] {
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? lo : hi));
}

function randomWalk(seed: number, n: number): number[] {
  const rng = new Rng(seed);
  const out = [10_000];
  while (out.length < n) out.push(Math.max(1, Math.round(out.at(-1)! * (1 + 0.01 * rng.gaussian()))));
  return out;
}

interface Run {
  /** Intents emitted at each bar, by bar index. */
  intents: (readonly OrderIntent[])[];
  /** Position of the bar's instrument after each bar. */
  positions: number[];
  strategy: MlLogisticStrategy;
}

function run(series: readonly Bar[], params: Partial<MlLogisticParams> = {}, view = new FillingView()): Run {
  const strategy = new MlLogisticStrategy('ml', mlLogisticParamsSchema.parse(params));
  const intents: (readonly OrderIntent[])[] = [];
  const positions: number[] = [];
  for (const b of series) {
    const out = strategy.onBar(b, view);
    view.setNow(b.tsEvent);
    view.apply(out);
    intents.push(out);
    positions.push(view.position(b.instrumentId));
  }
  return { intents, positions, strategy };
}

interface InstrumentSnapshot {
  steps: number;
  p: number | null;
  weights: number[];
  bias: number;
  volatility: number | null;
}
function snap(s: MlLogisticStrategy): Record<string, InstrumentSnapshot> {
  return s.snapshot() as Record<string, InstrumentSnapshot>;
}

describe('MlLogisticStrategy', () => {
  it('sends nothing before warmup, even when a position is held, then trades', () => {
    const lags = 3;
    const warmup = 20;
    const r = run(series(A, alternating(60)), { lags, warmup }, new FillingView({ [A]: 40 }));
    const first = r.intents.findIndex((x) => x.length > 0);
    // features complete at bar `lags`; training starts on the bar after; the warmup-th step is at bar lags+warmup
    expect(first).toBe(lags + warmup);
    expect(r.positions.slice(0, first).every((p) => p === 40)).toBe(true);
    const s = new MlLogisticStrategy('ml', mlLogisticParamsSchema.parse({ lags, warmup }));
    const v = new FillingView();
    const bs = series(A, alternating(first + 1));
    for (const b of bs.slice(0, first)) s.onBar(b, v);
    expect(snap(s)[A]!.steps).toBe(warmup - 1);
    s.onBar(bs[first]!, v);
    expect(snap(s)[A]!.steps).toBe(warmup);
  });

  it('learns that alternating moves reverse: long after a down move, short after an up move', () => {
    const closes = alternating(200);
    const r = run(series(A, closes), { allowShort: true });
    const p = mlLogisticParamsSchema.parse({});
    const start = p.lags + p.warmup;
    for (let i = start; i < closes.length; i++) {
      const wentDown = closes[i]! < closes[i - 1]!;
      expect(r.positions[i], `bar ${i}`).toBe(wentDown ? 100 : -100);
    }
    expect(r.intents[start + 10]).toEqual([
      expect.objectContaining({ instrumentId: A, orderType: 'market', tif: 'day', qty: 200 })
    ]);
    const reasons = new Set(r.intents.flat().map((o) => o.reason));
    expect(reasons).toEqual(new Set(['ml.long', 'ml.short']));
    const st = snap(r.strategy)[A]!;
    expect(st.steps).toBe(closes.length - 1 - p.lags);
    // the last move was up, so the model expects a down move
    expect(st.p).toBeLessThan(0.5 - p.threshold);
    // reversal: the most recent return carries a negative weight
    expect(st.weights[0]).toBeLessThan(0);

    // Without allowShort it goes flat instead of short.
    const long = run(series(A, closes));
    for (let i = start; i < closes.length; i++)
      expect(long.positions[i], `bar ${i}`).toBe(closes[i]! < closes[i - 1]! ? 100 : 0);
    expect(new Set(long.intents.flat().map((o) => o.reason))).toEqual(new Set(['ml.long', 'ml.flat']));
  });

  it('trains on the features known at t−1 with the label of the move into t', () => {
    // lags 2: returns r1 = up, r2 = down, so the features after bar 2 are [down, up] (newest first).
    const s = new MlLogisticStrategy('ml', mlLogisticParamsSchema.parse({ lags: 2, l2: 0 }));
    const v = new FillingView();
    const bs = series(A, [10_000, 10_100, 10_000, 10_100]);
    for (const b of bs.slice(0, 3)) s.onBar(b, v);
    expect(snap(s)[A]).toMatchObject({ steps: 0, p: 0.5, weights: [0, 0], bias: 0 });
    s.onBar(bs[3]!, v); // the move into bar 3 was up: y = 1
    const st = snap(s)[A]!;
    expect(st.steps).toBe(1);
    // one step from zero: w = lr · 0.5 · x with x = [−1, +1] (equal-sized moves scale to ±1)
    expect(st.weights[0]).toBeCloseTo(-0.025, 12);
    expect(st.weights[1]).toBeCloseTo(0.025, 12);
    expect(st.bias).toBeCloseTo(0.025, 12);
  });

  it('has no look-ahead: what it does at bar t does not depend on later bars', () => {
    const full = series(A, randomWalk(5, 150));
    const params = { lags: 4, warmup: 10, threshold: 0.01, allowShort: true };
    const all = run(full, params);
    expect(all.intents.flat().length).toBeGreaterThan(5);
    for (const t of [20, 47, 90, 149]) {
      const prefix = run(full.slice(0, t + 1), params);
      expect(prefix.intents).toEqual(all.intents.slice(0, t + 1));
      // a different future after t does not change the past either
      const altered = [
        ...full.slice(0, t + 1),
        ...series(A, alternating(40)).map((b, i) => bar(A, t + 1 + i, b.close))
      ];
      expect(run(altered, params).intents.slice(0, t + 1)).toEqual(prefix.intents);
    }
    // and the model state after bar t is the prefix's state, not one trained on the future
    const s = new MlLogisticStrategy('ml', mlLogisticParamsSchema.parse(params));
    const v = new FillingView();
    for (const b of full.slice(0, 61)) v.apply(s.onBar(b, v));
    expect(s.snapshot()).toEqual(run(full.slice(0, 61), params).strategy.snapshot());
    expect(s.snapshot()).not.toEqual(all.strategy.snapshot());
  });

  it('is deterministic: two runs give deep-equal intents and snapshots', () => {
    const bs = series(A, randomWalk(9, 300));
    const params = { lags: 6, warmup: 30, threshold: 0.02, allowShort: true };
    const a = run(bs, params);
    const b = run(bs, params);
    expect(a.intents.flat().length).toBeGreaterThan(0);
    expect(b.intents).toEqual(a.intents);
    expect(b.strategy.snapshot()).toEqual(a.strategy.snapshot());
    expect(JSON.parse(JSON.stringify(a.strategy.snapshot()))).toEqual(a.strategy.snapshot());
    const other = run(series(A, randomWalk(10, 300)), params);
    expect(other.strategy.snapshot()).not.toEqual(a.strategy.snapshot());
  });

  it('scales features by volatility, so the size of the moves does not matter', () => {
    const small = run(series(A, alternating(120, 10_000, 10_010)), { allowShort: true });
    const large = run(series(A, alternating(120, 10_000, 12_000)), { allowShort: true });
    expect(large.intents).toEqual(small.intents);
    const [s, l] = [snap(small.strategy)[A]!, snap(large.strategy)[A]!];
    expect(l.volatility! / s.volatility!).toBeGreaterThan(100);
    for (let i = 0; i < 5; i++) expect(l.weights[i]).toBeCloseTo(s.weights[i]!, 6);
  });

  it('keeps independent state per instrument', () => {
    const params = { lags: 3, warmup: 15, threshold: 0.02, allowShort: true };
    const sa = series(A, randomWalk(1, 120));
    const sb = series(B, alternating(120));
    const aloneA = run(sa, params);
    const aloneB = run(sb, params);
    const mixed: Bar[] = [];
    for (let i = 0; i < 120; i++) mixed.push(sa[i]!, sb[i]!);
    const both = run(mixed, params);
    expect(both.intents.filter((_, i) => i % 2 === 0)).toEqual(aloneA.intents);
    expect(both.intents.filter((_, i) => i % 2 === 1)).toEqual(aloneB.intents);
    expect(both.strategy.snapshot()).toEqual({
      [A]: snap(aloneA.strategy)[A],
      [B]: snap(aloneB.strategy)[B]
    });
  });

  it('treats a non-positive close as a break in the returns: no prediction, so flat', () => {
    const closes = alternating(80);
    closes[71] = 0;
    const params = { lags: 3, warmup: 10 };
    const r = run(series(A, closes), params);
    expect(r.positions[70]).toBe(100); // bar 70 moved down
    expect(r.intents[71]).toEqual([expect.objectContaining({ side: 'sell', qty: 100, reason: 'ml.flat' })]);
    expect(snap(run(series(A, closes.slice(0, 72)), params).strategy)[A]!.p).toBeNull();
    // bars 72..74 have fewer than 3 consecutive returns (71→72 is undefined too); bar 75 predicts again
    expect(r.positions.slice(71, 76)).toEqual([0, 0, 0, 0, 0]); // 75 moved up: flat anyway without allowShort
    expect(r.positions[76]).toBe(100);
    expect(snap(r.strategy)[A]!.p).not.toBeNull();
  });

  it('does not learn from a non-positive close (its "down move" is a bad print)', () => {
    const closes = alternating(80);
    const params = { lags: 3, warmup: 10 };
    const before = snap(run(series(A, closes.slice(0, 71)), params).strategy)[A]!;
    for (const badClose of [0, -10_000]) {
      const bad = [...closes.slice(0, 71), badClose];
      const after = snap(run(series(A, bad), params).strategy)[A]!;
      expect(after.steps).toBe(before.steps);
      expect(after.weights).toEqual(before.weights);
      expect(after.bias).toBe(before.bias);
    }
  });
});

describe('mlLogisticParamsSchema', () => {
  it('fills defaults', () => {
    expect(mlLogisticParamsSchema.parse({})).toEqual({
      lags: 5,
      learningRate: 0.05,
      l2: 0.0001,
      warmup: 50,
      threshold: 0.05,
      qty: 100,
      allowShort: false
    });
    expect(mlLogisticParamsSchema.parse({ lags: 20, threshold: 0.49, allowShort: true })).toMatchObject({
      lags: 20,
      threshold: 0.49,
      allowShort: true,
      qty: 100
    });
  });

  it('rejects bad values and unknown keys', () => {
    const bad: Record<string, unknown>[] = [
      { threshold: 0.5 },
      { threshold: 0.7 },
      { threshold: 0 },
      { lags: 0 },
      { lags: 21 },
      { lags: 2.5 },
      { learningRate: 0 },
      { learningRate: -0.1 },
      { l2: -1 },
      { warmup: 0 },
      { qty: 0 },
      { qty: 1.5 },
      { allowShort: 'yes' },
      { learningRate: 10, l2: 0.1 },
      { lag: 5 },
      { lags: 5, extra: true }
    ];
    for (const p of bad) expect(mlLogisticParamsSchema.safeParse(p).success, JSON.stringify(p)).toBe(false);
  });
});

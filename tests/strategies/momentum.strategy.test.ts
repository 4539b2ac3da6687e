import { describe, expect, it } from 'vitest';
import { parseRunConfig } from '../../src/config/load.ts';
import { MomentumStrategy, momentumParamsSchema } from '../../src/strategies/momentum.strategy.ts';
import { createStrategy } from '../../src/strategies/registry.ts';
import { feed, series } from '../support/strategy-harness.ts';

const A = 'AAA@SIM';
const params = (o: Record<string, unknown> = {}) =>
  momentumParamsSchema.parse({ lookback: 2, entryBps: 100, exitBps: 20, qty: 10, ...o });
const short = (i: { side: string; qty: number }) => `${i.side} ${i.qty}`;

describe('MomentumStrategy', () => {
  it('enters above +entryBps, holds inside the band, exits under exitBps, goes short below −entryBps', () => {
    // roc(2) per bar:            –    –    0     +2%   +3%   +0.98%  0     −2.9%
    const closes = [100, 100, 100, 102, 103, 103, 103, 100].map((c) => c * 100);
    const { intents, view } = feed(
      new MomentumStrategy('m', params({ allowShort: true })),
      series(A, closes)
    );
    expect(intents.map((b) => b.map(short))).toEqual([
      [],
      [],
      [],
      ['buy 10'],
      [],
      [],
      ['sell 10'],
      ['sell 10']
    ]);
    expect(intents[3]![0]).toMatchObject({ orderType: 'market', tif: 'day', reason: 'momentum.long' });
    expect(intents[7]![0]!.reason).toBe('momentum.short');
    expect(view.position(A)).toBe(-10);
  });

  it('without allowShort a falling market means flat, never short', () => {
    const closes = [100, 100, 102, 104, 100, 96].map((c) => c * 100);
    const { intents, view } = feed(new MomentumStrategy('m', params()), series(A, closes));
    expect(intents.flat().map(short)).toEqual(['buy 10', 'sell 10']);
    expect(view.position(A)).toBe(0);
  });

  it('keeps one state per instrument', () => {
    const s = new MomentumStrategy('m', params());
    const up = series(
      A,
      [100, 100, 103].map((c) => c * 100)
    );
    const flat = series(
      'BBB@SIM',
      [100, 100, 100].map((c) => c * 100)
    );
    const { intents } = feed(s, [up[0]!, flat[0]!, up[1]!, flat[1]!, up[2]!, flat[2]!]);
    expect(intents.flat().map((i) => `${i.instrumentId} ${short(i)}`)).toEqual(['AAA@SIM buy 10']);
  });

  it('params: defaults filled, exitBps must be below entryBps, unknown keys rejected; registered as `momentum`', () => {
    expect(momentumParamsSchema.parse({})).toEqual({
      lookback: 20,
      entryBps: 50,
      exitBps: 0,
      qty: 100,
      allowShort: false
    });
    expect(momentumParamsSchema.safeParse({ entryBps: 10, exitBps: 10 }).success).toBe(false);
    expect(momentumParamsSchema.safeParse({ lookbak: 5 }).success).toBe(false);
    const cfg = parseRunConfig(
      JSON.stringify({
        data: { kind: 'synthetic', symbols: ['AAA'], start: '2024-03-04', sessions: 1 },
        strategy: { type: 'momentum', params: { lookback: 5 } }
      }),
      'x.yaml'
    );
    expect(createStrategy(cfg.strategy, 'x.yaml')).toBeInstanceOf(MomentumStrategy);
  });
});

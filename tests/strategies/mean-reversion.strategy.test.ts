import { describe, expect, it } from 'vitest';
import {
  MeanReversionStrategy,
  meanReversionParamsSchema
} from '../../src/strategies/mean-reversion.strategy.ts';
import { feed, series } from '../support/strategy-harness.ts';

const A = 'AAA@SIM';
const params = (o: Record<string, unknown> = {}) =>
  meanReversionParamsSchema.parse({ window: 3, entryZ: 1, exitZ: 0.2, qty: 5, ...o });
const short = (i: { side: string; qty: number }) => `${i.side} ${i.qty}`;

describe('MeanReversionStrategy', () => {
  it('fades a move beyond entryZ against the previous window, exits near the mean, shorts a spike up', () => {
    // bar 4: 90 against [100, 102, 98] (mean 100, sd 2): z −5 → long
    // bar 5: 96 against [102, 98, 90] (mean 96.67, sd 6.11): z −0.11 ≥ −0.2 → exit
    // bar 6: 110 against [98, 90, 96] (mean 94.67, sd 4.16): z +3.7 → short
    const { intents, view } = feed(
      new MeanReversionStrategy('mr', params({ allowShort: true })),
      series(A, [100, 102, 98, 90, 96, 110])
    );
    expect(intents.map((b) => b.map(short))).toEqual([[], [], [], ['buy 5'], ['sell 5'], ['sell 5']]);
    expect(intents.flat().map((i) => i.reason)).toEqual(['meanrev.long', 'meanrev.exit', 'meanrev.short']);
    expect(view.position(A)).toBe(-5);
  });

  it('scores each close against the window before it (the close is not in its own band)', () => {
    // with the close inside its own window, 90 against [102, 98, 90] would be z ≈ −1.0, not −5; an entryZ of
    // 1.5 separates the two readings
    const { intents } = feed(
      new MeanReversionStrategy('mr', params({ entryZ: 1.5 })),
      series(A, [100, 102, 98, 90])
    );
    expect(intents[3]!.map(short)).toEqual(['buy 5']);
  });

  it('holds between exitZ and entryZ; without allowShort a spike up is no trade', () => {
    const { intents } = feed(
      new MeanReversionStrategy('mr', params()),
      series(A, [100, 102, 98, 90, 93, 200])
    );
    // 93 against [102, 98, 90]: z ≈ −0.6, still below −exitZ → hold; 200 → would short, but shorts are off: flat
    expect(intents.map((b) => b.map(short))).toEqual([[], [], [], ['buy 5'], [], ['sell 5']]);
  });

  it('params: exitZ must be below entryZ; window ≥ 2', () => {
    expect(meanReversionParamsSchema.safeParse({ entryZ: 1, exitZ: 1 }).success).toBe(false);
    expect(meanReversionParamsSchema.safeParse({ window: 1 }).success).toBe(false);
    expect(meanReversionParamsSchema.parse({})).toMatchObject({ window: 20, entryZ: 2, exitZ: 0.5 });
  });
});

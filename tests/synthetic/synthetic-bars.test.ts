import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../src/core/instrument.ts';
import type { Bar } from '../../src/messages/market-data.ts';
import { syntheticBars } from '../../src/synthetic/synthetic-bars.ts';

const insts = ['BBB', 'AAA'].map((symbol) =>
  makeInstrument({ symbol, venue: 'SIM', tickSize: '0.01', lotSize: '1', currency: 'USD' })
);
const cfg = {
  kind: 'synthetic' as const,
  symbols: ['BBB', 'AAA'],
  start: '2024-01-05', // a Friday
  sessions: 30,
  sessionOpenUtc: '14:30',
  sessionCloseUtc: '21:00',
  startPrice: 100,
  volatility: 0.4,
  jumpProbability: 0.002,
  jumpSize: 0.03
};

async function collect(seed: number): Promise<Bar[]> {
  const out: Bar[] = [];
  for await (const batch of syntheticBars(cfg, insts, seed)) out.push(...batch);
  return out;
}

describe('synthetic market', () => {
  it('is deterministic per seed and differs across seeds', async () => {
    const a = await collect(1);
    expect(await collect(1)).toEqual(a);
    expect((await collect(2)).map((b) => b.close)).not.toEqual(a.map((b) => b.close));
  });

  it('emits 1-minute bars for weekday regular sessions only, in (time, instrument) order, OHLC consistent', async () => {
    const bars = await collect(3);
    expect(bars).toHaveLength(30 * 390 * 2);
    for (let i = 0; i < bars.length; i++) {
      const b = bars[i]!;
      expect(b.tsEvent - b.tsOpen).toBe(60_000_000_000n);
      const d = new Date(Number(b.tsOpen / 1_000_000n));
      expect([0, 6]).not.toContain(d.getUTCDay());
      const minute = d.getUTCHours() * 60 + d.getUTCMinutes();
      expect(minute >= 14 * 60 + 30 && minute < 21 * 60).toBe(true);
      expect(b.low <= Math.min(b.open, b.close) && b.high >= Math.max(b.open, b.close) && b.low > 0).toBe(
        true
      );
      if (i > 0) {
        const p = bars[i - 1]!;
        expect(p.tsEvent < b.tsEvent || (p.tsEvent === b.tsEvent && p.instrumentId < b.instrumentId)).toBe(
          true
        );
      }
    }
    // the first session is Friday 2024-01-05, the second Monday 2024-01-08 (weekend skipped)
    const days = [
      ...new Set(bars.map((b) => new Date(Number(b.tsOpen / 1_000_000n)).toISOString().slice(0, 10)))
    ];
    expect(days.slice(0, 2)).toEqual(['2024-01-05', '2024-01-08']);
  });

  it('has volatility clustering (squared returns autocorrelate) and occasional jumps (fat tails)', async () => {
    const closes = (await collect(4)).filter((b) => b.instrumentId === 'AAA@SIM').map((b) => b.close);
    const r = closes.slice(1).map((c, i) => Math.log(c / closes[i]!));
    const sq = r.map((x) => x * x);
    const mean = sq.reduce((a, b) => a + b, 0) / sq.length;
    let num = 0;
    let den = 0;
    for (let i = 0; i < sq.length; i++) {
      den += (sq[i]! - mean) ** 2;
      if (i > 0) num += (sq[i]! - mean) * (sq[i - 1]! - mean);
    }
    expect(num / den).toBeGreaterThan(0.05);
    const m = r.reduce((a, b) => a + b, 0) / r.length;
    const v = r.reduce((a, b) => a + (b - m) ** 2, 0) / r.length;
    const kurtosis = r.reduce((a, b) => a + (b - m) ** 4, 0) / r.length / (v * v);
    expect(kurtosis).toBeGreaterThan(4); // a normal distribution has 3
  });
});

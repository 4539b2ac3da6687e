import { describe, expect, it } from 'vitest';
import { type BarSource, barsFromArray, closingSource, releaseSource } from '../../src/data/bar-source.ts';
import type { Bar } from '../../src/messages/market-data.ts';

const bar = (i: number): Bar => ({
  type: 'market.bar',
  instrumentId: 'A@X',
  tsOpen: BigInt(i) * 60n,
  tsEvent: BigInt(i + 1) * 60n,
  tsInit: BigInt(i + 1) * 60n,
  open: 100,
  high: 100,
  low: 100,
  close: 100,
  volume: 1
});
const bars = Array.from({ length: 10 }, (_, i) => bar(i));

/** A closing source over the 10 bars (3 a batch) and how often it closed. */
function counted(inner: BarSource = barsFromArray(bars, 3)) {
  const c = { closed: 0 };
  return { src: closingSource(inner, () => c.closed++), c };
}

describe('closingSource', () => {
  it('closes once when read to its end, and passes every bar through', async () => {
    const { src, c } = counted();
    const got: Bar[] = [];
    for await (const batch of src) got.push(...batch);
    expect(got).toEqual(bars);
    expect(c.closed).toBe(1);
    await releaseSource(src);
    expect(c.closed).toBe(1);
  });

  it('closes once when released before it was ever read (an async generator would not)', async () => {
    const { src, c } = counted();
    await releaseSource(src);
    expect(c.closed).toBe(1);
    await releaseSource(src);
    expect(c.closed).toBe(1);
  });

  it('closes once when left part-way (break), and when the source fails', async () => {
    const { src, c } = counted();
    for await (const _ of src) break;
    expect(c.closed).toBe(1);
    async function* failing(): BarSource {
      yield [bar(0)];
      throw new Error('disk gone');
    }
    const f = counted(failing());
    await expect(async () => {
      for await (const _ of f.src);
    }).rejects.toThrow('disk gone');
    expect(f.c.closed).toBe(1);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type BarSource, barsFromArray, compareBars } from '../../src/data/bar-source.ts';
import { mergeBarSources } from '../../src/data/merge.ts';
import type { Bar } from '../../src/messages/market-data.ts';

const bar = (id: string, t: number): Bar => ({
  type: 'market.bar',
  instrumentId: id,
  tsOpen: BigInt(t) - 60n,
  tsEvent: BigInt(t),
  tsInit: BigInt(t),
  open: 1,
  high: 1,
  low: 1,
  close: 1,
  volume: 0
});

async function collect(src: BarSource): Promise<{ bars: Bar[]; batches: number }> {
  const bars: Bar[] = [];
  let batches = 0;
  for await (const b of src) {
    bars.push(...b);
    batches++;
  }
  return { bars, batches };
}

/** A source: one or more instruments, each at distinct times, emitted in (tsEvent, id) order in random batch sizes. */
const sourceArb = (k: number) =>
  fc
    .tuple(
      fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 200 }), { maxLength: 30 }), {
        minLength: 1,
        maxLength: 3
      }),
      fc.integer({ min: 1, max: 7 })
    )
    .map(([perInst, batch]) => {
      // ids are not in source order (k·5 mod 7 permutes 0..5), so a tiebreak by source index would be caught
      const bars = perInst
        .flatMap((times, j) => times.map((t) => bar(`S${(k * 5) % 7}I${j}@X`, t)))
        .sort(compareBars);
      return { bars, batch };
    });

describe('mergeBarSources (k-way heap merge)', () => {
  it('emits the union of its inputs in strict (tsEvent, instrumentId) order, in bounded batches', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc
          .integer({ min: 1, max: 6 })
          .chain((k) => fc.tuple(...Array.from({ length: k }, (_, i) => sourceArb(i)))),
        fc.integer({ min: 1, max: 50 }),
        async (sources, batchSize) => {
          const { bars } = await collect(
            mergeBarSources(
              sources.map((s) => barsFromArray(s.bars, s.batch)),
              { batchSize }
            )
          );
          const expected = sources.flatMap((s) => s.bars).sort(compareBars);
          expect(bars).toEqual(expected);
        }
      ),
      { numRuns: 150 }
    );
  });

  it('pulls a source only when its current batch is used up (lazy)', async () => {
    let pulled = 0;
    async function* counting(): BarSource {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield [bar('A@X', i * 10)];
      }
    }
    const it = mergeBarSources([counting(), barsFromArray([bar('B@X', 5)])], { batchSize: 1 })[
      Symbol.asyncIterator
    ]();
    await it.next();
    await it.next();
    expect(pulled).toBeLessThanOrEqual(3);
    await it.return?.();
  });

  it('rejects an input that goes back in time and duplicates across inputs', async () => {
    await expect(
      collect(mergeBarSources([barsFromArray([bar('A@X', 5), bar('A@X', 3)])]))
    ).rejects.toMatchObject({
      code: 'TRD_ERR_DATA_INVALID'
    });
    const dup = () => mergeBarSources([barsFromArray([bar('A@X', 5)]), barsFromArray([bar('A@X', 5)])]);
    await expect(collect(dup())).rejects.toMatchObject({ code: 'TRD_ERR_DATA_INVALID' });
    const first = await collect(
      mergeBarSources([barsFromArray([bar('A@X', 5)]), barsFromArray([bar('A@X', 5)])], {
        duplicates: 'first'
      })
    );
    expect(first.bars).toHaveLength(1);
  });

  it('breaks ties by instrument id deterministically whatever the source order', async () => {
    const a = [bar('B@X', 1), bar('A@X', 2)];
    const b = [bar('A@X', 1), bar('B@X', 2)];
    const x = (await collect(mergeBarSources([barsFromArray(a), barsFromArray(b)]))).bars;
    const y = (await collect(mergeBarSources([barsFromArray(b), barsFromArray(a)]))).bars;
    expect(x.map((q) => `${q.tsEvent}${q.instrumentId}`)).toEqual(['1A@X', '1B@X', '2A@X', '2B@X']);
    expect(y).toEqual(x);
  });
});

import type { Bar } from '../messages/market-data.ts';

/**
 * A source of bars in strict (tsEvent, instrumentId) order across all its symbols, delivered in
 * batches so a consumer can stream years of minute bars with flat memory. The backtest engine
 * consumes exactly this; the synthetic generator, CSV importers and the Parquet store all produce it.
 */
export type BarSource = AsyncIterable<readonly Bar[]>;

/** Order by instrument id. */
export function byInstrument(
  a: { readonly instrumentId: string },
  b: { readonly instrumentId: string }
): number {
  return a.instrumentId < b.instrumentId ? -1 : a.instrumentId > b.instrumentId ? 1 : 0;
}

/** Deterministic order of bars: by event time, then by instrument id (the tiebreak). */
export function compareBars(a: Bar, b: Bar): number {
  if (a.tsEvent !== b.tsEvent) return a.tsEvent < b.tsEvent ? -1 : 1;
  return byInstrument(a, b);
}

/**
 * `src`, calling `close` exactly once when the source is done with: read to its end, failed, or returned early —
 * also returned before it was ever read ({@link releaseSource}), where an async generator's `finally` would never
 * run and the resource behind it (an open Parquet store) would stay open.
 */
export function closingSource(src: BarSource, close: () => void): BarSource {
  let closed = false;
  const done = (): void => {
    if (closed) return;
    closed = true;
    close();
  };
  return {
    [Symbol.asyncIterator](): AsyncIterator<readonly Bar[]> {
      const it = src[Symbol.asyncIterator]();
      return {
        async next(): Promise<IteratorResult<readonly Bar[]>> {
          try {
            const r = await it.next();
            if (r.done) done();
            return r;
          } catch (e) {
            done();
            throw e;
          }
        },
        async return(): Promise<IteratorResult<readonly Bar[]>> {
          try {
            await it.return?.();
          } finally {
            done();
          }
          return { done: true, value: undefined };
        }
      };
    }
  };
}

/** Let go of a source that will not be read (on): what it holds open is closed ({@link closingSource}). */
export async function releaseSource(src: BarSource): Promise<void> {
  await src[Symbol.asyncIterator]().return?.();
}

/** Wrap an in-memory, already sorted array of bars as a {@link BarSource}. */
export async function* barsFromArray(bars: readonly Bar[], batchSize = 4096): BarSource {
  for (let i = 0; i < bars.length; i += batchSize) yield bars.slice(i, i + batchSize);
}

import type { Nanos } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';
import type { BarSource } from './bar-source.ts';

/**
 * The bars of `source` with `from ≤ tsEvent < to` (an absent bound does not limit), in the source's order.
 * The source is in tsEvent order, so reading stops at the first bar at or past `to` (the source's iterator
 * is closed then, releasing what it holds); batches left empty by the filter are not passed on.
 */
export async function* windowed(source: BarSource, from?: Nanos, to?: Nanos): BarSource {
  for await (const batch of source) {
    let out: readonly Bar[] = batch;
    if (from !== undefined && batch.length > 0 && batch[0]!.tsEvent < from) {
      out = out.filter((b) => b.tsEvent >= from);
    }
    if (to !== undefined && out.length > 0 && out.at(-1)!.tsEvent >= to) {
      const end = out.findIndex((b) => b.tsEvent >= to);
      if (end > 0) yield out.slice(0, end);
      return;
    }
    if (out.length > 0) yield out;
  }
}

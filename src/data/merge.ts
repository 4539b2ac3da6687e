import { ErrorCode, TradestateError } from '../core/errors.ts';
import type { Bar } from '../messages/market-data.ts';
import type { BarSource } from './bar-source.ts';

interface Cursor {
  readonly src: number;
  readonly it: AsyncIterator<readonly Bar[]>;
  batch: readonly Bar[];
  i: number;
  last: Bar | undefined;
}

/** (tsEvent, instrumentId, source index): the deterministic order of the merge. */
function less(a: Cursor, b: Cursor): boolean {
  const x = a.batch[a.i]!;
  const y = b.batch[b.i]!;
  if (x.tsEvent !== y.tsEvent) return x.tsEvent < y.tsEvent;
  if (x.instrumentId !== y.instrumentId) return x.instrumentId < y.instrumentId;
  return a.src < b.src;
}

export interface MergeOptions {
  /** Bars per emitted batch (default 4096). */
  readonly batchSize?: number;
  /**
   * The same (tsEvent, instrumentId) from two sources: `error` (default; the output of a BarSource must
   * be strictly ordered) or `first` (keep the one from the lower source index, drop the others).
   */
  readonly duplicates?: 'error' | 'first';
}

/**
 * K-way merge of bar sources with a binary heap: O(log k) per bar, pulling a source's next batch only
 * when its current one is used up, so memory is one batch per source whatever the length of the data.
 * Output is in strict (tsEvent, instrumentId) order; ties between sources break by source index.
 * Each input must itself be ordered; an input that goes backwards throws `TRD_ERR_DATA_INVALID`.
 */
export async function* mergeBarSources(sources: readonly BarSource[], opts: MergeOptions = {}): BarSource {
  const batchSize = opts.batchSize ?? 4096;
  const heap: Cursor[] = [];
  const its: AsyncIterator<readonly Bar[]>[] = [];
  try {
    for (let s = 0; s < sources.length; s++) {
      const it = sources[s]![Symbol.asyncIterator]();
      its.push(it);
      const c: Cursor = { src: s, it, batch: [], i: 0, last: undefined };
      if (await refill(c)) push(heap, c);
    }
    let out: Bar[] = [];
    let prev: Bar | undefined;
    while (heap.length > 0) {
      const c = heap[0]!;
      const bar = c.batch[c.i]!;
      if (
        c.last &&
        (bar.tsEvent < c.last.tsEvent ||
          (bar.tsEvent === c.last.tsEvent && bar.instrumentId <= c.last.instrumentId))
      ) {
        throw new TradestateError(
          ErrorCode.DATA_INVALID,
          `bar source ${c.src} is not in strict (tsEvent, instrumentId) order`,
          {
            source: c.src,
            instrumentId: bar.instrumentId,
            tsEvent: bar.tsEvent.toString(),
            previous: c.last.tsEvent.toString()
          }
        );
      }
      c.last = bar;
      c.i++;
      if (prev && prev.tsEvent === bar.tsEvent && prev.instrumentId === bar.instrumentId) {
        if ((opts.duplicates ?? 'error') === 'error') {
          throw new TradestateError(
            ErrorCode.DATA_INVALID,
            `duplicate bar ${bar.instrumentId} at ${bar.tsEvent} in merged sources`,
            {
              instrumentId: bar.instrumentId,
              tsEvent: bar.tsEvent.toString(),
              source: c.src
            }
          );
        }
      } else {
        out.push(bar);
        prev = bar;
      }
      if (c.i >= c.batch.length && !(await refill(c))) pop(heap);
      else siftDown(heap, 0);
      if (out.length >= batchSize) {
        yield out;
        out = [];
      }
    }
    if (out.length > 0) yield out;
  } finally {
    await Promise.all(its.map((it) => it.return?.()));
  }
}

async function refill(c: Cursor): Promise<boolean> {
  for (;;) {
    const r = await c.it.next();
    if (r.done) return false;
    if (r.value.length > 0) {
      c.batch = r.value;
      c.i = 0;
      return true;
    }
  }
}

function push(h: Cursor[], c: Cursor): void {
  h.push(c);
  let i = h.length - 1;
  while (i > 0) {
    const p = (i - 1) >> 1;
    if (!less(h[i]!, h[p]!)) break;
    [h[i], h[p]] = [h[p]!, h[i]!];
    i = p;
  }
}

function pop(h: Cursor[]): void {
  const last = h.pop()!;
  if (h.length > 0) {
    h[0] = last;
    siftDown(h, 0);
  }
}

function siftDown(h: Cursor[], i: number): void {
  const n = h.length;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < n && less(h[l]!, h[m]!)) m = l;
    if (r < n && less(h[r]!, h[m]!)) m = r;
    if (m === i) return;
    [h[i], h[m]] = [h[m]!, h[i]!];
    i = m;
  }
}

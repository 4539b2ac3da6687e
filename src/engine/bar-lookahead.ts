import type { Nanos } from '../core/nanos.ts';
import type { BarSource } from '../data/bar-source.ts';
import type { Bar } from '../messages/market-data.ts';

/** At most this many bars per batch passed on, unless one timestamp has more (a batch never splits a timestamp). */
const CHUNK = 1024;

/** The event loop is given a turn at least this often (wall ms) while the source is read. */
const YIELD_EVERY_MS = 50;

/**
 * A bar backtest's source as the replay reads it, with a look ahead at the next timestamp's bars.
 *
 * {@link source} passes the bars on in the same order, in batches that end where a timestamp ends (and hold at most
 * {@link CHUNK} bars, unless one timestamp has more). A consumer that groups bars by timestamp, as the replay clock
 * does, has to read the bar after a group to know the group is complete, so once it has delivered the group at `t`
 * it has read the batch that holds the next group whole: {@link next}`(t)` gives it. That lets the engine show the
 * execution emulator a bar at its open, before the bar's close is delivered to the strategy (see `runBacktest`).
 *
 * Reading also gives the event loop a turn at least every {@link YIELD_EVERY_MS} ms of wall time: a fast backtest on a
 * source that only ever awaits promises would otherwise never let a signal handler (Ctrl-C) run until it ended.
 */
export class BarLookahead {
  readonly source: BarSource;
  /** Batches passed on, from the one the cursor is in. */
  readonly #batches: (readonly Bar[])[] = [];
  /** Index in `#batches[0]` of the first bar not yet released. */
  #pos = 0;
  /** The source is read to its end. */
  #eof = false;
  #cached: { readonly after: Nanos; readonly group: readonly Bar[] | null | undefined } | undefined;

  constructor(src: BarSource) {
    this.source = this.#cut(src);
  }

  /**
   * The bars of the first timestamp after `after`, once passed on; `null` when the source has ended before one, and
   * undefined when it is not read yet. Releases the bars up to `after` ({@link release}): `after` must not decrease.
   */
  next(after: Nanos): readonly Bar[] | null | undefined {
    const c = this.#cached;
    if (c !== undefined && c.after === after && c.group !== undefined) return c.group;
    const group = this.#find(after);
    this.#cached = { after, group };
    return group;
  }

  /**
   * Forget the bars up to `upTo` (the consumer has delivered them): call it as the data is consumed, so that what is
   * kept stays one batch or two, however long the source.
   */
  release(upTo: Nanos): void {
    const batches = this.#batches;
    for (;;) {
      const b = batches[0];
      if (b === undefined) return;
      while (this.#pos < b.length && b[this.#pos]!.tsEvent <= upTo) this.#pos++;
      if (this.#pos < b.length) return;
      batches.shift();
      this.#pos = 0;
    }
  }

  #find(after: Nanos): readonly Bar[] | null | undefined {
    this.release(after);
    const b = this.#batches[0];
    if (b === undefined) return this.#eof ? null : undefined;
    const ts = b[this.#pos]!.tsEvent;
    let end = this.#pos + 1;
    while (end < b.length && b[end]!.tsEvent === ts) end++;
    return b.slice(this.#pos, end);
  }

  async *#cut(src: BarSource): AsyncGenerator<readonly Bar[]> {
    /** Bars read and not passed on: the last timestamp read so far, which the next batch may go on with. */
    let carry: Bar[] = [];
    let turn = performance.now();
    const pass = async (batch: readonly Bar[]): Promise<readonly Bar[]> => {
      if (performance.now() - turn >= YIELD_EVERY_MS) {
        await new Promise<void>((r) => setImmediate(r));
        turn = performance.now();
      }
      this.#batches.push(batch);
      return batch;
    };
    for await (const batch of src) {
      if (batch.length === 0) continue;
      const bars = carry.length === 0 ? batch : carry.concat(batch);
      // the last timestamp may go on in the next batch: keep it back
      const last = bars[bars.length - 1]!.tsEvent;
      let keep = bars.length - 1;
      while (keep > 0 && bars[keep - 1]!.tsEvent === last) keep--;
      let from = 0;
      while (from < keep) {
        let to = Math.min(keep, from + CHUNK);
        // end the chunk where a timestamp ends (a timestamp longer than a chunk is passed on whole)
        const ts = bars[to - 1]!.tsEvent;
        if (to < keep && bars[to]!.tsEvent === ts) {
          let back = to - 1;
          while (back > from && bars[back - 1]!.tsEvent === ts) back--;
          if (back > from) to = back;
          else while (to < keep && bars[to]!.tsEvent === ts) to++;
        }
        yield await pass(from === 0 && to === bars.length ? bars : bars.slice(from, to));
        from = to;
      }
      carry = bars.slice(keep);
    }
    this.#eof = true;
    if (carry.length > 0) yield await pass(carry);
  }
}

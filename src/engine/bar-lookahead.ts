import type { Nanos } from '../core/nanos.ts';
import type { BarSource } from '../data/bar-source.ts';
import type { Bar } from '../messages/market-data.ts';

/** At most this many bars per batch passed on, unless one timestamp has more (a batch never splits a timestamp). */
const CHUNK = 1024;

/**
 * A batch is passed on only once bars closing this many widest bars after it are read: when the replay delivers a
 * batch's last bars, what opens before the next close plus a latency of up to a bar's width is known.
 */
const READ_AHEAD_WIDTHS = 3n;

/** The event loop is given a turn at least this often (wall ms) while the source is read. */
const YIELD_EVERY_MS = 50;

/**
 * A bar backtest's source as the replay reads it, with a look ahead at the bars to come.
 *
 * {@link source} passes the bars on in the same order, in batches that end where a timestamp ends (and hold at most
 * {@link CHUNK} bars, unless one timestamp has more), each once the source has been read {@link READ_AHEAD_WIDTHS}
 * widest bars past it. {@link barsAfter} gives the bars read that may have opened by a time, {@link covers} says
 * whether all of them are read. That lets the engine show the execution emulator a bar at its open, before the
 * bar's close is delivered to the strategy (see `runBacktest`), whatever the bars' widths.
 *
 * Reading also gives the event loop a turn at least every {@link YIELD_EVERY_MS} ms of wall time: a fast backtest on a
 * source that only ever awaits promises would otherwise never let a signal handler (Ctrl-C) run until it ended.
 */
export class BarLookahead {
  readonly source: BarSource;
  /** The source is read to its end. */
  #eof = false;
  /**
   * Bars read from the source and not released: from {@link #released} on; those from {@link #aheadFrom} on are not
   * passed on yet.
   */
  #ahead: Bar[] = [];
  #released = 0;
  #aheadFrom = 0;
  /** The widest bar passed on so far (`tsEvent − tsOpen`). */
  #maxWidth = 0n;

  constructor(src: BarSource) {
    this.source = this.#cut(src);
  }

  /**
   * Whether every bar that opens before `t` has been passed on (so can be found by {@link barsAfter}): the source
   * is read to its end, or bars closing at `t + maxWidth` or later have been read (bars come in close order, and
   * none is wider than the widest seen). A wider bar than any before it is the one case this cannot foresee.
   */
  covers(t: Nanos): boolean {
    if (this.#eof) return true;
    const last = this.#ahead.at(-1);
    return last !== undefined && last.tsEvent >= t + this.#maxWidth;
  }

  /**
   * The bars passed on that close after `after` and may open before `t` (close before `t + maxWidth`), in close
   * order. Releases the bars up to `after` ({@link release}).
   */
  *barsAfter(after: Nanos, t: Nanos): Generator<Bar> {
    this.release(after);
    const limit = t + this.#maxWidth;
    const a = this.#ahead;
    for (let i = this.#released; i < a.length; i++) {
      const bar = a[i]!;
      if (bar.tsEvent >= limit) return;
      yield bar;
    }
  }

  /**
   * Forget the bars passed on up to `upTo` (the consumer has delivered them): call it as the data is consumed, so
   * that what is kept stays a few batches, however long the source.
   */
  release(upTo: Nanos): void {
    const a = this.#ahead;
    while (this.#released < this.#aheadFrom && a[this.#released]!.tsEvent <= upTo) this.#released++;
    if (this.#released > 4 * CHUNK && this.#released * 2 > a.length) {
      this.#ahead = a.slice(this.#released);
      this.#aheadFrom -= this.#released;
      this.#released = 0;
    }
  }

  async *#cut(src: BarSource): AsyncGenerator<readonly Bar[]> {
    let turn = performance.now();
    const pass = async (to: number): Promise<readonly Bar[]> => {
      if (performance.now() - turn >= YIELD_EVERY_MS) {
        await new Promise<void>((r) => setImmediate(r));
        turn = performance.now();
      }
      const batch = this.#ahead.slice(this.#aheadFrom, to);
      this.#aheadFrom = to;
      return batch;
    };
    for await (const batch of src) {
      for (const b of batch) {
        const w = b.tsEvent - b.tsOpen;
        if (w > this.#maxWidth) this.#maxWidth = w;
        this.#ahead.push(b);
      }
      for (let to = this.#chunkEnd(false); to !== undefined; to = this.#chunkEnd(false)) yield await pass(to);
    }
    this.#eof = true;
    for (let to = this.#chunkEnd(true); to !== undefined; to = this.#chunkEnd(true)) yield await pass(to);
  }

  /**
   * Where the next batch to pass on ends in {@link #ahead}, or undefined when nothing is to be passed on yet: a
   * batch ends where a timestamp ends and holds at most {@link CHUNK} bars (unless one timestamp has more); until
   * the source ends, the last timestamp read is kept back (the next read may go on with it), and a batch is passed
   * on only once bars closing {@link READ_AHEAD_WIDTHS} widest bars after it have been read.
   */
  #chunkEnd(final: boolean): number | undefined {
    const a = this.#ahead;
    const from = this.#aheadFrom;
    let keep = a.length;
    if (!final && keep > 0) {
      const last = a[keep - 1]!.tsEvent;
      while (keep > from && a[keep - 1]!.tsEvent === last) keep--;
    }
    if (keep <= from) return undefined;
    let to = Math.min(keep, from + CHUNK);
    const ts = a[to - 1]!.tsEvent;
    if (to < keep && a[to]!.tsEvent === ts) {
      let back = to - 1;
      while (back > from && a[back - 1]!.tsEvent === ts) back--;
      if (back > from) to = back;
      else while (to < keep && a[to]!.tsEvent === ts) to++;
    }
    if (!final && a[a.length - 1]!.tsEvent < a[to - 1]!.tsEvent + READ_AHEAD_WIDTHS * this.#maxWidth)
      return undefined;
    return to;
  }
}

import type { Nanos } from '../core/nanos.ts';
import type { Bar, Trade } from '../messages/market-data.ts';
import { byInstrument } from './bar-source.ts';
import { bucketStart } from './resample.ts';

interface Open {
  start: Nanos;
  /** Clock time of its first trade. */
  openedAt: Nanos;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/**
 * Time bars from trades, per instrument: bucket `[k·barNs, (k+1)·barNs)` by the trade's `tsEvent`. A bar is
 * finished when a trade of a later bucket arrives ({@link push}), or by the clock ({@link flush}) once both
 * its end and its first trade are `graceNs` in the past. The first condition closes a live feed's quiet
 * instruments on time; the second keeps a replay of old trades (whose bar ends are long past by the clock)
 * from closing a bar after each trade. A bucket with no trades has no bar. Bars are never revised once emitted
 * (as in `BarRollup`): a trade of a bucket already emitted (late, e.g. after the clock finished its bar) is
 * dropped and counted in {@link late}; one older than the open bar's bucket but of no emitted bucket (out of
 * order across a minute without a bar) is counted in the open bar.
 */
export class TradeBarAggregator {
  readonly #barNs: Nanos;
  readonly #graceNs: Nanos;
  readonly #open = new Map<string, Open>();
  /** Per instrument, the end of the last bucket emitted: a trade before it is late. */
  readonly #doneUntil = new Map<string, Nanos>();
  #late = 0;

  constructor(barNs: Nanos, graceNs: Nanos = 0n) {
    this.#barNs = barNs;
    this.#graceNs = graceNs;
  }

  /** Trades dropped so far because their bucket had already been emitted. */
  get late(): number {
    return this.#late;
  }

  /**
   * Add a trade seen at clock time `now`; returns the instrument's previous bar when it starts a later bucket.
   * A trade of a bucket already emitted is dropped (see {@link late}).
   */
  push(t: Trade, now: Nanos): Bar | undefined {
    const start = bucketStart(t.tsEvent, this.#barNs);
    const done = this.#doneUntil.get(t.instrumentId);
    if (done !== undefined && start < done) {
      this.#late++;
      return undefined;
    }
    const cur = this.#open.get(t.instrumentId);
    if (cur !== undefined && start <= cur.start) {
      if (t.px > cur.h) cur.h = t.px;
      if (t.px < cur.l) cur.l = t.px;
      cur.c = t.px;
      cur.v += t.sz;
      return undefined;
    }
    this.#open.set(t.instrumentId, { start, openedAt: now, o: t.px, h: t.px, l: t.px, c: t.px, v: t.sz });
    return cur === undefined ? undefined : this.#bar(t.instrumentId, cur);
  }

  /** Finish every open bar whose end and first trade are at least `graceNs` before `now`, in instrument order. */
  flush(now: Nanos): Bar[] {
    const out: Bar[] = [];
    const grace = this.#graceNs;
    for (const [id, cur] of this.#open) {
      if (cur.start + this.#barNs + grace <= now && cur.openedAt + grace <= now) {
        this.#open.delete(id);
        out.push(this.#bar(id, cur));
      }
    }
    return out.sort(byInstrument);
  }

  #bar(instrumentId: string, b: Open): Bar {
    const end = b.start + this.#barNs;
    this.#doneUntil.set(instrumentId, end);
    return {
      type: 'market.bar',
      instrumentId,
      tsOpen: b.start,
      tsEvent: end,
      tsInit: end,
      open: b.o,
      high: b.h,
      low: b.l,
      close: b.c,
      volume: b.v
    };
  }
}

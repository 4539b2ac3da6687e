import { ErrorCode, isTradestateError, TradestateError } from '../core/errors.ts';
import type { Nanos } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';
import { byInstrument } from './bar-source.ts';
import { BarResampler, type ResampleOptions } from './resample.ts';
import type { Timeframe } from './timeframe.ts';

/** Options of {@link BarRollup}. */
export interface BarRollupOptions extends ResampleOptions {
  /** The bars to make. */
  readonly timeframe: Timeframe;
  /**
   * How long after a bucket's end its last input bar may still arrive before the clock closes it without it
   * (a minute with no trades has no bar). Default 0.
   */
  readonly graceNs?: Nanos;
  /** Per instrument id, a calendar other than `calendar` (a store's symbols keep their own). */
  readonly calendars?: ReadonlyMap<string, ResampleOptions['calendar']>;
}

/** What {@link BarRollup.push} made of one input bar. */
export interface RollupStep {
  /** Buckets the bar completed, oldest first (none, one, or the previous and its own). */
  readonly bars: readonly Bar[];
  /** The bar belongs to a bucket already emitted or passed (a late or out-of-order bar): it was not used. */
  readonly late: boolean;
  /**
   * Why the bar could not be placed exactly (it straddles a bucket's edge or the session open:
   * `TRD_ERR_DATA_INVALID`): it was not used, and nothing else changed. Absent when it was placed.
   */
  readonly refused?: TradestateError;
}

interface PerInstrument {
  readonly resampler: BarResampler;
  /** Clock time the open bucket got its first bar. */
  openedAt: Nanos;
  /** End of the last bucket emitted: a bar opening before it is late. */
  doneUntil: Nanos | undefined;
}

const NONE: RollupStep = { bars: [], late: false };

const asDataError = (e: unknown): TradestateError =>
  isTradestateError(e)
    ? e
    : new TradestateError(
        ErrorCode.DATA_INVALID,
        e instanceof Error ? e.message : String(e),
        {},
        { cause: e }
      );
const LATE: RollupStep = { bars: [], late: true };

/**
 * Live bar aggregation: finer bars as a feed delivers them (Alpaca's and the FIX gateway's minute bars) into the
 * timeframe a strategy was backtested on, per instrument, with the backtest's bucket rules ({@link BarResampler}:
 * exact OHLCV, epoch-aligned intraday buckets, NYSE or UTC days, session filter). Unlike a replay, a live bucket
 * is emitted as soon as it is complete: when a bar ending at the bucket's end arrives, when a bar of a later bucket
 * arrives, or by the clock ({@link flush}) once both the bucket's end and its first bar are `graceNs` in the past
 * (the first condition closes quiet buckets on time; the second keeps a fast replay of old bars, whose ends are
 * long past by the wall clock, from closing a bucket after each bar). Emitted bars are never revised: a bar for a
 * bucket already emitted is reported late and left out. A bar already as wide as the timeframe passes as it is
 * (when the sessions kept include it), whatever its alignment.
 */
export class BarRollup {
  readonly #o: BarRollupOptions;
  readonly #graceNs: Nanos;
  readonly #open = new Map<string, PerInstrument>();

  constructor(o: BarRollupOptions) {
    this.#o = o;
    this.#graceNs = o.graceNs ?? 0n;
    new BarResampler(o.timeframe, o); // refuses a timeframe it cannot make, here rather than at the first bar
  }

  /** The bars it makes. */
  get timeframe(): Timeframe {
    return this.#o.timeframe;
  }

  /** Add an input bar seen at clock time `now`. */
  push(b: Bar, now: Nanos): RollupStep {
    let st = this.#open.get(b.instrumentId);
    if (st === undefined) {
      const calendar = this.#o.calendars?.get(b.instrumentId) ?? this.#o.calendar;
      st = {
        resampler: new BarResampler(this.#o.timeframe, { ...this.#o, calendar }),
        openedAt: now,
        doneUntil: undefined
      };
      this.#open.set(b.instrumentId, st);
    }
    const r = st.resampler;
    const tf = this.#o.timeframe;
    if (tf.intraday && b.tsEvent - b.tsOpen === tf.ns && r.openBucket === undefined) {
      // already at the timeframe (a 1-minute strategy on a minute feed): as it is, inside the sessions kept
      if (st.doneUntil !== undefined && b.tsEvent <= st.doneUntil) return LATE;
      if (!r.keeps(b.tsOpen)) return NONE;
      st.doneUntil = b.tsEvent;
      return { bars: [b], late: false };
    }
    const floor = r.openBucket?.start ?? st.doneUntil;
    if (floor !== undefined && b.tsOpen < floor) return LATE;
    const before = r.openBucket;
    let done: Bar | undefined;
    try {
      done = r.push(b); // refuses before it changes anything
    } catch (e) {
      return { bars: [], late: false, refused: asDataError(e) };
    }
    const open = r.openBucket;
    if (open !== undefined && open !== before) st.openedAt = now;
    if (done === undefined && (open === undefined || b.tsEvent < open.end)) return NONE;
    const bars: Bar[] = [];
    if (done !== undefined) bars.push(done);
    if (open !== undefined && b.tsEvent >= open.end) bars.push(r.flush()!);
    st.doneUntil = bars.at(-1)!.tsEvent;
    return { bars, late: false };
  }

  /** Close every open bucket whose end and first bar are at least `graceNs` before `now`, in instrument order. */
  flush(now: Nanos): Bar[] {
    const out: Bar[] = [];
    const grace = this.#graceNs;
    for (const st of this.#open.values()) {
      const open = st.resampler.openBucket;
      if (open === undefined || open.end + grace > now || st.openedAt + grace > now) continue;
      const bar = st.resampler.flush()!;
      st.doneUntil = bar.tsEvent;
      out.push(bar);
    }
    return out.sort(byInstrument);
  }
}

import { ErrorCode, TradestateError } from '../core/errors.ts';
import { isoFromNs, type Nanos, NS_PER_DAY } from '../core/nanos.ts';
import type { Bar } from '../messages/market-data.ts';
import { type BarColumns, barsToColumns } from './columns.ts';
import { type NyseSessionTimes, nyLocal, nyseDay, nyseSessionUtc } from './nyse-calendar.ts';
import type { Timeframe } from './timeframe.ts';

export interface ResampleOptions {
  /** `nyse`: daily bars are New York sessions; `24x7`: UTC days. */
  readonly calendar: 'nyse' | '24x7';
  /**
   * NYSE only. `regular` (default): keep only bars inside 09:30–16:00 (13:00 on early closes), and a daily
   * bar spans the regular session (tsEvent = the close). `all`: keep pre-market and after hours too, a daily
   * bar spans 04:00–20:00 (tsEvent = 20:00, the first instant the whole day is knowable).
   */
  readonly session?: 'regular' | 'all';
}

/**
 * Aggregates bars of one instrument into a coarser timeframe, streaming: push bars in tsEvent order,
 * get completed buckets back. Exact in ticks (open = first open, high = max, low = min, close = last
 * close, volume = sum, flags = OR). Intraday buckets are aligned on the UTC epoch ([k·w, (k+1)·w));
 * daily buckets follow the calendar. A bucket's tsEvent is its end, never the time of its last input
 * bar: a 5-minute bar is knowable only when its five minutes are over, whether or not trades came.
 * An input bar `[tsOpen, tsEvent)` it cannot place exactly — straddling a bucket's edge, or an NYSE session's
 * start (an hour-aligned 1h bar [09:00, 10:00) for regular bars) — is refused, `TRD_ERR_DATA_INVALID`; one running
 * past the session's end is its last bar, cut by the close (session-aligned 60m bars: 15:30–16:00).
 */
export class BarResampler {
  readonly #tf: Timeframe;
  readonly #opts: Required<ResampleOptions>;
  #cur:
    | { start: Nanos; end: Nanos; o: number; h: number; l: number; c: number; v: number; f: number }
    | undefined;
  #instrumentId = '';
  #day: { pre: Nanos; open: Nanos; close: Nanos; post: Nanos; trading: boolean } | undefined;

  constructor(tf: Timeframe, opts: ResampleOptions) {
    if (tf.unit === 'w') {
      throw new TradestateError(ErrorCode.DATA_INVALID, `resampling to ${tf.label} is not supported`, {
        timeframe: tf.label
      });
    }
    if (!tf.intraday && tf.n !== 1) {
      throw new TradestateError(
        ErrorCode.DATA_INVALID,
        `daily resampling supports 1d only, got ${tf.label}`,
        {
          timeframe: tf.label
        }
      );
    }
    this.#tf = tf;
    this.#opts = { calendar: opts.calendar, session: opts.session ?? 'regular' };
  }

  /** NYSE session containing `ts` (cached: consecutive minute bars share a day). */
  #nyseDayOf(ts: Nanos): { pre: Nanos; open: Nanos; close: Nanos; post: Nanos; trading: boolean } {
    const d = this.#day;
    if (d && ts >= d.pre && ts < d.post) return d;
    const { y, m, d: dd } = nyLocal(ts);
    const s: NyseSessionTimes = nyseSessionUtc(y, m, dd);
    const day = {
      pre: s.preOpen,
      open: s.open,
      close: s.close,
      post: s.postClose,
      trading: nyseDay(y, m, dd).tradingDay
    };
    if (ts >= day.pre && ts < day.post) this.#day = day;
    return day;
  }

  /**
   * Bucket [start, end) of a bar `[tsOpen, tsEvent)`, or undefined when the session filter drops it (by its open).
   * Refuses (`TRD_ERR_DATA_INVALID`) a bar that cannot be placed exactly: one that straddles a bucket's edge, or
   * (NYSE) opens before the sessions kept and ends inside them. A bar that opens inside them and runs past their end
   * is the session's last bar, cut by the close (a session-aligned 60m bar opening at 15:30 holds 15:30–16:00): it
   * only has to fit its bucket up to the close.
   */
  #bucket(tsOpen: Nanos, tsEvent: Nanos): { start: Nanos; end: Nanos } | undefined {
    const tf = this.#tf;
    let last = tsEvent; // where the bar's content ends
    if (this.#opts.calendar === 'nyse') {
      const day = this.#nyseDayOf(tsOpen);
      if (!day.trading || tsOpen >= day.post) return undefined;
      const regular = this.#opts.session === 'regular';
      const from = regular ? day.open : day.pre;
      const to = regular ? day.close : day.post;
      if (tsOpen < from) {
        if (tsEvent > from) this.#straddles(tsOpen, tsEvent, from, 'the session open');
        return undefined;
      }
      if (tsOpen >= to) return undefined;
      if (!tf.intraday) return { start: from, end: to };
      if (last > to) last = to;
    } else if (!tf.intraday) {
      const start = bucketStart(tsOpen, NS_PER_DAY);
      if (last > start + NS_PER_DAY) this.#straddles(tsOpen, tsEvent, start + NS_PER_DAY, 'the day boundary');
      return { start, end: start + NS_PER_DAY };
    }
    const start = bucketStart(tsOpen, tf.ns);
    const end = start + tf.ns;
    if (last > end) this.#straddles(tsOpen, tsEvent, end, `the ${tf.label} bucket boundary`);
    return { start, end };
  }

  #straddles(tsOpen: Nanos, tsEvent: Nanos, edge: Nanos, what: string): never {
    const tf = this.#tf.label;
    throw new TradestateError(
      ErrorCode.DATA_INVALID,
      `cannot resample to ${tf} exactly: the input bar [${isoFromNs(tsOpen)}, ${isoFromNs(tsEvent)}) straddles ${what} at ${isoFromNs(edge)} (read a finer timeframe whose bars tile the ${tf} buckets)`,
      {
        timeframe: tf,
        inputWidthNs: (tsEvent - tsOpen).toString(),
        tsOpen: tsOpen.toString(),
        tsEvent: tsEvent.toString(),
        edge: edge.toString()
      }
    );
  }

  /** Push one bar; returns the bucket it completed, if any. */
  push(b: Bar): Bar | undefined {
    this.#instrumentId = b.instrumentId;
    return this.#push(b.tsOpen, b.tsEvent, b.open, b.high, b.low, b.close, b.volume, 0);
  }

  #push(
    tsOpen: Nanos,
    tsEvent: Nanos,
    o: number,
    h: number,
    l: number,
    c: number,
    v: number,
    f: number
  ): Bar | undefined {
    const bk = this.#bucket(tsOpen, tsEvent);
    if (!bk) return undefined;
    const cur = this.#cur;
    if (cur && cur.start === bk.start) {
      if (h > cur.h) cur.h = h;
      if (l < cur.l) cur.l = l;
      cur.c = c;
      cur.v += v;
      cur.f |= f;
      return undefined;
    }
    if (cur && bk.start < cur.start) {
      throw new TradestateError(ErrorCode.DATA_INVALID, 'resampler input is not in time order', {
        tsOpen: tsOpen.toString()
      });
    }
    const done = cur ? this.#emit() : undefined;
    this.#cur = { start: bk.start, end: bk.end, o, h, l, c, v, f };
    return done;
  }

  #emit(): Bar {
    const cur = this.#cur!;
    this.#cur = undefined;
    return {
      type: 'market.bar',
      instrumentId: this.#instrumentId,
      tsOpen: cur.start,
      tsEvent: cur.end,
      tsInit: cur.end,
      open: cur.o,
      high: cur.h,
      low: cur.l,
      close: cur.c,
      volume: cur.v
    };
  }

  /** Push a block of columns; returns the completed buckets. */
  pushColumns(c: BarColumns, instrumentId: string): Bar[] {
    this.#instrumentId = instrumentId;
    const out: Bar[] = [];
    for (let i = 0; i < c.length; i++) {
      const done = this.#push(
        c.tsOpen[i]!,
        c.tsEvent[i]!,
        c.open[i]!,
        c.high[i]!,
        c.low[i]!,
        c.close[i]!,
        c.volume[i]!,
        c.flags[i]!
      );
      if (done) out.push(done);
    }
    return out;
  }

  /** Whether a bar opening at `tsOpen` is inside the sessions kept (see {@link ResampleOptions.session}). */
  keeps(tsOpen: Nanos): boolean {
    return this.#bucket(tsOpen, tsOpen) !== undefined;
  }

  /** The bucket now being filled (`[start, end)`), if any. */
  get openBucket(): { readonly start: Nanos; readonly end: Nanos } | undefined {
    return this.#cur;
  }

  /** Emit the last, possibly partial, bucket (end of data). */
  flush(): Bar | undefined {
    return this.#cur ? this.#emit() : undefined;
  }
}

/** Resample a whole array of one instrument's bars. */
export function resampleBars(bars: readonly Bar[], tf: Timeframe, opts: ResampleOptions): Bar[] {
  if (bars.length === 0) return [];
  const r = new BarResampler(tf, opts);
  const out = r.pushColumns(barsToColumns(bars), bars[0]!.instrumentId);
  const last = r.flush();
  if (last) out.push(last);
  return out;
}

/**
 * Start of the `width`-wide intraday bucket holding instant `t`: buckets are aligned on the UTC epoch,
 * `[k·width, (k+1)·width)`, on every calendar (a 1h bucket opens on the hour, so an NYSE session's first one is
 * 09:00–10:00 holding 09:30–09:59). The one grid of {@link BarResampler} and of the gaps `fillGaps` looks for.
 */
export function bucketStart(t: Nanos, width: Nanos): Nanos {
  return floorDiv(t, width) * width;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a < 0n && q * b !== a ? q - 1n : q;
}

import { z } from 'zod';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { BookSequencer, SyncStatus, UpdateVerdict } from '../book-sequencer.ts';
import { L2Book } from '../l2-book.ts';
import { BookSide } from '../side.ts';
import { lots, parseFrame, type TickLot, ticks, toLevels, wireLevelSchema } from './wire-levels.ts';

/** A Binance spot diff-depth event (`<symbol>@depth` / `@depth@100ms`). */
export const binanceDepthEventSchema = z
  .object({
    e: z.literal('depthUpdate'),
    E: z.number().int(),
    s: z.string().min(1).max(32),
    U: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    u: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    b: z.array(wireLevelSchema),
    a: z.array(wireLevelSchema)
  })
  .refine((x) => x.U <= x.u, { message: 'U must not exceed u' });
export type BinanceDepthEvent = z.infer<typeof binanceDepthEventSchema>;

/** A combined-stream envelope `{"stream": "...", "data": {...}}`. */
export const binanceCombinedSchema = z.object({ stream: z.string().max(128), data: z.unknown() });

/** `GET /api/v3/depth` response. */
export const binanceDepthSnapshotSchema = z.object({
  lastUpdateId: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  bids: z.array(wireLevelSchema),
  asks: z.array(wireLevelSchema)
});

/** What {@link BinanceDepthSync.onEvent} did with an event. */
export const BinanceEventResult = {
  /** Waiting for a snapshot: kept in the buffer. */
  BUFFERED: 'buffered',
  APPLIED: 'applied',
  /** `u ≤` the book's update id: already covered, dropped. */
  STALE: 'stale',
  /** `U >` the book's update id + 1: the book was discarded; buffering again for a new snapshot. */
  GAP: 'gap',
  /** The update left the book crossed: discarded, buffering again for a new snapshot. */
  CROSSED: 'crossed'
} as const;
export type BinanceEventResult = (typeof BinanceEventResult)[keyof typeof BinanceEventResult];

/** What {@link BinanceDepthSync.onSnapshot} did. */
export const BinanceSnapshotResult = {
  /** Applied, buffered events replayed: the book is synced. */
  SYNCED: 'synced',
  /** `lastUpdateId < U` of the first buffered event: this snapshot is older than the stream; fetch again. */
  TOO_OLD: 'too_old',
  /** The first buffered event after the snapshot does not bracket `lastUpdateId + 1`: fetch again. */
  GAP: 'gap'
} as const;
export type BinanceSnapshotResult = (typeof BinanceSnapshotResult)[keyof typeof BinanceSnapshotResult];

/** Counters of a {@link BinanceDepthSync}. */
export interface BinanceSyncStats {
  buffered: number;
  applied: number;
  stale: number;
  gaps: number;
  crossed: number;
  snapshots: number;
  /** Events refused with a typed error (a malformed level, another symbol's event). */
  refused: number;
}

/**
 * Binance spot "manage a local order book correctly" for one symbol (binance_docs/web-socket-streams.md):
 * buffer diff-depth events, take a REST snapshot, drop buffered events with `u ≤ lastUpdateId`, require the
 * first remaining one to bracket `lastUpdateId + 1` (`U ≤ lastUpdateId+1 ≤ u`), then apply events whose `U` is
 * exactly the previous `u + 1` (an overlapping event is applied too; `u ≤` local id is dropped). A gap
 * discards the book and goes back to buffering (the event that revealed it is kept as the first buffered
 * one); the caller fetches a new snapshot. Quantities are absolute per level; 0 removes the level.
 *
 * Frames are validated with zod at the boundary (`TRD_ERR_WS_FRAME_INVALID`), prices and sizes convert to
 * ticks and lots exactly with the instrument's tick and lot (`TRD_ERR_PRICE_NOT_ON_TICK` /
 * `TRD_ERR_QTY_NOT_ON_LOT`; `TRD_ERR_NUMBER_INVALID` for a price ≤ 0 or a negative size). An event is
 * applied whole or not at all: every level is converted before the sequence check or the book is touched,
 * and an event that cannot be applied while synced sends the book to RESYNC (its update is lost, so the
 * book could never be right again without a snapshot). {@link book} throws `TRD_ERR_BOOK_SEQUENCE_GAP` /
 * `TRD_ERR_BOOK_NOT_SYNCED` whenever it is not known to be right.
 */
export class BinanceDepthSync {
  readonly instrument: TickLot;
  readonly stats: BinanceSyncStats = {
    buffered: 0,
    applied: 0,
    stale: 0,
    gaps: 0,
    crossed: 0,
    snapshots: 0,
    refused: 0
  };
  readonly #book = new L2Book();
  readonly #seq = new BookSequencer();
  #buffer: BinanceDepthEvent[] = [];
  readonly #maxBuffer: number;
  /** The levels of the event being applied, in ticks and lots, bids first (reused: no per-event allocation). */
  readonly #px: number[] = [];
  readonly #qty: number[] = [];
  /** Levels of the event in {@link #px} / {@link #qty} (written by index: setting `length` would drop the storage). */
  #levels = 0;

  constructor(instrument: TickLot, opts: { maxBuffer?: number } = {}) {
    this.instrument = instrument;
    this.#maxBuffer = opts.maxBuffer ?? 10_000;
  }

  /** SYNCED, AWAITING_SNAPSHOT (buffering) or RESYNC (after a gap, buffering for a new snapshot). */
  get status(): SyncStatus {
    return this.#seq.status;
  }

  /** The book's update id (`lastUpdateId`, then each applied `u`); -1 before a snapshot. */
  get lastUpdateId(): number {
    return this.#seq.lastSeq;
  }

  /** Events waiting for a snapshot. */
  get bufferedCount(): number {
    return this.#buffer.length;
  }

  /** The synced book; throws a typed error when not synced. */
  get book(): L2Book {
    this.#seq.requireSynced(`binance ${this.instrument.symbol}`);
    return this.#book;
  }

  /** A raw frame from the socket: a depth event or a combined-stream envelope around one. */
  onFrame(frame: unknown): BinanceEventResult {
    const inner =
      frame !== null && typeof frame === 'object' && 'stream' in frame
        ? parseFrame(binanceCombinedSchema, frame, 'binance combined stream').data
        : frame;
    return this.onEvent(parseFrame(binanceDepthEventSchema, inner, 'binance depthUpdate'));
  }

  /**
   * One validated depth event. Refused with a typed error, the book untouched: another symbol's event
   * (`TRD_ERR_WS_FRAME_INVALID`), or one with a level that does not convert (then, while synced and the event
   * is not stale, the book goes to RESYNC; while buffering the event is not kept, and the hole it leaves is
   * found at the snapshot).
   */
  onEvent(ev: BinanceDepthEvent): BinanceEventResult {
    if (ev.s !== this.instrument.symbol) {
      this.stats.refused++;
      throw new TradestateError(
        ErrorCode.WS_FRAME_INVALID,
        `binance ${this.instrument.symbol}: depth event for ${ev.s}`,
        { symbol: this.instrument.symbol, received: ev.s, U: ev.U, u: ev.u }
      );
    }
    if (this.#seq.status !== SyncStatus.SYNCED) {
      this.#convert(ev);
      if (this.#buffer.length >= this.#maxBuffer) this.#buffer.shift();
      this.#buffer.push(ev);
      this.stats.buffered++;
      return BinanceEventResult.BUFFERED;
    }
    return this.#applyLive(ev);
  }

  /** A REST depth snapshot (response body). */
  onSnapshot(body: unknown): BinanceSnapshotResult {
    const snap = parseFrame(binanceDepthSnapshotSchema, body, 'binance depth snapshot');
    const last = snap.lastUpdateId;
    const first = this.#buffer[0];
    if (first !== undefined && last < first.U) return BinanceSnapshotResult.TOO_OLD;
    const bids = toLevels(this.instrument, snap.bids);
    const asks = toLevels(this.instrument, snap.asks);
    this.#book.loadSnapshot({ bids, asks });
    this.#seq.snapshot(last);
    this.stats.snapshots++;
    const buffered = this.#buffer;
    this.#buffer = [];
    for (const ev of buffered) {
      const r = this.#applyLive(ev);
      if (r === BinanceEventResult.GAP || r === BinanceEventResult.CROSSED) {
        // #applyLive re-buffered the offending event; keep the rest after it
        for (const rest of buffered.slice(buffered.indexOf(ev) + 1)) this.#buffer.push(rest);
        return BinanceSnapshotResult.GAP;
      }
    }
    return BinanceSnapshotResult.SYNCED;
  }

  #applyLive(ev: BinanceDepthEvent): BinanceEventResult {
    let bids: number;
    try {
      bids = this.#convert(ev);
    } catch (e) {
      if (ev.u > this.#seq.lastSeq) this.#fail(); // an update the book needs and cannot have
      throw e;
    }
    const v = this.#seq.check(ev.U, ev.u);
    if (v === UpdateVerdict.STALE) {
      this.stats.stale++;
      return BinanceEventResult.STALE;
    }
    if (v === UpdateVerdict.GAP) {
      this.stats.gaps++;
      this.#book.clear();
      this.#buffer = [ev];
      return BinanceEventResult.GAP;
    }
    const px = this.#px;
    const qty = this.#qty;
    try {
      for (let i = 0; i < this.#levels; i++)
        this.#book.set(i < bids ? BookSide.BID : BookSide.ASK, px[i]!, qty[i]!);
    } catch (e) {
      this.#fail(); // converted levels always fit the book; never leave part of an update behind anyway
      throw e;
    }
    if (this.#book.isCrossed()) {
      this.stats.crossed++;
      this.#seq.invalidate();
      this.#book.clear();
      return BinanceEventResult.CROSSED;
    }
    this.stats.applied++;
    return BinanceEventResult.APPLIED;
  }

  /**
   * Convert every level of `ev` into the scratch arrays (bids, then asks), touching nothing else; returns the
   * bid count. Throws the typed conversion error (counted as refused).
   */
  #convert(ev: BinanceDepthEvent): number {
    const px = this.#px;
    const qty = this.#qty;
    let n = 0;
    this.#levels = 0;
    try {
      for (const [p, q] of ev.b) {
        px[n] = ticks(this.instrument, p);
        qty[n++] = lots(this.instrument, q);
      }
      const bids = n;
      for (const [p, q] of ev.a) {
        px[n] = ticks(this.instrument, p);
        qty[n++] = lots(this.instrument, q);
      }
      this.#levels = n;
      return bids;
    } catch (e) {
      this.stats.refused++;
      throw e;
    }
  }

  /** The book can no longer be right: discard it, wait for a new snapshot (buffering from the next event). */
  #fail(): void {
    this.#seq.invalidate();
    this.#book.clear();
    this.#buffer = [];
  }
}

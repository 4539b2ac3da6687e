import { z } from 'zod';
import { ErrorCode, isTradestateError, TradestateError } from '../../core/errors.ts';
import { L2Book, type L2SnapshotLevel } from '../l2-book.ts';
import { BookSide } from '../side.ts';
import { lots, parseFrame, type TickLot, ticks, toLevels, wireLevelSchema } from './wire-levels.ts';

/** Coinbase (Pro, legacy) `level2` snapshot. */
export const coinbaseSnapshotSchema = z.object({
  type: z.literal('snapshot'),
  product_id: z.string().min(1).max(32),
  bids: z.array(wireLevelSchema),
  asks: z.array(wireLevelSchema)
});

/** Coinbase (Pro, legacy) `level2` update: `[side, price, new absolute size]` changes. */
export const coinbaseL2UpdateSchema = z.object({
  type: z.literal('l2update'),
  product_id: z.string().min(1).max(32),
  time: z.string().max(40).optional(),
  changes: z.array(z.tuple([z.enum(['buy', 'sell']), z.string().max(40), z.string().max(40)]))
});

const anyFrame = z.object({ type: z.string().max(40) });

/** What {@link CoinbaseL2Sync.onFrame} did with a frame. */
export const CoinbaseFrameResult = {
  SNAPSHOT: 'snapshot',
  APPLIED: 'applied',
  /** Another channel's message (subscriptions, ticker, match, heartbeat…). */
  IGNORED: 'ignored',
  /** An update for a product with no snapshot yet (or after a failure): dropped; resubscribe. */
  NOT_SYNCED: 'not_synced',
  /** The update left the book crossed: the product's book is discarded until a new snapshot. */
  CROSSED: 'crossed'
} as const;
export type CoinbaseFrameResult = (typeof CoinbaseFrameResult)[keyof typeof CoinbaseFrameResult];

interface ProductState {
  readonly inst: TickLot;
  readonly book: L2Book;
  synced: boolean;
  failure: TradestateError | null;
}

/**
 * Coinbase Pro legacy `level2` channel for several products: a `snapshot` carries the entire book, then
 * `l2update` changes carry the NEW absolute size per price ("0" removes). The channel has no sequence
 * numbers, so ordering is by delivery and the only detectable failures are an update before the snapshot
 * and a book that crosses; either marks the product unsynced until a new snapshot (resubscribe), and
 * {@link book} then throws a typed error (`TRD_ERR_BOOK_NOT_SYNCED` / `TRD_ERR_BOOK_CROSSED`).
 *
 * A frame is applied whole or not at all: every change is converted (exact ticks and lots, a price > 0, a
 * size ≥ 0) before the book is touched. A snapshot or update that does not convert is thrown as its typed
 * error and fails the product the same way (`TRD_ERR_BOOK_NOT_SYNCED`, with the refusal's code as
 * `refused`): without sequence numbers a lost update could never be detected later.
 */
export class CoinbaseL2Sync {
  readonly #products = new Map<string, ProductState>();
  /**
   * Counters; `unknownDeletes` = size-0 changes for a price with no level (legal, but a hint of a lost
   * message); `refused` = snapshots and updates that did not convert.
   */
  readonly stats = {
    snapshots: 0,
    updates: 0,
    notSynced: 0,
    crossed: 0,
    ignored: 0,
    unknownDeletes: 0,
    refused: 0
  };
  /** The changes of the update being applied, converted (reused: no allocation per update). */
  readonly #side: BookSide[] = [];
  readonly #px: number[] = [];
  readonly #qty: number[] = [];

  /** @param instruments product id (e.g. `BAND-GBP`) → instrument with the product's tick and lot. */
  constructor(instruments: ReadonlyMap<string, TickLot>) {
    for (const [id, inst] of instruments)
      this.#products.set(id, { inst, book: new L2Book(), synced: false, failure: null });
  }

  /** True when `product` has a snapshot and every update since kept it sound. */
  isSynced(product: string): boolean {
    return this.#products.get(product)?.synced ?? false;
  }

  /** The book of `product`; throws unless synced (or `TRD_ERR_UNKNOWN_INSTRUMENT`). */
  book(product: string): L2Book {
    const p = this.#state(product);
    if (!p.synced) {
      throw (
        p.failure ??
        new TradestateError(ErrorCode.BOOK_NOT_SYNCED, `coinbase ${product}: no snapshot yet`, { product })
      );
    }
    return p.book;
  }

  /** One parsed JSON frame from the feed. */
  onFrame(frame: unknown): CoinbaseFrameResult {
    const { type } = parseFrame(anyFrame, frame, 'coinbase frame');
    if (type === 'snapshot') {
      const s = parseFrame(coinbaseSnapshotSchema, frame, 'coinbase snapshot');
      const p = this.#state(s.product_id);
      let bids: L2SnapshotLevel[];
      let asks: L2SnapshotLevel[];
      try {
        bids = toLevels(p.inst, s.bids);
        asks = toLevels(p.inst, s.asks);
      } catch (e) {
        throw this.#refuse(p, s.product_id, e);
      }
      p.book.loadSnapshot({ bids, asks });
      p.synced = !p.book.isCrossed();
      p.failure = p.synced ? null : this.#crossedError(s.product_id);
      this.stats.snapshots++;
      return p.synced ? CoinbaseFrameResult.SNAPSHOT : CoinbaseFrameResult.CROSSED;
    }
    if (type !== 'l2update') {
      this.stats.ignored++;
      return CoinbaseFrameResult.IGNORED;
    }
    const u = parseFrame(coinbaseL2UpdateSchema, frame, 'coinbase l2update');
    const p = this.#state(u.product_id);
    if (!p.synced) {
      this.stats.notSynced++;
      return CoinbaseFrameResult.NOT_SYNCED;
    }
    // written by index (setting `length` would drop the arrays' storage)
    const sides = this.#side;
    const prices = this.#px;
    const sizes = this.#qty;
    let n = 0;
    try {
      for (const [side, px, sz] of u.changes) {
        sides[n] = side === 'buy' ? BookSide.BID : BookSide.ASK;
        prices[n] = ticks(p.inst, px);
        sizes[n++] = lots(p.inst, sz);
      }
      for (let i = 0; i < n; i++) {
        const bs = sides[i]!;
        const price = prices[i]!;
        const qty = sizes[i]!;
        if (qty === 0 && p.book.ladder(bs).find(price) < 0) this.stats.unknownDeletes++;
        p.book.set(bs, price, qty);
      }
    } catch (e) {
      throw this.#refuse(p, u.product_id, e);
    }
    if (p.book.isCrossed()) {
      p.synced = false;
      p.failure = this.#crossedError(u.product_id);
      p.book.clear();
      this.stats.crossed++;
      return CoinbaseFrameResult.CROSSED;
    }
    this.stats.updates++;
    return CoinbaseFrameResult.APPLIED;
  }

  /** A snapshot or update that cannot be applied: the product is unsynced until its next snapshot. */
  #refuse(p: ProductState, product: string, e: unknown): unknown {
    this.stats.refused++;
    p.synced = false;
    p.book.clear();
    const code = isTradestateError(e) ? e.code : 'unknown';
    p.failure = new TradestateError(
      ErrorCode.BOOK_NOT_SYNCED,
      `coinbase ${product}: a message was refused (${code}), resubscribe`,
      { product, refused: code },
      { cause: e }
    );
    return e;
  }

  #crossedError(product: string): TradestateError {
    return new TradestateError(ErrorCode.BOOK_CROSSED, `coinbase ${product}: book crossed, resubscribe`, {
      product
    });
  }

  #state(product: string): ProductState {
    const p = this.#products.get(product);
    if (!p)
      throw new TradestateError(ErrorCode.UNKNOWN_INSTRUMENT, `coinbase product not configured: ${product}`, {
        product
      });
    return p;
  }
}

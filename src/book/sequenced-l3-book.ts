import { ErrorCode, TradestateError } from '../core/errors.ts';
import { BookSequencer, type SyncStatus, UpdateVerdict } from './book-sequencer.ts';
import { L3Book, type L3BookSnapshot } from './l3-book.ts';
import type { BookSide } from './side.ts';

/**
 * An {@link L3Book} fed by "snapshot, then sequenced order-by-order updates" (an ITCH/MBO-style feed).
 * Open each update with {@link begin}; only after APPLY may {@link add}/{@link reduce}/{@link cancel}/
 * {@link modify} run. A gap clears the book and holds RESYNC until the next {@link applySnapshot}; reading
 * {@link book} throws `TRD_ERR_BOOK_SEQUENCE_GAP` / `TRD_ERR_BOOK_NOT_SYNCED` meanwhile. An update naming an
 * order the book does not have is a sync failure too (`TRD_ERR_BOOK_UNKNOWN_ORDER`, status RESYNC), and so
 * is an operation the book refuses (a duplicate order id, an invalid quantity or price: its typed error is
 * rethrown, the book cleared and RESYNC), so a half-applied update is never read as good.
 */
export class SequencedL3Book {
  readonly #book: L3Book;
  readonly #seq = new BookSequencer();
  readonly #name: string;
  #open = false;

  constructor(name = 'book', capacity = 1024) {
    this.#name = name;
    this.#book = new L3Book(capacity);
  }

  get status(): SyncStatus {
    return this.#seq.status;
  }

  get sequencer(): BookSequencer {
    return this.#seq;
  }

  /** The book; throws a typed error unless synced. */
  get book(): L3Book {
    this.#seq.requireSynced(this.#name);
    return this.#book;
  }

  /**
   * Replace the content with an order-by-order snapshot taken at sequence `seq`. A snapshot the book refuses
   * (a duplicate id, an invalid order: rethrown) leaves it empty and AWAITING_SNAPSHOT, never half loaded.
   */
  applySnapshot(seq: number, snap: L3BookSnapshot): void {
    this.#open = false;
    this.#seq.loadSnapshot(
      seq,
      () => this.#book.loadSnapshot(snap),
      () => this.#book.clear()
    );
  }

  /** Open the update with sequence id `seq` (or the range `[seq, last]`). */
  begin(seq: number, last = seq): UpdateVerdict {
    const v = this.#seq.check(seq, last);
    this.#open = v === UpdateVerdict.APPLY;
    if (v === UpdateVerdict.GAP) this.#book.clear();
    return v;
  }

  add(id: number, side: BookSide, price: number, qty: number): void {
    this.#require();
    try {
      this.#book.add(id, side, price, qty);
    } catch (e) {
      this.#fail();
      throw e;
    }
  }

  /** Partial cancel or execution. */
  reduce(id: number, qty: number): void {
    this.#require();
    let r: number;
    try {
      r = this.#book.reduce(id, qty);
    } catch (e) {
      this.#fail();
      throw e;
    }
    if (r < 0) this.#unknown(id);
  }

  cancel(id: number): void {
    this.#require();
    if (this.#book.cancel(id) < 0) this.#unknown(id);
  }

  /** Size reduction keeps priority; a price change or size increase loses it. */
  modify(id: number, qty: number, price: number): void {
    this.#require();
    let known: boolean;
    try {
      known = this.#book.modify(id, qty, price);
    } catch (e) {
      this.#fail();
      throw e;
    }
    if (!known) this.#unknown(id);
  }

  #require(): void {
    if (!this.#open)
      throw new TradestateError(ErrorCode.BOOK_NOT_SYNCED, `${this.#name}: no applicable update is open`);
  }

  /** The open update cannot be applied whole: discard the book until the next snapshot. */
  #fail(): void {
    this.#seq.invalidate();
    this.#book.clear();
    this.#open = false;
  }

  #unknown(id: number): never {
    this.#fail();
    throw new TradestateError(ErrorCode.BOOK_UNKNOWN_ORDER, `${this.#name}: update for unknown order ${id}`, {
      id
    });
  }
}

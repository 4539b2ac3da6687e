import { ErrorCode, TradestateError } from '../core/errors.ts';
import { BookSequencer, type SyncStatus, UpdateVerdict } from './book-sequencer.ts';
import { L3Book, type L3BookSnapshot } from './l3-book.ts';
import type { BookSide } from './side.ts';

/**
 * An {@link L3Book} fed by "snapshot, then sequenced order-by-order updates" (an ITCH/MBO-style feed).
 * Open each update with {@link begin}; only after APPLY may {@link add}/{@link reduce}/{@link cancel}/
 * {@link modify} run. A gap clears the book and holds RESYNC until the next {@link applySnapshot}; reading
 * {@link book} throws `TRD_ERR_BOOK_SEQUENCE_GAP` / `TRD_ERR_BOOK_NOT_SYNCED` meanwhile. An update naming an
 * order the book does not have is a sync failure too (`TRD_ERR_BOOK_UNKNOWN_ORDER`, status RESYNC).
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

  /** Replace the content with an order-by-order snapshot taken at sequence `seq`. */
  applySnapshot(seq: number, snap: L3BookSnapshot): void {
    this.#book.loadSnapshot(snap);
    this.#seq.snapshot(seq);
    this.#open = false;
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
    this.#book.add(id, side, price, qty);
  }

  /** Partial cancel or execution. */
  reduce(id: number, qty: number): void {
    this.#require();
    if (this.#book.reduce(id, qty) < 0) this.#unknown(id);
  }

  cancel(id: number): void {
    this.#require();
    if (this.#book.cancel(id) < 0) this.#unknown(id);
  }

  /** Size reduction keeps priority; a price change or size increase loses it. */
  modify(id: number, qty: number, price: number): void {
    this.#require();
    if (!this.#book.modify(id, qty, price)) this.#unknown(id);
  }

  #require(): void {
    if (!this.#open)
      throw new TradestateError(ErrorCode.BOOK_NOT_SYNCED, `${this.#name}: no applicable update is open`);
  }

  #unknown(id: number): never {
    this.#seq.invalidate();
    this.#book.clear();
    this.#open = false;
    throw new TradestateError(ErrorCode.BOOK_UNKNOWN_ORDER, `${this.#name}: update for unknown order ${id}`, {
      id
    });
  }
}

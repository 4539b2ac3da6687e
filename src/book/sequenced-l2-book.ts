import { ErrorCode, TradestateError } from '../core/errors.ts';
import { BookSequencer, SyncStatus, UpdateVerdict } from './book-sequencer.ts';
import { L2Book, type L2BookSnapshot } from './l2-book.ts';
import type { BookSide } from './side.ts';

/**
 * An {@link L2Book} fed by "snapshot, then sequenced incremental updates". Each update batch is opened
 * with {@link begin} (its sequence range), then its levels are {@link set}. A gap clears the book and moves
 * the status to RESYNC until the next {@link applySnapshot}; {@link book} throws a typed error while not
 * synced, so a book with a hole can never be read by mistake. A level refused inside an update (its own
 * typed error is rethrown) is a sync failure too: the update can no longer be applied whole, so the book is
 * cleared and RESYNC; callers that can should convert all levels before {@link begin} so a malformed update
 * is refused before anything changes.
 */
export class SequencedL2Book {
  readonly #book = new L2Book();
  readonly #seq = new BookSequencer();
  #open = false;
  readonly #name: string;

  constructor(name = 'book') {
    this.#name = name;
  }

  /** Sync status. */
  get status(): SyncStatus {
    return this.#seq.status;
  }

  /** Sequence bookkeeping (last applied id, gap count). */
  get sequencer(): BookSequencer {
    return this.#seq;
  }

  /**
   * The book; throws `TRD_ERR_BOOK_SEQUENCE_GAP` after a gap and `TRD_ERR_BOOK_NOT_SYNCED` before the first
   * snapshot.
   */
  get book(): L2Book {
    this.#seq.requireSynced(this.#name);
    return this.#book;
  }

  /** The book whatever the status (for diagnostics). */
  get unsafeBook(): L2Book {
    return this.#book;
  }

  /**
   * Replace the content with a snapshot taken at sequence `seq`. A snapshot with a level the book refuses
   * (`TRD_ERR_BOOK_INVALID_UPDATE`, rethrown) leaves it empty and AWAITING_SNAPSHOT, never half loaded.
   */
  applySnapshot(seq: number, snap: L2BookSnapshot): void {
    this.#open = false;
    this.#seq.loadSnapshot(
      seq,
      () => this.#book.loadSnapshot(snap),
      () => this.#book.clear()
    );
  }

  /** Open the update covering sequence ids `[first, last]`; only on APPLY may levels be {@link set}. */
  begin(first: number, last: number): UpdateVerdict {
    const v = this.#seq.check(first, last);
    this.#open = v === UpdateVerdict.APPLY;
    if (v === UpdateVerdict.GAP) this.#book.clear();
    return v;
  }

  /**
   * Set one level inside the update opened by the last {@link begin} that returned APPLY. A level the book
   * refuses (`TRD_ERR_BOOK_INVALID_UPDATE`, rethrown) fails the update: the book is cleared and RESYNC.
   */
  set(side: BookSide, price: number, qty: number): void {
    if (!this.#open) {
      throw new TradestateError(ErrorCode.BOOK_NOT_SYNCED, `${this.#name}: no applicable update is open`);
    }
    try {
      this.#book.set(side, price, qty);
    } catch (e) {
      this.#fail();
      throw e;
    }
  }

  /**
   * Close the current update; false when the book is not synced after it: a refused level, or a crossed
   * book (a sync failure: status RESYNC).
   */
  end(): boolean {
    this.#open = false;
    if (this.#seq.status !== SyncStatus.SYNCED) return false;
    if (this.#book.isCrossed()) {
      this.#fail();
      return false;
    }
    return true;
  }

  /** A sync failure: the book is cleared and RESYNC until the next snapshot. */
  #fail(): void {
    this.#seq.invalidate();
    this.#book.clear();
    this.#open = false;
  }
}

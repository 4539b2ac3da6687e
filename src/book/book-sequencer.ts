import { ErrorCode, TradestateError } from '../core/errors.ts';

/** Where a sequenced book stands. */
export const SyncStatus = {
  /** No snapshot applied yet (or cleared): the book must not be read. */
  AWAITING_SNAPSHOT: 'awaiting_snapshot',
  /** Snapshot applied and every update since contiguous: the book is correct. */
  SYNCED: 'synced',
  /** A gap was detected: the book was discarded and needs a fresh snapshot. */
  RESYNC: 'resync'
} as const;
export type SyncStatus = (typeof SyncStatus)[keyof typeof SyncStatus];

/** What to do with one incremental update. */
export const UpdateVerdict = {
  /** Apply it. */
  APPLY: 0,
  /** Already covered by the snapshot or an earlier update: drop it. */
  STALE: 1,
  /** It leaves a hole: the book is now in {@link SyncStatus.RESYNC}. */
  GAP: 2,
  /** No snapshot yet (or resyncing): the caller may buffer it. */
  NOT_SYNCED: 3
} as const;
export type UpdateVerdict = (typeof UpdateVerdict)[keyof typeof UpdateVerdict];

/**
 * Sequence-number bookkeeping for "snapshot, then incremental updates": an update covers the range
 * `[first, last]` of venue sequence ids (a single-sequence feed passes `first === last`).
 * After a snapshot at `snapshotSeq`, an update is
 * - STALE when `last ≤ lastSeq`,
 * - APPLY when `first ≤ lastSeq + 1 ≤ last` (Binance's "U ≤ lastUpdateId+1 ≤ u" bracketing rule; for a
 *   contiguous feed this is simply `seq = lastSeq + 1`),
 * - GAP otherwise (`first > lastSeq + 1`): the status becomes RESYNC and stays so until the next snapshot,
 *   so a book with a hole is never reported as good.
 */
export class BookSequencer {
  #status: SyncStatus = SyncStatus.AWAITING_SNAPSHOT;
  #lastSeq = -1;
  #gaps = 0;
  #expected = -1;
  #received = -1;

  /** Current status. */
  get status(): SyncStatus {
    return this.#status;
  }

  /** Last applied sequence id (-1 before the first snapshot). */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  /** Number of gaps seen since construction. */
  get gaps(): number {
    return this.#gaps;
  }

  /** A snapshot as of `seq` was applied. */
  snapshot(seq: number): void {
    this.#lastSeq = seq;
    this.#status = SyncStatus.SYNCED;
  }

  /**
   * Apply a snapshot as of `seq` with `load`: synced at `seq` once it has loaded; if it throws, `clear` empties
   * the book, the status goes back to AWAITING_SNAPSHOT and the error is rethrown (never half loaded).
   */
  loadSnapshot(seq: number, load: () => void, clear: () => void): void {
    try {
      load();
    } catch (e) {
      this.reset();
      clear();
      throw e;
    }
    this.snapshot(seq);
  }

  /** Classify the update covering `[first, last]`; on APPLY, `lastSeq` becomes `last`. */
  check(first: number, last: number): UpdateVerdict {
    if (this.#status !== SyncStatus.SYNCED) return UpdateVerdict.NOT_SYNCED;
    if (last <= this.#lastSeq) return UpdateVerdict.STALE;
    if (first <= this.#lastSeq + 1) {
      this.#lastSeq = last;
      return UpdateVerdict.APPLY;
    }
    this.#gaps++;
    this.#expected = this.#lastSeq + 1;
    this.#received = first;
    this.#status = SyncStatus.RESYNC;
    return UpdateVerdict.GAP;
  }

  /** Force RESYNC (e.g. on a crossed book or a reconnect). */
  invalidate(): void {
    this.#status = SyncStatus.RESYNC;
  }

  /** Back to AWAITING_SNAPSHOT. */
  reset(): void {
    this.#status = SyncStatus.AWAITING_SNAPSHOT;
    this.#lastSeq = -1;
  }

  /**
   * Throw unless SYNCED: `TRD_ERR_BOOK_SEQUENCE_GAP` after a gap (with the expected and received ids),
   * `TRD_ERR_BOOK_NOT_SYNCED` before the first snapshot.
   */
  requireSynced(what = 'book'): void {
    if (this.#status === SyncStatus.SYNCED) return;
    if (this.#status === SyncStatus.RESYNC) {
      throw new TradestateError(ErrorCode.BOOK_SEQUENCE_GAP, `${what}: sequence gap, resync required`, {
        expected: this.#expected,
        received: this.#received
      });
    }
    throw new TradestateError(ErrorCode.BOOK_NOT_SYNCED, `${what}: no snapshot applied yet`);
  }
}

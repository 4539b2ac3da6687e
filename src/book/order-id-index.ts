import { IdIndex } from './id-index.ts';

/** Largest dense window, in ids (16 MiB of slots). */
const MAX_SPAN = 1 << 22;
/** A window move must have seen at least one new id per this many ids of advance, or the window turns off. */
const MIN_DENSITY = 8;

/**
 * Order id → slot for a book: a dense window in front of an {@link IdIndex} hash.
 *
 * Venues and our own engine hand out order ids that mostly increase with few gaps (ITCH order reference
 * numbers, a client-id counter). Ids in the window `[base, base + span)` live in an `Int32Array` indexed by
 * `id − base`: a lookup, insert or delete is one array access at a position next to the previous order's, not
 * a probe at a hashed (cache-cold) position. Everything else goes to the hash:
 *
 * - an id BELOW the window (an old order, or ids arriving out of order) → the hash;
 * - an id ABOVE the window moves it: the window doubles when at least a quarter of it holds live orders, else
 *   it slides up so the new id sits a quarter of the way in, moving the live orders that fall below it into
 *   the hash. So the hash only ever holds ids below `base`, and ids above the window are known absent.
 * - Sparse ids (fewer than one new id per {@link MIN_DENSITY} ids of advance when the window has to move, as
 *   with LOBSTER's exchange-wide ids) turn the window off for good (until {@link clear}): everything is then
 *   hashed, so a sparse id stream never pays for moving windows.
 *
 * Any safe integer id works in every mode; the window only changes where an id is kept.
 */
export class OrderIdIndex {
  #dense: Int32Array;
  #span: number;
  /** Lowest id of the window; NaN = no window (before the first id, or turned off). */
  #base = Number.NaN;
  #off = false;
  /** Live entries in the window. */
  #live = 0;
  /** Ids added to the window since it last moved, and the id the window was placed for then. */
  #sinceMove = 0;
  #moveId = 0;
  readonly #hash = new IdIndex(64);

  /** @param capacity expected number of live ids (the window starts at twice that, rounded up to 2^k). */
  constructor(capacity = 1024) {
    let span = 64;
    while (span < capacity * 2 && span < MAX_SPAN) span *= 2;
    this.#span = span;
    this.#dense = new Int32Array(span).fill(-1);
  }

  /** Number of entries. */
  get size(): number {
    return this.#live + this.#hash.size;
  }

  /** Bytes held by the window and the hash. */
  get bytes(): number {
    return this.#dense.byteLength + this.#hash.bytes;
  }

  /** True while ids are windowed (false before the first id and after sparse ids turned the window off). */
  get windowed(): boolean {
    return !Number.isNaN(this.#base);
  }

  /** The slot stored for `id`, or -1 when absent. */
  get(id: number): number {
    const d = id - this.#base;
    if (d >= 0) return d < this.#span ? this.#dense[d]! : -1;
    return this.#hash.get(id);
  }

  /**
   * {@link get} for a check-then-insert: an absent `id` then {@link set} with no change in between does not
   * probe the hash twice.
   */
  find(id: number): number {
    const d = id - this.#base;
    if (d >= 0) return d < this.#span ? this.#dense[d]! : -1;
    return this.#hash.find(id);
  }

  /** True when `id` is present. */
  has(id: number): boolean {
    return this.get(id) >= 0;
  }

  /** Insert `id → slot` (`slot ≥ 0`). Returns false (and changes nothing) when `id` is already present. */
  set(id: number, slot: number): boolean {
    let d = id - this.#base;
    if (!(d >= 0 && d < this.#span)) {
      if (d < 0) return this.#hash.set(id, slot);
      if (Number.isNaN(d)) {
        if (this.#off) return this.#hash.set(id, slot);
        this.#place(id);
      } else if (!this.#advance(id)) return this.#hash.set(id, slot);
      d = id - this.#base;
    }
    const dense = this.#dense;
    if (dense[d]! >= 0) return false;
    dense[d] = slot;
    this.#live++;
    this.#sinceMove++;
    return true;
  }

  /** Remove `id`; returns its slot, or -1 when absent. */
  delete(id: number): number {
    const d = id - this.#base;
    if (d >= 0) {
      if (d >= this.#span) return -1;
      const dense = this.#dense;
      const s = dense[d]!;
      if (s >= 0) {
        dense[d] = -1;
        this.#live--;
      }
      return s;
    }
    return this.#hash.delete(id);
  }

  /** Remove every entry and forget the window (keeps capacity). */
  clear(): void {
    this.#dense.fill(-1);
    this.#base = Number.NaN;
    this.#off = false;
    this.#live = 0;
    this.#sinceMove = 0;
    this.#hash.clear();
  }

  /** First id ever (or since {@link clear}): open the window with a little room below it for stragglers. */
  #place(id: number): void {
    this.#base = id - (this.#span >> 3);
    this.#moveId = id;
    this.#sinceMove = 0;
  }

  /** `id` is above the window: grow or slide it so `id` fits, or turn it off. False when now off. */
  #advance(id: number): boolean {
    if (this.#sinceMove * MIN_DENSITY < id - this.#moveId) {
      this.#turnOff();
      return false;
    }
    const base = this.#base;
    let span = this.#span;
    if (this.#live * 4 >= span && span < MAX_SPAN) {
      while (id - base >= span && span < MAX_SPAN) span *= 2;
      const grown = new Int32Array(span).fill(-1);
      grown.set(this.#dense);
      this.#dense = grown;
      this.#span = span;
      if (id - base < span) return true;
    }
    this.#slide(id - (span >> 2));
    this.#moveId = id;
    this.#sinceMove = 0;
    return true;
  }

  /** Move the window's low end up to `newBase`: live ids below it go to the hash. */
  #slide(newBase: number): void {
    const dense = this.#dense;
    const span = this.#span;
    const shift = newBase - this.#base;
    const leaving = shift < span ? shift : span;
    for (let d = 0; d < leaving; d++) {
      const s = dense[d]!;
      if (s >= 0) {
        this.#hash.set(this.#base + d, s);
        this.#live--;
      }
    }
    if (shift < span) {
      dense.copyWithin(0, shift, span);
      dense.fill(-1, span - shift);
    } else dense.fill(-1);
    this.#base = newBase;
  }

  /** Sparse ids: hash everything from now on. */
  #turnOff(): void {
    this.#slide(this.#base + this.#span);
    this.#base = Number.NaN;
    this.#off = true;
  }
}

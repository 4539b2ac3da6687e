import { ErrorCode, TradestateError } from '../core/errors.ts';
import { IdIndex } from './id-index.ts';

/** Width in ticks of a ladder's dense price window (see {@link PriceLadder}). */
const WIN = 4096;

/**
 * One side of a book: its occupied price levels kept sorted in a typed array with the BEST level at the
 * END, so the best level is O(1), adding or removing at the top of book is O(1) (no shifting), and a
 * level deep in the book costs one `copyWithin` of the levels better than it.
 *
 * Sort keys are `price` for bids and `-price` for asks, so both sides sort ascending and the best is
 * always `keys[count - 1]`. Each position points at a stable level slot, whose price, total quantity,
 * order count and (for L3 books) intrusive order list head/tail live in struct-of-arrays pools.
 * Empty slots are recycled through a free list: steady-state operation allocates nothing.
 *
 * price → level slot: a dense window of {@link WIN} ticks (an `Int32Array` indexed by price − base, centred
 * on the touch and re-centred when a new best level falls outside it) answers for prices near the touch; a
 * hash ({@link IdIndex}) holds the levels outside it.
 */
export class PriceLadder {
  /** True for the bid side (best = highest price). */
  readonly isBid: boolean;

  /** Sorted sort keys of the occupied levels, best last. Valid in `[0, count)`. */
  keys: Float64Array;
  /** Level slot of each position in `keys`. */
  pos2slot: Int32Array;
  /** Number of occupied levels. */
  count = 0;

  /** Per level slot: price in ticks. */
  price: Float64Array;
  /** Per level slot: total quantity in lots. */
  qty: Float64Array;
  /** Per level slot: number of orders (L3 books only). */
  orders: Int32Array;
  /** Per level slot: first order (oldest, front of the queue), -1 when none. Free-list link when free. */
  head: Int32Array;
  /** Per level slot: last order (newest), -1 when none. */
  tail: Int32Array;

  #freeSlot = -1;
  #nextSlot = 0;
  /**
   * price → level slot for the levels OUTSIDE the dense window, so finding an existing level is O(1)
   * whatever the depth.
   */
  readonly #byPrice: IdIndex;
  /**
   * Dense price window in front of the hash: `#win[price - #winBase]` is the level slot (-1 = none) of every
   * level priced in `[#winBase, #winBase + WIN)`; those levels are not in `#byPrice`. The window is centred
   * on a new best level created outside it (see {@link findOrCreate}); NaN = not placed yet.
   */
  readonly #win: Int32Array;
  #winBase = Number.NaN;
  /** New best levels created outside the window since it last moved (it may move once this reaches `count`). */
  #sinceMove = 0;

  constructor(isBid: boolean, capacity = 64) {
    this.isBid = isBid;
    this.keys = new Float64Array(capacity);
    this.pos2slot = new Int32Array(capacity);
    this.price = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.orders = new Int32Array(capacity);
    this.head = new Int32Array(capacity);
    this.tail = new Int32Array(capacity);
    this.#byPrice = new IdIndex(capacity);
    this.#win = new Int32Array(WIN).fill(-1);
  }

  /** Number of occupied levels (alias of {@link count}). */
  get size(): number {
    return this.count;
  }

  /** Sort key of a price on this side. */
  keyOf(price: number): number {
    return this.isBid ? price : -price;
  }

  /** Slot of the best level, -1 when the side is empty. */
  bestSlot(): number {
    return this.count > 0 ? this.pos2slot[this.count - 1]! : -1;
  }

  /** Best price, NaN when the side is empty. */
  bestPrice(): number {
    return this.count > 0 ? this.price[this.pos2slot[this.count - 1]!]! : Number.NaN;
  }

  /** Quantity at the best level, 0 when the side is empty. */
  bestQty(): number {
    return this.count > 0 ? this.qty[this.pos2slot[this.count - 1]!]! : 0;
  }

  /** Slot of the i-th best level (0 = best); the caller keeps `i < count`. */
  slotAt(i: number): number {
    return this.pos2slot[this.count - 1 - i]!;
  }

  /** Slot of the level at `price`, or -1. O(1). */
  find(price: number): number {
    const d = price - this.#winBase;
    if (d >= 0 && d < WIN) return this.#win[d]!;
    return this.#byPrice.get(price);
  }

  /** Slot of the level at `price`, created empty (qty 0, no orders) when absent. */
  findOrCreate(price: number): number {
    let d = price - this.#winBase;
    let inWin = d >= 0 && d < WIN;
    const found = inWin ? this.#win[d]! : this.#byPrice.get(price);
    if (found >= 0) return found;
    const key = this.isBid ? price : -price;
    const at = ~this.#locate(key);
    if (!inWin && at === this.count && Number.isSafeInteger(price) && ++this.#sinceMove >= this.count) {
      // A new best level outside the window (or the first level of an empty side): the touch has moved, so
      // centre the window on it. Moving costs O(levels); the `#sinceMove` rule amortises that to O(1) per
      // such level, so a touch flipping between two far-apart prices cannot make every add O(levels).
      this.#moveWindow(price);
      d = WIN >> 1;
      inWin = true;
    }
    const slot = this.#allocSlot();
    this.price[slot] = price;
    this.qty[slot] = 0;
    this.orders[slot] = 0;
    this.head[slot] = -1;
    this.tail[slot] = -1;
    if (inWin) this.#win[d] = slot;
    else this.#byPrice.set(price, slot);
    const n = this.count;
    if (n === this.keys.length) this.#growKeys();
    const keys = this.keys;
    const p2s = this.pos2slot;
    if (n - at > 32) {
      keys.copyWithin(at + 1, at, n);
      p2s.copyWithin(at + 1, at, n);
    } else {
      // short moves (the usual case: near the top of book) are cheaper inline than a builtin call
      for (let i = n; i > at; i--) {
        keys[i] = keys[i - 1]!;
        p2s[i] = p2s[i - 1]!;
      }
    }
    keys[at] = key;
    p2s[at] = slot;
    this.count = n + 1;
    return slot;
  }

  /** Remove the level in `slot` (whatever its quantity) and recycle the slot. */
  removeSlot(slot: number): void {
    const n = this.count;
    let at: number;
    if (n > 0 && this.pos2slot[n - 1] === slot) at = n - 1;
    else {
      const price = this.price[slot]!;
      at = this.#locate(this.isBid ? price : -price);
    }
    if (at < 0 || this.pos2slot[at] !== slot)
      throw new TradestateError(ErrorCode.BOOK_INVALID_UPDATE, `price ladder: slot ${slot} is not occupied`);
    if (n - at > 32) {
      this.keys.copyWithin(at, at + 1, n);
      this.pos2slot.copyWithin(at, at + 1, n);
    } else {
      const keys = this.keys;
      const p2s = this.pos2slot;
      for (let i = at + 1; i < n; i++) {
        keys[i - 1] = keys[i]!;
        p2s[i - 1] = p2s[i]!;
      }
    }
    this.count = n - 1;
    const d = this.price[slot]! - this.#winBase;
    if (d >= 0 && d < WIN) this.#win[d] = -1;
    else this.#byPrice.delete(this.price[slot]!);
    this.head[slot] = this.#freeSlot;
    this.#freeSlot = slot;
  }

  /**
   * Write up to `n` best levels into `outPx`/`outQty` from index `offset`; returns how many were written.
   * O(n), allocation-free.
   */
  depth(n: number, outPx: Float64Array | number[], outQty: Float64Array | number[], offset = 0): number {
    const m = n < this.count ? n : this.count;
    const top = this.count - 1;
    for (let i = 0; i < m; i++) {
      const s = this.pos2slot[top - i]!;
      outPx[offset + i] = this.price[s]!;
      outQty[offset + i] = this.qty[s]!;
    }
    return m;
  }

  /** Total quantity over the best `n` levels. */
  depthQty(n: number): number {
    const m = n < this.count ? n : this.count;
    const top = this.count - 1;
    let q = 0;
    for (let i = 0; i < m; i++) q += this.qty[this.pos2slot[top - i]!]!;
    return q;
  }

  /** Remove every level (keeps capacity). */
  clear(): void {
    this.count = 0;
    this.#freeSlot = -1;
    this.#nextSlot = 0;
    this.#byPrice.clear();
    this.#win.fill(-1);
    this.#winBase = Number.NaN;
    this.#sinceMove = 0;
  }

  /** Bytes held by this side's arrays. */
  get bytes(): number {
    return (
      this.keys.byteLength +
      this.pos2slot.byteLength +
      this.price.byteLength +
      this.qty.byteLength +
      this.orders.byteLength +
      this.head.byteLength +
      this.tail.byteLength +
      this.#win.byteLength +
      this.#byPrice.bytes
    );
  }

  /**
   * Position of `key` in `keys`, or `~insertionPoint` when absent. Scans the 8 best levels first
   * (where nearly all activity is), then binary-searches the rest.
   */
  #locate(key: number): number {
    const keys = this.keys;
    const n = this.count;
    const stop = n > 8 ? n - 8 : 0;
    for (let i = n - 1; i >= stop; i--) {
      const k = keys[i]!;
      if (k === key) return i;
      if (k < key) return ~(i + 1);
    }
    if (stop === 0) return ~0;
    let lo = 0;
    let hi = stop - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const k = keys[mid]!;
      if (k < key) lo = mid + 1;
      else if (k > key) hi = mid - 1;
      else return mid;
    }
    return ~lo;
  }

  /** Centre the window on `price`: levels leaving it move to the hash, levels entering it leave the hash. */
  #moveWindow(price: number): void {
    const win = this.#win;
    const byPrice = this.#byPrice;
    const p2s = this.pos2slot;
    const px = this.price;
    const n = this.count;
    const oldBase = this.#winBase;
    for (let i = 0; i < n; i++) {
      const p = px[p2s[i]!]!;
      const d = p - oldBase;
      if (d >= 0 && d < WIN) win[d] = -1;
      else byPrice.delete(p);
    }
    const base = price - (WIN >> 1);
    for (let i = 0; i < n; i++) {
      const slot = p2s[i]!;
      const p = px[slot]!;
      const d = p - base;
      if (d >= 0 && d < WIN) win[d] = slot;
      else byPrice.set(p, slot);
    }
    this.#winBase = base;
    this.#sinceMove = 0;
  }

  #allocSlot(): number {
    const f = this.#freeSlot;
    if (f >= 0) {
      this.#freeSlot = this.head[f]!;
      return f;
    }
    if (this.#nextSlot === this.price.length) this.#growSlots();
    return this.#nextSlot++;
  }

  #growKeys(): void {
    const cap = this.keys.length * 2;
    const k = new Float64Array(cap);
    k.set(this.keys);
    this.keys = k;
    const p = new Int32Array(cap);
    p.set(this.pos2slot);
    this.pos2slot = p;
  }

  #growSlots(): void {
    const cap = this.price.length * 2;
    this.price = growF64(this.price, cap);
    this.qty = growF64(this.qty, cap);
    this.orders = growI32(this.orders, cap);
    this.head = growI32(this.head, cap);
    this.tail = growI32(this.tail, cap);
  }
}

/** A copy of `a` with capacity `cap`. */
export function growF64(a: Float64Array, cap: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(cap);
  b.set(a);
  return b;
}

/** A copy of `a` with capacity `cap`. */
export function growI32(a: Int32Array, cap: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(cap);
  b.set(a);
  return b;
}

/** A copy of `a` with capacity `cap`. */
export function growU8(a: Uint8Array, cap: number): Uint8Array<ArrayBuffer> {
  const b = new Uint8Array(cap);
  b.set(a);
  return b;
}

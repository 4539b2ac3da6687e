import { ErrorCode, TradestateError } from '../core/errors.ts';
import { IdIndex } from './id-index.ts';

/** Default width in ticks of a ladder's dense price window (see {@link PriceLadder}). */
export const DEFAULT_PRICE_WINDOW = 4096;

/**
 * One side of a book: its occupied price levels, the best one in O(1), any level by price in O(1), and the
 * levels in price order (best first) one O(1) step at a time.
 *
 * Each level lives in a stable slot of struct-of-arrays pools (price, total quantity, order count and, for L3
 * books, the head/tail of its intrusive order queue); empty slots are recycled through a free list, so steady
 * state allocates nothing. Where a level is kept depends on its price:
 *
 * - Inside the dense WINDOW of `window` ticks (default {@link DEFAULT_PRICE_WINDOW}) around the touch (nearly every level that matters): an
 *   `Int32Array` indexed by tick gives price → slot, and a two-level bitmap (one bit per tick, one summary bit
 *   per 32-tick word) gives the order: the next worse level is the next set bit, found with `Math.clz32`.
 *   Creating or removing a level there is O(1), wherever it is in the book.
 * - Outside it (deep levels, or a market that moved far): a hash gives price → slot and a sorted array gives
 *   the order (creating or removing costs a shift of the out-of-window levels better than it).
 *
 * The window is centred on the first level of an empty side, and re-centred on a new best level created
 * outside it — at most once per `count` such levels, so a touch flipping between two far-apart prices cannot
 * make every add O(levels). Correctness never depends on tick density: any safe-integer price works.
 *
 * Bits are numbered so that a higher bit is always a better price (bids: price − low end; asks: high end −
 * price), so both sides share one "best = highest bit" search.
 */
export class PriceLadder {
  /** True for the bid side (best = highest price). */
  readonly isBid: boolean;
  /**
   * +1 for bids, -1 for asks: `sign × price` grows as prices get better, so `sign × (a − b) > 0` says `a` is
   * better than `b` on this side without branching on the side.
   */
  readonly sign: number;
  /** Number of occupied levels. */
  count = 0;
  /** Slot of the best level, -1 when the side is empty. Read-only for callers. */
  best = -1;

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
  /** The price at bit 0 (bids: the window's low end; asks: its high end); NaN = no window yet. */
  #origin = Number.NaN;
  /** Window: bit → level slot (-1 = none). */
  readonly #win: Int32Array;
  /** Window width (a power of two ≥ 1,024). */
  readonly #w: number;
  readonly #bits: Int32Array;
  readonly #sums: Int32Array;
  /** New best levels created outside the window since it last moved (it may move once this reaches `count`). */
  #sinceMove = 0;

  /** Levels outside the window: price → slot. */
  readonly #byPrice: IdIndex;
  /** Levels outside the window, sorted by ascending key (worst first, best last): keys and slots. */
  #outKeys: Float64Array;
  #outSlots: Int32Array;
  #outCount = 0;
  /** How many of them are worse than every window price (a prefix of the sorted arrays). */
  #outWorse = 0;
  /** Per level slot: its position in the out-of-window arrays (valid for out-of-window levels only). */
  #outPos: Int32Array;
  /** Scratch for {@link #moveWindow}. */
  #scratch = new Int32Array(0);

  /**
   * @param capacity initial level slots (they grow).
   * @param window dense window width in ticks, a power of two ≥ 1,024 (default 4,096): 4 bytes per tick plus
   *   a bit. Widen it where prices are finer than the market's tick (LOBSTER's 1e-4 $ units: 65,536 = ±$3.28).
   */
  constructor(isBid: boolean, capacity = 64, window = DEFAULT_PRICE_WINDOW) {
    if (!(window >= 1024 && window <= 1 << 24 && (window & (window - 1)) === 0))
      throw new TradestateError(
        ErrorCode.BOOK_INVALID_UPDATE,
        `price window ${window}: want a power of two in [1024, 2^24]`
      );
    this.isBid = isBid;
    this.sign = isBid ? 1 : -1;
    this.price = new Float64Array(capacity);
    this.qty = new Float64Array(capacity);
    this.orders = new Int32Array(capacity);
    this.head = new Int32Array(capacity);
    this.tail = new Int32Array(capacity);
    this.#outPos = new Int32Array(capacity);
    this.#w = window;
    this.#win = new Int32Array(window).fill(-1);
    this.#bits = new Int32Array(window >> 5);
    this.#sums = new Int32Array(window >> 10);
    this.#byPrice = new IdIndex(16);
    this.#outKeys = new Float64Array(16);
    this.#outSlots = new Int32Array(16);
  }

  /** Number of occupied levels (alias of {@link count}). */
  get size(): number {
    return this.count;
  }

  /** Slot of the best level, -1 when the side is empty. */
  bestSlot(): number {
    return this.best;
  }

  /** Best price, NaN when the side is empty. */
  bestPrice(): number {
    const b = this.best;
    return b >= 0 ? this.price[b]! : Number.NaN;
  }

  /** Quantity at the best level, 0 when the side is empty. */
  bestQty(): number {
    const b = this.best;
    return b >= 0 ? this.qty[b]! : 0;
  }

  /** True when `a` is a strictly better price than `b` on this side. */
  isBetter(a: number, b: number): boolean {
    return this.sign * a > this.sign * b;
  }

  /**
   * Slot of the next worse level after the occupied level `slot`, -1 after the worst. O(1): iterate a side
   * best-first with `for (let s = lad.best; s >= 0; s = lad.worseThan(s))`.
   */
  worseThan(slot: number): number {
    const b = this.sign * (this.price[slot]! - this.#origin);
    if (b >= 0 && b < this.#w) {
      const nb = this.#highestBitBelow(b);
      if (nb >= 0) return this.#win[nb]!;
      return this.#outWorse > 0 ? this.#outSlots[this.#outWorse - 1]! : -1;
    }
    const p = this.#outPos[slot]!;
    const worse = this.#outWorse;
    if (p < worse) return p > 0 ? this.#outSlots[p - 1]! : -1;
    if (p - 1 >= worse) return this.#outSlots[p - 1]!;
    const hb = this.#highestBitBelow(this.#w);
    if (hb >= 0) return this.#win[hb]!;
    return worse > 0 ? this.#outSlots[worse - 1]! : -1;
  }

  /** Slot of the i-th best level (0 = best), -1 past the worst. O(i): loops should use {@link worseThan}. */
  slotAt(i: number): number {
    let s = this.best;
    for (let k = 0; k < i && s >= 0; k++) s = this.worseThan(s);
    return s;
  }

  /** Slot of the level at `price`, or -1. O(1). */
  find(price: number): number {
    const b = this.sign * (price - this.#origin);
    if (b >= 0 && b < this.#w) return this.#win[b]!;
    return this.#byPrice.get(price);
  }

  /** Slot of the level at `price`, created empty (qty 0, no orders) when absent. */
  findOrCreate(price: number): number {
    const b = this.sign * (price - this.#origin);
    const s = b >= 0 && b < this.#w ? this.#win[b]! : this.#byPrice.get(price);
    return s >= 0 ? s : this.#create(price);
  }

  #create(price: number): number {
    const sign = this.sign;
    let b = sign * (price - this.#origin);
    let inWin = b >= 0 && b < this.#w;
    const isBest = this.best < 0 || sign * price > sign * this.price[this.best]!;
    if (!inWin && isBest && Number.isSafeInteger(price) && ++this.#sinceMove >= this.count) {
      // A new best level outside the window (or the first level of an empty side): the touch has moved, so
      // centre the window on it. Moving costs O(levels); the `#sinceMove` rule amortises that to O(1) per
      // such level.
      this.#moveWindow(price);
      b = sign * (price - this.#origin);
      inWin = true;
    }
    const slot = this.#allocSlot();
    this.price[slot] = price;
    this.qty[slot] = 0;
    this.orders[slot] = 0;
    this.head[slot] = -1;
    this.tail[slot] = -1;
    if (inWin) {
      this.#win[b] = slot;
      this.#setBit(b);
    } else {
      this.#byPrice.set(price, slot);
      this.#outInsert(slot, sign * price, b < 0);
    }
    this.count++;
    if (isBest) this.best = slot;
    return slot;
  }

  /** Remove the level in `slot` (whatever its quantity) and recycle the slot. */
  removeSlot(slot: number): void {
    const price = this.price[slot]!;
    const b = this.sign * (price - this.#origin);
    if (b >= 0 && b < this.#w) {
      if (this.#win[b] !== slot) this.#notOccupied(slot);
      this.#win[b] = -1;
      this.#clearBit(b);
    } else {
      if (this.#byPrice.get(price) !== slot) this.#notOccupied(slot);
      this.#byPrice.delete(price);
      this.#outRemove(slot, b < 0);
    }
    this.count--;
    if (slot === this.best) this.best = this.#findBest();
    this.head[slot] = this.#freeSlot;
    this.#freeSlot = slot;
  }

  /**
   * Write up to `n` best levels into `outPx`/`outQty` from index `offset`; returns how many were written.
   * O(n), allocation-free.
   */
  depth(n: number, outPx: Float64Array | number[], outQty: Float64Array | number[], offset = 0): number {
    let m = 0;
    for (let s = this.best; s >= 0 && m < n; s = this.worseThan(s)) {
      outPx[offset + m] = this.price[s]!;
      outQty[offset + m] = this.qty[s]!;
      m++;
    }
    return m;
  }

  /** Total quantity over the best `n` levels. O(n). */
  depthQty(n: number): number {
    let q = 0;
    let m = 0;
    for (let s = this.best; s >= 0 && m < n; s = this.worseThan(s)) {
      q += this.qty[s]!;
      m++;
    }
    return q;
  }

  /** Remove every level (keeps capacity). */
  clear(): void {
    this.count = 0;
    this.best = -1;
    this.#freeSlot = -1;
    this.#nextSlot = 0;
    this.#win.fill(-1);
    this.#bits.fill(0);
    this.#sums.fill(0);
    this.#origin = Number.NaN;
    this.#sinceMove = 0;
    this.#byPrice.clear();
    this.#outCount = 0;
    this.#outWorse = 0;
  }

  /** Bytes held by this side's arrays. */
  get bytes(): number {
    return (
      this.price.byteLength +
      this.qty.byteLength +
      this.orders.byteLength +
      this.head.byteLength +
      this.tail.byteLength +
      this.#outPos.byteLength +
      this.#win.byteLength +
      this.#bits.byteLength +
      this.#sums.byteLength +
      this.#byPrice.bytes +
      this.#outKeys.byteLength +
      this.#outSlots.byteLength +
      this.#scratch.byteLength
    );
  }

  #notOccupied(slot: number): never {
    throw new TradestateError(ErrorCode.BOOK_INVALID_UPDATE, `price ladder: slot ${slot} is not occupied`);
  }

  /** The best level, searched: better-than-window levels, then the window, then worse-than-window ones. */
  #findBest(): number {
    if (this.#outCount > this.#outWorse) return this.#outSlots[this.#outCount - 1]!;
    const hb = this.#highestBitBelow(this.#w);
    if (hb >= 0) return this.#win[hb]!;
    return this.#outWorse > 0 ? this.#outSlots[this.#outWorse - 1]! : -1;
  }

  #setBit(b: number): void {
    const w = b >>> 5;
    this.#bits[w]! |= 1 << (b & 31);
    this.#sums[w >>> 5]! |= 1 << (w & 31);
  }

  #clearBit(b: number): void {
    const w = b >>> 5;
    const x = this.#bits[w]! & ~(1 << (b & 31));
    this.#bits[w] = x;
    if (x === 0) this.#sums[w >>> 5]! &= ~(1 << (w & 31));
  }

  /** Highest set bit strictly below `b` (`b ≤` window), or -1. At most window/1024 + 1 word tests. */
  #highestBitBelow(b: number): number {
    const bits = this.#bits;
    let w = b >>> 5;
    const r = b & 31;
    if (r !== 0) {
      const x = bits[w]! & (-1 >>> (32 - r));
      if (x !== 0) return (w << 5) + 31 - Math.clz32(x);
    }
    // whole words below w, through the summary bits
    const sums = this.#sums;
    let s = w >>> 5;
    const rs = w & 31;
    let y = rs !== 0 && s < sums.length ? sums[s]! & (-1 >>> (32 - rs)) : 0;
    for (;;) {
      if (y !== 0) {
        w = (s << 5) + 31 - Math.clz32(y);
        return (w << 5) + 31 - Math.clz32(bits[w]!);
      }
      if (--s < 0) return -1;
      y = sums[s]!;
    }
  }

  /** Insert an out-of-window level into the sorted arrays (its key is absent). */
  #outInsert(slot: number, key: number, worse: boolean): void {
    const n = this.#outCount;
    if (n === this.#outKeys.length) this.#growOut();
    const keys = this.#outKeys;
    const slots = this.#outSlots;
    const pos = this.#outPos;
    // scan down from the best end (where new out-of-window levels usually land), binary search beyond 8
    let lo = 0;
    let hi = n;
    if (n > 8 && keys[n - 8]! > key) {
      hi = n - 8;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keys[mid]! < key) lo = mid + 1;
        else hi = mid;
      }
    } else {
      lo = n;
      while (lo > 0 && keys[lo - 1]! > key) lo--;
    }
    for (let i = n; i > lo; i--) {
      keys[i] = keys[i - 1]!;
      const s = slots[i - 1]!;
      slots[i] = s;
      pos[s] = i;
    }
    keys[lo] = key;
    slots[lo] = slot;
    pos[slot] = lo;
    this.#outCount = n + 1;
    if (worse) this.#outWorse++;
  }

  #outRemove(slot: number, worse: boolean): void {
    const keys = this.#outKeys;
    const slots = this.#outSlots;
    const pos = this.#outPos;
    const n = this.#outCount;
    for (let i = pos[slot]! + 1; i < n; i++) {
      keys[i - 1] = keys[i]!;
      const s = slots[i]!;
      slots[i - 1] = s;
      pos[s] = i - 1;
    }
    this.#outCount = n - 1;
    if (worse) this.#outWorse--;
  }

  /** Centre the window on `price`: every level is re-filed under the new window. O(levels). */
  #moveWindow(price: number): void {
    const n = this.count;
    if (this.#scratch.length < n) this.#scratch = new Int32Array(Math.max(16, n * 2));
    const all = this.#scratch;
    let m = 0;
    for (let s = this.best; s >= 0; s = this.worseThan(s)) all[m++] = s; // best first
    for (let i = 0; i < m; i++) {
      const s = all[i]!;
      const b = this.sign * (this.price[s]! - this.#origin);
      if (b >= 0 && b < this.#w) this.#win[b] = -1;
    }
    this.#bits.fill(0);
    this.#sums.fill(0);
    this.#byPrice.clear();
    this.#outCount = 0;
    this.#outWorse = 0;
    this.#origin = this.sign > 0 ? price - (this.#w >> 1) : price + (this.#w >> 1) - 1;
    this.#sinceMove = 0;
    // worst first, so out-of-window levels append in ascending key order
    for (let i = m - 1; i >= 0; i--) {
      const s = all[i]!;
      const p = this.price[s]!;
      const b = this.sign * (p - this.#origin);
      if (b >= 0 && b < this.#w) {
        this.#win[b] = s;
        this.#setBit(b);
      } else {
        this.#byPrice.set(p, s);
        this.#outInsert(s, this.sign * p, b < 0);
      }
    }
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

  #growOut(): void {
    const cap = this.#outKeys.length * 2;
    this.#outKeys = growF64(this.#outKeys, cap);
    this.#outSlots = growI32(this.#outSlots, cap);
  }

  #growSlots(): void {
    const cap = this.price.length * 2;
    this.price = growF64(this.price, cap);
    this.qty = growF64(this.qty, cap);
    this.orders = growI32(this.orders, cap);
    this.head = growI32(this.head, cap);
    this.tail = growI32(this.tail, cap);
    this.#outPos = growI32(this.#outPos, cap);
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

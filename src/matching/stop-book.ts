import { IdIndex } from '../book/id-index.ts';
import { growF64, growI32, growU8 } from '../book/price-ladder.ts';
import { BookSide } from '../book/side.ts';
import type { OrderRequest, OrderType, StpMode, TimeInForce } from './order-types.ts';

/**
 * A priority queue of (key, slot) in sorted typed arrays with the NEXT to pop at the end. Equal keys pop
 * in insertion order (FIFO): a new entry goes before the existing equal keys.
 */
class SortedQueue {
  keys = new Float64Array(16);
  vals = new Int32Array(16);
  count = 0;

  insert(key: number, val: number): void {
    if (this.count === this.keys.length) {
      this.keys = growF64(this.keys, this.count * 2);
      this.vals = growI32(this.vals, this.count * 2);
    }
    // lower bound: first index with keys[i] >= key
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (this.keys[m]! < key) lo = m + 1;
      else hi = m;
    }
    this.keys.copyWithin(lo + 1, lo, this.count);
    this.vals.copyWithin(lo + 1, lo, this.count);
    this.keys[lo] = key;
    this.vals[lo] = val;
    this.count++;
  }

  remove(key: number, val: number): boolean {
    for (let i = this.count - 1; i >= 0; i--) {
      if (this.keys[i] === key && this.vals[i] === val) {
        this.keys.copyWithin(i, i + 1, this.count);
        this.vals.copyWithin(i, i + 1, this.count);
        this.count--;
        return true;
      }
    }
    return false;
  }
}

/**
 * Pending stop and stop-limit orders, waiting for the last trade price to reach their trigger:
 * a buy stop triggers when `last ≥ stopPrice`, a sell stop when `last ≤ stopPrice`. Among stops triggered
 * by the same price, lower buy stops (higher sell stops) go first, then earlier arrivals.
 */
export class StopBook {
  id = new Float64Array(16);
  side = new Uint8Array(16);
  type = new Uint8Array(16);
  tif = new Uint8Array(16);
  qty = new Float64Array(16);
  limitPx = new Float64Array(16);
  stopPx = new Float64Array(16);
  owner = new Int32Array(16);
  stp = new Uint8Array(16);

  readonly #index = new IdIndex(64);
  readonly #buys = new SortedQueue(); // key = -stopPx: lowest stop pops first
  readonly #sells = new SortedQueue(); // key = stopPx: highest stop pops first
  #free = -1;
  #next = 0;
  #links = new Int32Array(16);

  /** Number of pending stops. */
  get size(): number {
    return this.#index.size;
  }

  /** True when a stop with `id` is pending. */
  has(id: number): boolean {
    return this.#index.get(id) >= 0;
  }

  /** Slot of pending stop `id`, or -1. */
  slotOf(id: number): number {
    return this.#index.get(id);
  }

  /** Park a stop order (the caller validated it and checked the id is free). Returns its slot. */
  add(r: OrderRequest): number {
    const s = this.#alloc();
    this.id[s] = r.id;
    this.side[s] = r.side;
    this.type[s] = r.type;
    this.tif[s] = r.tif;
    this.qty[s] = r.qty;
    this.limitPx[s] = r.price;
    this.stopPx[s] = r.stopPrice;
    this.owner[s] = r.owner;
    this.stp[s] = r.stp;
    this.#index.set(r.id, s);
    if (r.side === BookSide.BID) this.#buys.insert(-r.stopPrice, s);
    else this.#sells.insert(r.stopPrice, s);
    return s;
  }

  /** Remove pending stop `id`; returns its quantity, or -1 when unknown. */
  cancel(id: number): number {
    const s = this.#index.get(id);
    if (s < 0) return -1;
    if (this.side[s] === BookSide.BID) this.#buys.remove(-this.stopPx[s]!, s);
    else this.#sells.remove(this.stopPx[s]!, s);
    this.#index.delete(id);
    const q = this.qty[s]!;
    this.#release(s);
    return q;
  }

  /**
   * Take the next stop triggered by last trade price `last` out of the book and return its slot (valid until
   * the next call into the StopBook), or -1 when none is triggered.
   */
  popTriggered(last: number): number {
    const b = this.#buys;
    const s = this.#sells;
    let slot = -1;
    // Of a triggered buy and a triggered sell, the one whose trigger was placed earlier in price terms is
    // ambiguous; take buys first, then sells (deterministic).
    if (b.count > 0 && -b.keys[b.count - 1]! <= last) slot = b.vals[--b.count]!;
    else if (s.count > 0 && s.keys[s.count - 1]! >= last) slot = s.vals[--s.count]!;
    if (slot < 0) return -1;
    this.#index.delete(this.id[slot]!);
    this.#release(slot);
    return slot;
  }

  /** Copy stop `slot` into `r` (type, tif, prices, owner) so it can be submitted as a triggered order. */
  read(slot: number, r: OrderRequest): void {
    r.id = this.id[slot]!;
    r.side = this.side[slot] as BookSide;
    r.type = this.type[slot] as OrderType;
    r.tif = this.tif[slot] as TimeInForce;
    r.qty = this.qty[slot]!;
    r.price = this.limitPx[slot]!;
    r.stopPrice = this.stopPx[slot]!;
    r.owner = this.owner[slot]!;
    r.stp = this.stp[slot] as StpMode;
  }

  /** Visit every pending stop id (allocation-free callback). */
  forEachId(fn: (id: number) => void): void {
    for (let i = 0; i < this.#buys.count; i++) fn(this.id[this.#buys.vals[i]!]!);
    for (let i = 0; i < this.#sells.count; i++) fn(this.id[this.#sells.vals[i]!]!);
  }

  /** Free a slot; its data stays readable until a later add() reuses it. */
  #release(s: number): void {
    this.#links[s] = this.#free;
    this.#free = s;
  }

  #alloc(): number {
    if (this.#free >= 0) {
      const s = this.#free;
      this.#free = this.#links[s]!;
      return s;
    }
    if (this.#next === this.id.length) this.#grow();
    return this.#next++;
  }

  #grow(): void {
    const cap = this.id.length * 2;
    this.id = growF64(this.id, cap);
    this.side = growU8(this.side, cap);
    this.type = growU8(this.type, cap);
    this.tif = growU8(this.tif, cap);
    this.qty = growF64(this.qty, cap);
    this.limitPx = growF64(this.limitPx, cap);
    this.stopPx = growF64(this.stopPx, cap);
    this.owner = growI32(this.owner, cap);
    this.stp = growU8(this.stp, cap);
    this.#links = growI32(this.#links, cap);
  }
}

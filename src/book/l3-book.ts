import { ErrorCode, TradestateError } from '../core/errors.ts';
import { OrderIdIndex } from './order-id-index.ts';
import { growF64, growI32, growU8, type PriceLadder } from './price-ladder.ts';
import { BookSide } from './side.ts';
import { TwoSidedBook } from './two-sided-book.ts';

/** One resting order in a {@link L3BookSnapshot}. */
export interface L3SnapshotOrder {
  readonly id: number;
  readonly qty: number;
  readonly owner: number;
}

/** One level of a {@link L3BookSnapshot}, orders in queue (time-priority) order. */
export interface L3SnapshotLevel {
  readonly price: number;
  readonly qty: number;
  readonly orders: readonly L3SnapshotOrder[];
}

/** A full, order-by-order copy of an {@link L3Book}, best level first on each side. */
export interface L3BookSnapshot {
  readonly bids: readonly L3SnapshotLevel[];
  readonly asks: readonly L3SnapshotLevel[];
}

/**
 * An order-by-order (L3) book for one symbol.
 *
 * Orders live in struct-of-arrays pools indexed by an order slot; each price level keeps an intrusive
 * doubly-linked FIFO of its orders (oldest at the head), and each side is a {@link PriceLadder}.
 * An {@link OrderIdIndex} maps the caller's numeric order id (any safe integer) to its slot.
 * Best bid/ask is O(1); `depth(n)` is O(n); add/cancel/execute at or near the top of book are O(1)
 * amortised and allocation-free (arrays double when full).
 *
 * Prices are integer ticks and quantities integer lots, both JS numbers holding safe integers.
 * `owner` is an optional int32 account id used by the matching engine's self-trade prevention (0 = none).
 */
export class L3Book extends TwoSidedBook {
  /** Per order slot: the caller's id. */
  orderId: Float64Array;
  /** Per order slot: price in ticks. */
  orderPx: Float64Array;
  /** Per order slot: remaining (leaves) quantity in lots. */
  orderQty: Float64Array;
  /** Per order slot: 0 = bid, 1 = ask. */
  orderSide: Uint8Array;
  /** Per order slot: level slot within its side's ladder. */
  orderLevel: Int32Array;
  /** Per order slot: previous order in the level queue (-1 = head). */
  orderPrev: Int32Array;
  /** Per order slot: next order in the level queue (-1 = tail); free-list link when the slot is free. */
  orderNext: Int32Array;
  /** Per order slot: owner / account id for self-trade prevention (0 = none). */
  orderOwner: Int32Array;
  /** Per order slot: a caller-defined byte (the matching engine keeps time-in-force and STP mode here). */
  orderFlags: Uint8Array;

  readonly #index: OrderIdIndex;
  #free = -1;
  #next = 0;
  #orderCount = 0;

  /**
   * @param capacity expected number of resting orders (the pools grow past it).
   * @param priceWindow each side's dense price window in ticks (see {@link PriceLadder}).
   */
  constructor(capacity = 1024, priceWindow?: number) {
    super(priceWindow);
    this.orderId = new Float64Array(capacity);
    this.orderPx = new Float64Array(capacity);
    this.orderQty = new Float64Array(capacity);
    this.orderSide = new Uint8Array(capacity);
    this.orderLevel = new Int32Array(capacity);
    this.orderPrev = new Int32Array(capacity);
    this.orderNext = new Int32Array(capacity);
    this.orderOwner = new Int32Array(capacity);
    this.orderFlags = new Uint8Array(capacity);
    this.#index = new OrderIdIndex(capacity);
  }

  /** Number of resting orders. */
  get orderCount(): number {
    return this.#orderCount;
  }

  /** Order slot of `id`, or -1. */
  slotOf(id: number): number {
    return this.#index.get(id);
  }

  /**
   * {@link slotOf} for a check-then-insert: when `id` is absent, an {@link insert} of the same id right after
   * (no other change to the book in between) reuses this probe of the id index instead of probing again.
   */
  probe(id: number): number {
    return this.#index.find(id);
  }

  /** True when an order with `id` rests in the book. */
  has(id: number): boolean {
    return this.#index.get(id) >= 0;
  }

  /** Remaining quantity of order `id`, or -1 when unknown. */
  qtyOf(id: number): number {
    const s = this.#index.get(id);
    return s < 0 ? -1 : this.orderQty[s]!;
  }

  /** Price of order `id`, or NaN when unknown. */
  priceOf(id: number): number {
    const s = this.#index.get(id);
    return s < 0 ? Number.NaN : this.orderPx[s]!;
  }

  /**
   * Add a resting order at the back of its level's queue. Returns its slot.
   * Throws `TRD_ERR_DUPLICATE_ORDER_ID` for an id already resting and `TRD_ERR_BOOK_INVALID_UPDATE`
   * when the price is not a safe integer or the quantity not a positive safe integer.
   */
  add(id: number, side: BookSide, price: number, qty: number, owner = 0, flags = 0): number {
    if (
      !(qty > 0) ||
      !Number.isSafeInteger(qty) ||
      !Number.isSafeInteger(price) ||
      !Number.isSafeInteger(id)
    ) {
      throw new TradestateError(ErrorCode.BOOK_INVALID_UPDATE, `invalid order ${id}: ${qty} @ ${price}`, {
        id,
        price,
        qty
      });
    }
    const slot = this.insert(id, side, price, qty, owner, flags);
    if (slot < 0) {
      throw new TradestateError(ErrorCode.DUPLICATE_ORDER_ID, `order ${id} already rests in the book`, {
        id
      });
    }
    return slot;
  }

  /**
   * {@link add} without validation, for callers that validated already (the matching engine): returns the
   * slot, or -1 (book unchanged) when `id` already rests.
   */
  insert(id: number, side: BookSide, price: number, qty: number, owner: number, flags: number): number {
    const slot = this.#allocOrder();
    if (!this.#index.set(id, slot)) {
      this.#freeOrder(slot);
      return -1;
    }
    this.orderId[slot] = id;
    this.orderPx[slot] = price;
    this.orderQty[slot] = qty;
    this.orderSide[slot] = side;
    this.orderOwner[slot] = owner;
    this.orderFlags[slot] = flags;
    this.#orderCount++;
    // queue at the back of the level (kept inline: this is the add hot path)
    const lad = this.sides[side];
    const lv = lad.findOrCreate(price);
    const tail = lad.tail[lv]!;
    this.orderLevel[slot] = lv;
    this.orderPrev[slot] = tail;
    this.orderNext[slot] = -1;
    if (tail >= 0) this.orderNext[tail] = slot;
    else lad.head[lv] = slot;
    lad.tail[lv] = slot;
    lad.orders[lv]!++;
    lad.qty[lv]! += qty;
    return slot;
  }

  /**
   * Take `qty` off order `id` (a partial cancel or an execution); the order leaves the book when nothing
   * remains. Returns the remaining quantity, or -1 when `id` is unknown. Keeps time priority.
   * Throws `TRD_ERR_BOOK_INVALID_UPDATE` when `qty` is not positive or exceeds what remains.
   */
  reduce(id: number, qty: number): number {
    const s = this.#index.get(id);
    if (s < 0) return -1;
    return this.reduceSlot(s, qty);
  }

  /** {@link reduce} by order slot. */
  reduceSlot(s: number, qty: number): number {
    const left = this.orderQty[s]! - qty;
    if (!(qty > 0) || left < 0) {
      throw new TradestateError(
        ErrorCode.BOOK_INVALID_UPDATE,
        `cannot take ${qty} from order ${this.orderId[s]} with ${this.orderQty[s]} left`,
        { id: this.orderId[s], qty, left: this.orderQty[s] }
      );
    }
    if (left === 0) {
      this.removeSlot(s);
      return 0;
    }
    this.orderQty[s] = left;
    this.ladder(this.orderSide[s] as BookSide).qty[this.orderLevel[s]!]! -= qty;
    return left;
  }

  /** An execution of `qty` against resting order `id`; same as {@link reduce}. */
  execute(id: number, qty: number): number {
    return this.reduce(id, qty);
  }

  /** Remove order `id` entirely. Returns the quantity it had, or -1 when unknown. */
  cancel(id: number): number {
    const s = this.#index.delete(id);
    if (s < 0) return -1;
    const q = this.orderQty[s]!;
    this.#unlink(s);
    return q;
  }

  /**
   * Remove order `id` and return its (now free) slot, or -1 when unknown. The slot's fields (side, price,
   * quantity, owner) stay readable until the next add: one hash probe instead of a lookup plus a removal.
   */
  detach(id: number): number {
    const s = this.#index.delete(id);
    if (s >= 0) this.#unlink(s);
    return s;
  }

  /** Remove the order in slot `s` from its level, the index and the pool. */
  removeSlot(s: number): void {
    this.#index.delete(this.orderId[s]!);
    this.#unlink(s);
  }

  /**
   * {@link removeSlot} for an order known to be at the HEAD of its level's queue (the matching loop's
   * fully-filled maker): no predecessor to relink.
   */
  removeHead(s: number): void {
    this.#index.delete(this.orderId[s]!);
    const lad = this.sides[this.orderSide[s] as BookSide];
    const lv = this.orderLevel[s]!;
    if (--lad.orders[lv]! === 0) lad.removeSlot(lv);
    else {
      const next = this.orderNext[s]!;
      lad.head[lv] = next;
      this.orderPrev[next] = -1;
      lad.qty[lv]! -= this.orderQty[s]!;
    }
    this.#orderCount--;
    this.orderNext[s] = this.#free;
    this.#free = s;
  }

  /** Take slot `s` out of its level queue and free it (the index entry is already gone). */
  #unlink(s: number): void {
    const lad = this.sides[this.orderSide[s] as BookSide];
    const lv = this.orderLevel[s]!;
    const prev = this.orderPrev[s]!;
    const next = this.orderNext[s]!;
    if (prev >= 0) this.orderNext[prev] = next;
    else lad.head[lv] = next;
    if (next >= 0) this.orderPrev[next] = prev;
    else lad.tail[lv] = prev;
    if (--lad.orders[lv]! === 0) lad.removeSlot(lv);
    else lad.qty[lv]! -= this.orderQty[s]!;
    this.#orderCount--;
    this.#freeOrder(s);
  }

  /**
   * Modify order `id` to `newQty` at `newPrice`. A pure size reduction at the same price keeps time
   * priority; a price change or a size increase is a restate: the order moves to the back of the queue
   * at its (new) level. `newQty` 0 cancels. Returns false when `id` is unknown.
   * The book does not match: a restate that would cross is the matching engine's job.
   */
  modify(id: number, newQty: number, newPrice: number): boolean {
    const s = this.#index.get(id);
    if (s < 0) return false;
    const q = this.orderQty[s]!;
    if (newQty === 0) {
      this.removeSlot(s);
      return true;
    }
    if (!(newQty > 0) || !Number.isSafeInteger(newQty) || !Number.isSafeInteger(newPrice)) {
      throw new TradestateError(
        ErrorCode.BOOK_INVALID_UPDATE,
        `invalid modify of ${id}: ${newQty} @ ${newPrice}`,
        {
          id,
          newQty,
          newPrice
        }
      );
    }
    if (newPrice === this.orderPx[s] && newQty <= q) {
      if (newQty < q) this.reduceSlot(s, q - newQty);
      return true;
    }
    const side = this.orderSide[s] as BookSide;
    const owner = this.orderOwner[s]!;
    const flags = this.orderFlags[s]!;
    this.removeSlot(s);
    this.add(id, side, newPrice, newQty, owner, flags);
    return true;
  }

  /**
   * Quantity resting ahead of order `id` at its level (the sum over older orders at the same price),
   * or -1 when unknown. O(orders ahead).
   */
  queuePosition(id: number): number {
    const s = this.#index.get(id);
    if (s < 0) return -1;
    let ahead = 0;
    for (let p = this.orderPrev[s]!; p >= 0; p = this.orderPrev[p]!) ahead += this.orderQty[p]!;
    return ahead;
  }

  /** Remove everything (keeps capacity). */
  clear(): void {
    this.bids.clear();
    this.asks.clear();
    this.#index.clear();
    this.#free = -1;
    this.#next = 0;
    this.#orderCount = 0;
  }

  /** A full order-by-order copy (allocates; not for the hot path). */
  snapshot(): L3BookSnapshot {
    return { bids: this.#snapSide(this.bids), asks: this.#snapSide(this.asks) };
  }

  /** Replace the whole content with `snap` (orders keep the snapshot's queue order). */
  loadSnapshot(snap: L3BookSnapshot): void {
    this.clear();
    for (const [side, levels] of [
      [BookSide.BID, snap.bids],
      [BookSide.ASK, snap.asks]
    ] as const) {
      for (const lv of levels) for (const o of lv.orders) this.add(o.id, side, lv.price, o.qty, o.owner);
    }
  }

  /** Bytes held by the book's arrays (orders, index and both ladders). */
  get bytes(): number {
    return (
      this.orderId.byteLength * 3 +
      this.orderSide.byteLength * 2 +
      this.orderLevel.byteLength * 4 +
      this.#index.bytes +
      this.bids.bytes +
      this.asks.bytes
    );
  }

  #snapSide(lad: PriceLadder): L3SnapshotLevel[] {
    const out: L3SnapshotLevel[] = [];
    for (let lv = lad.best; lv >= 0; lv = lad.worseThan(lv)) {
      const orders: L3SnapshotOrder[] = [];
      for (let o = lad.head[lv]!; o >= 0; o = this.orderNext[o]!) {
        orders.push({ id: this.orderId[o]!, qty: this.orderQty[o]!, owner: this.orderOwner[o]! });
      }
      out.push({ price: lad.price[lv]!, qty: lad.qty[lv]!, orders });
    }
    return out;
  }

  #allocOrder(): number {
    const f = this.#free;
    if (f >= 0) {
      this.#free = this.orderNext[f]!;
      return f;
    }
    if (this.#next === this.orderId.length) this.#grow();
    return this.#next++;
  }

  #freeOrder(s: number): void {
    this.orderNext[s] = this.#free;
    this.#free = s;
  }

  #grow(): void {
    const cap = this.orderId.length * 2;
    this.orderId = growF64(this.orderId, cap);
    this.orderPx = growF64(this.orderPx, cap);
    this.orderQty = growF64(this.orderQty, cap);
    this.orderSide = growU8(this.orderSide, cap);
    this.orderFlags = growU8(this.orderFlags, cap);
    this.orderLevel = growI32(this.orderLevel, cap);
    this.orderPrev = growI32(this.orderPrev, cap);
    this.orderNext = growI32(this.orderNext, cap);
    this.orderOwner = growI32(this.orderOwner, cap);
  }
}

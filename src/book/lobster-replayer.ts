import { L3Book } from './l3-book.ts';
import {
  LOBSTER_EMPTY_ASK,
  LOBSTER_EMPTY_BID,
  type LobsterMessages,
  type LobsterOrderbook
} from './lobster.codec.ts';
import { BookSide } from './side.ts';

/** Replay counters. */
export interface LobsterReplayStats {
  /** Messages applied. */
  messages: number;
  /** Cancels/deletes/executions of ids never seen, drawn from the level's unknown (pre-file) liquidity. */
  fromUnknown: number;
  /** Cancels/deletes/executions of unseen ids with no unknown liquidity left to draw from (ignored). */
  unresolved: number;
  /** Shares those unresolved events referred to. */
  unresolvedShares: number;
  /** Type 5 (hidden execution) events: the visible book does not change. */
  hiddenExecutions: number;
  /** Type 6 (cross trade) events: the visible book does not change. */
  crossTrades: number;
  /** Type 7 trading-halt indicator events. */
  haltEvents: number;
  /** Deletes (type 3) whose size differed from the order's remaining size. */
  deleteSizeMismatches: number;
}

/** Result of comparing the book with one orderbook row. */
export const RowCheck = {
  /** Every level the messages determine matches; nothing had to be seeded. */
  MATCH: 0,
  /** Matches after seeding levels that entered the visible range from beyond the previous horizon. */
  MATCH_REVEALED: 1,
  /** A level the messages determine differs from the row. */
  MISMATCH: 2
} as const;
export type RowCheck = (typeof RowCheck)[keyof typeof RowCheck];

/**
 * Replays decoded LOBSTER messages into an {@link L3Book}.
 *
 * Orders resting before the file starts have ids the file never submits. The replayer represents them as
 * one synthetic "unknown" order per level (id {@link unknownId}), at the FRONT of the queue since it predates
 * every order in the file; cancels, deletes and executions of unseen ids draw from it.
 *
 * Checking against a LOBSTER orderbook file (`row k` = book after message k): a level-N message file only
 * carries events inside the N visible levels, so a level that enters the visible range from deeper (after
 * a level above it disappears) cannot be known from messages. {@link checkRow} therefore keeps, per side, the
 * horizon of the previous row (its N-th price): levels at or better than it are fully determined by the
 * messages and must match exactly; a level beyond it is seeded from the row as unknown liquidity and counted
 * in {@link revealedLevels} (and is then tracked by messages like any other).
 */
export class LobsterReplayer {
  readonly book: L3Book;
  readonly stats: LobsterReplayStats = {
    messages: 0,
    fromUnknown: 0,
    unresolved: 0,
    unresolvedShares: 0,
    hiddenExecutions: 0,
    crossTrades: 0,
    haltEvents: 0,
    deleteSizeMismatches: 0
  };
  /** Levels seeded from orderbook rows because they came from beyond the known horizon. */
  revealedLevels = 0;
  /** Trading state from the last type-7 message: 'trading' | 'halted' | 'quoting'. */
  tradingState: 'trading' | 'halted' | 'quoting' = 'trading';

  /**
   * Called after a level was made to match an orderbook row ({@link checkRow}): the market's liquidity at
   * (`side`, `price`) is now `qty` (0: a stale level dropped). An emulator keeping its own copy of the market
   * applies the same (`L3FillModel.revealLevel`).
   */
  onReveal: ((side: BookSide, price: number, qty: number) => void) | undefined;

  #bidHorizon = Number.NEGATIVE_INFINITY;
  #askHorizon = Number.POSITIVE_INFINITY;

  constructor(capacity = 16_384) {
    // LOBSTER prices are 1e-4 $ and the tick is a cent (100 units): a 65,536-unit window keeps ±$3.28 of
    // levels around the touch in the dense window instead of the out-of-window hash.
    this.book = new L3Book(capacity, 65_536);
  }

  /** Empty the book and zero the counters (keeps capacity). */
  reset(): void {
    this.book.clear();
    for (const k of Object.keys(this.stats) as (keyof LobsterReplayStats)[]) this.stats[k] = 0;
    this.revealedLevels = 0;
    this.tradingState = 'trading';
    this.#bidHorizon = Number.NEGATIVE_INFINITY;
    this.#askHorizon = Number.POSITIVE_INFINITY;
  }

  /** Synthetic id of the unknown liquidity at (side, price): negative, so never a LOBSTER id. */
  static unknownId(side: BookSide, price: number): number {
    return -(price * 2 + side) - 1;
  }

  /**
   * Start from orderbook row `row` with the effect of message `row` undone, i.e. the book just BEFORE message
   * `row` (row k is the book after message k). Replaying from message `row` then reproduces row `row` onward.
   * All resting liquidity is unknown; the horizon is the row's deepest level.
   */
  initBefore(ob: LobsterOrderbook, row: number, msgs: LobsterMessages): void {
    const book = this.book;
    this.reset();
    const base = row * ob.levels * 4;
    for (let l = 0; l < ob.levels; l++) {
      const o = base + l * 4;
      const ap = ob.data[o]!;
      const aq = ob.data[o + 1]!;
      const bp = ob.data[o + 2]!;
      const bq = ob.data[o + 3]!;
      if (ap !== LOBSTER_EMPTY_ASK && aq > 0)
        book.add(LobsterReplayer.unknownId(BookSide.ASK, ap), BookSide.ASK, ap, aq);
      if (bp !== LOBSTER_EMPTY_BID && bq > 0)
        book.add(LobsterReplayer.unknownId(BookSide.BID, bp), BookSide.BID, bp, bq);
    }
    this.#setHorizon(ob, row);
    // Undo message `row`.
    const t = msgs.type[row]!;
    const side = msgs.direction[row] === 1 ? BookSide.BID : BookSide.ASK;
    const px = msgs.price[row]!;
    const sz = msgs.size[row]!;
    const uid = LobsterReplayer.unknownId(side, px);
    if (t === 1) {
      const left = book.qtyOf(uid) - sz;
      book.cancel(uid);
      if (left > 0) book.add(uid, side, px, left);
    } else if (t === 2 || t === 3 || t === 4) {
      const had = book.qtyOf(uid);
      book.cancel(uid);
      book.add(uid, side, px, (had > 0 ? had : 0) + sz);
    }
  }

  /** Apply messages `[from, to)`. The hot loop: no allocation. */
  replay(msgs: LobsterMessages, from = 0, to = msgs.length): void {
    for (let i = from; i < to; i++) this.#apply(msgs, i);
    this.stats.messages += to - from;
  }

  /** Apply message `i`. */
  apply(msgs: LobsterMessages, i: number): void {
    this.#apply(msgs, i);
    this.stats.messages++;
  }

  /**
   * Apply message `i`, then, when the orderbook file has row `i`, check the book against it ({@link checkRow}):
   * how a replay keeps the market's book true to the file. Undefined when there is no row to check.
   */
  step(msgs: LobsterMessages, i: number, ob: LobsterOrderbook | undefined): RowCheck | undefined {
    this.apply(msgs, i);
    return ob !== undefined && i < ob.rows ? this.checkRow(ob, i) : undefined;
  }

  #apply(msgs: LobsterMessages, i: number): void {
    const book = this.book;
    const t = msgs.type[i]!;
    if (t === 1) {
      const id = msgs.orderId[i]!;
      const side = msgs.direction[i] === 1 ? BookSide.BID : BookSide.ASK;
      // The codec guarantees integer fields; a zero size cannot rest.
      const sz = msgs.size[i]!;
      if (!(sz > 0) || book.insert(id, side, msgs.price[i]!, sz, 0, 0) < 0)
        book.add(id, side, msgs.price[i]!, sz); // throws the typed error
      return;
    }
    if (t <= 4) {
      const id = msgs.orderId[i]!;
      const sz = msgs.size[i]!;
      if (t === 3) {
        const s = book.detach(id);
        if (s >= 0) {
          if (book.orderQty[s] !== sz) this.stats.deleteSizeMismatches++;
          return;
        }
      } else {
        const s = book.slotOf(id);
        if (s >= 0) {
          book.reduceSlot(s, sz);
          return;
        }
      }
      this.#fromUnknown(msgs.direction[i] === 1 ? BookSide.BID : BookSide.ASK, msgs.price[i]!, sz);
      return;
    }
    if (t === 5) this.stats.hiddenExecutions++;
    else if (t === 6) this.stats.crossTrades++;
    else if (t === 7) {
      this.stats.haltEvents++;
      const p = msgs.price[i]!;
      this.tradingState = p === -1 ? 'halted' : p === 0 ? 'quoting' : 'trading';
    }
  }

  /**
   * Compare the book's top levels with orderbook row `row` (see the class notes on the horizon), seeding
   * levels beyond the previous horizon, then move the horizon to this row.
   */
  checkRow(ob: LobsterOrderbook, row: number): RowCheck {
    const a = this.#checkSide(ob, row, BookSide.ASK);
    const b = this.#checkSide(ob, row, BookSide.BID);
    this.#setHorizon(ob, row);
    return a > b ? a : b;
  }

  /**
   * True when the top `ob.levels` levels equal row `row` exactly (no horizon logic, no seeding): the strict
   * comparison.
   */
  equalsRow(ob: LobsterOrderbook, row: number): boolean {
    const L = ob.levels;
    const base = row * L * 4;
    for (let side = 0; side < 2; side++) {
      const lad = this.book.ladder(side as BookSide);
      for (let l = 0, s = lad.best; l < L; l++, s = s >= 0 ? lad.worseThan(s) : -1) {
        const col = base + l * 4 + (side === BookSide.ASK ? 0 : 2);
        const px = ob.data[col]!;
        const q = ob.data[col + 1]!;
        const empty = px === LOBSTER_EMPTY_ASK || px === LOBSTER_EMPTY_BID;
        if (s < 0) {
          if (!empty) return false;
          continue;
        }
        if (empty || lad.price[s] !== px || lad.qty[s] !== q) return false;
      }
    }
    return true;
  }

  #fromUnknown(side: BookSide, price: number, sz: number): void {
    const book = this.book;
    const us = book.slotOf(LobsterReplayer.unknownId(side, price));
    if (us < 0) {
      this.stats.unresolved++;
      this.stats.unresolvedShares += sz;
      return;
    }
    const have = book.orderQty[us]!;
    if (sz > have) {
      this.stats.unresolved++;
      this.stats.unresolvedShares += sz - have;
      book.removeSlot(us);
    } else book.reduceSlot(us, sz);
    this.stats.fromUnknown++;
  }

  #setHorizon(ob: LobsterOrderbook, row: number): void {
    const o = row * ob.levels * 4 + (ob.levels - 1) * 4;
    const ap = ob.data[o]!;
    const bp = ob.data[o + 2]!;
    this.#askHorizon = ap === LOBSTER_EMPTY_ASK ? Number.POSITIVE_INFINITY : ap;
    this.#bidHorizon = bp === LOBSTER_EMPTY_BID ? Number.NEGATIVE_INFINITY : bp;
  }

  /** Is `price` at or better than the side's horizon (fully determined by the messages)? */
  #known(side: BookSide, price: number): boolean {
    return side === BookSide.BID ? price >= this.#bidHorizon : price <= this.#askHorizon;
  }

  #checkSide(ob: LobsterOrderbook, row: number, side: BookSide): RowCheck {
    const L = ob.levels;
    const base = row * L * 4 + (side === BookSide.ASK ? 0 : 2);
    const empty = side === BookSide.ASK ? LOBSTER_EMPTY_ASK : LOBSTER_EMPTY_BID;
    const lad = this.book.ladder(side);
    const better = side === BookSide.BID ? 1 : -1; // sign such that better*price is larger for better prices
    let result: RowCheck = RowCheck.MATCH;
    let i = 0; // our level index
    let rowLevels = 0;
    for (let l = 0; l < L; l++) if (ob.data[base + l * 4] !== empty) rowLevels++;
    const deepest = rowLevels > 0 ? ob.data[base + (rowLevels - 1) * 4]! : Number.NaN;
    let j = 0;
    // `cur` is our level `i` (kept in step as i advances; looked up again after a seed changed the ladder)
    let cur = lad.best;
    let curIdx = 0;
    /** Make our level at `px` total `qty` from what the row reveals; the ladder changed, so `cur` is stale. */
    const reveal = (px: number, qty: number): void => {
      this.#seed(side, px, qty);
      curIdx = -2;
      if (result === RowCheck.MATCH) result = RowCheck.MATCH_REVEALED;
    };
    for (;;) {
      if (curIdx !== i) {
        cur = curIdx === i - 1 && cur >= 0 ? lad.worseThan(cur) : lad.slotAt(i);
        curIdx = i;
      }
      const haveOurs = cur >= 0;
      const ourPx = haveOurs ? lad.price[cur]! : Number.NaN;
      // Our levels past the row's deepest price are not visible in a full row: stop there.
      const oursVisible = haveOurs && (rowLevels < L || better * ourPx >= better * deepest);
      const haveRow = j < rowLevels;
      if (!oursVisible && !haveRow) break;
      const rowPx = haveRow ? ob.data[base + j * 4]! : Number.NaN;
      const rowQty = haveRow ? ob.data[base + j * 4 + 1]! : 0;
      if (oursVisible && haveRow && ourPx === rowPx) {
        const s = cur;
        if (lad.qty[s] !== rowQty) {
          if (this.#known(side, rowPx)) result = RowCheck.MISMATCH;
          else reveal(rowPx, rowQty);
        }
        i++;
        j++;
      } else if (oursVisible && (!haveRow || better * ourPx > better * rowPx)) {
        // We have a level the row does not.
        if (this.#known(side, ourPx)) {
          result = RowCheck.MISMATCH;
          i++;
        } else reveal(ourPx, 0); // stale level beyond the horizon: drop it (index i now points at the next)
      } else {
        // The row has a level we do not.
        if (this.#known(side, rowPx)) result = RowCheck.MISMATCH;
        else {
          reveal(rowPx, rowQty);
          i++;
        }
        j++;
      }
    }
    return result;
  }

  /** Make the level at `price` total `qty` (see {@link seedLevel}), and say so to {@link onReveal}. */
  #seed(side: BookSide, price: number, qty: number): void {
    this.revealedLevels++;
    seedLevel(this.book, side, price, qty);
    this.onReveal?.(side, price, qty);
  }
}

/**
 * Make the market's liquidity at (`side`, `price`) total `qty` in `book`, for a level an orderbook row reveals:
 * more than the book has is unknown liquidity (id {@link LobsterReplayer.unknownId}) at the FRONT of the queue,
 * since it predates every order the file showed there; less is taken from the unknown liquidity first, then from
 * the level's newest market orders. Orders of an owner other than 0 (own orders in an emulator's book) are not
 * market liquidity: they are neither counted nor touched, and keep their place relative to the market's orders.
 */
export function seedLevel(book: L3Book, side: BookSide, price: number, qty: number): void {
  const lad = book.ladder(side);
  const lv = lad.find(price);
  let total = 0;
  if (lv >= 0)
    for (let o = lad.head[lv]!; o >= 0; o = book.orderNext[o]!)
      if (book.orderOwner[o] === 0) total += book.orderQty[o]!;
  if (qty === total) return;
  const uid = LobsterReplayer.unknownId(side, price);
  const us = book.slotOf(uid);
  if (qty > total) {
    const u = us >= 0 ? book.orderQty[us]! : 0;
    if (us >= 0) book.removeSlot(us);
    addAtFront(book, side, price, uid, u + qty - total);
    return;
  }
  let excess = total - qty;
  if (us >= 0) {
    const u = book.orderQty[us]!;
    const take = u < excess ? u : excess;
    book.reduceSlot(us, take);
    excess -= take;
  }
  while (excess > 0) {
    // the newest market order of the level (own orders are skipped)
    let o = lad.tail[lad.find(price)]!;
    while (book.orderOwner[o] !== 0) o = book.orderPrev[o]!;
    const q = book.orderQty[o]!;
    const take = q < excess ? q : excess;
    book.reduceSlot(o, take);
    excess -= take;
  }
}

/** Put market order `id` at the front of its level's queue: the orders there are re-queued behind it, in order. */
function addAtFront(book: L3Book, side: BookSide, price: number, id: number, qty: number): void {
  const lad = book.ladder(side);
  const lv = lad.find(price);
  if (lv < 0) {
    book.add(id, side, price, qty);
    return;
  }
  const ids: number[] = [];
  const qtys: number[] = [];
  const owners: number[] = [];
  const flags: number[] = [];
  for (let o = lad.head[lv]!; o >= 0; o = book.orderNext[o]!) {
    ids.push(book.orderId[o]!);
    qtys.push(book.orderQty[o]!);
    owners.push(book.orderOwner[o]!);
    flags.push(book.orderFlags[o]!);
  }
  for (const x of ids) book.cancel(x);
  book.add(id, side, price, qty);
  for (let k = 0; k < ids.length; k++) book.add(ids[k]!, side, price, qtys[k]!, owners[k]!, flags[k]!);
}

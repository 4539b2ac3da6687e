import type { L3Book, L3BookSnapshot } from '../../book/l3-book.ts';
import { LobsterReplayer, seedLevel } from '../../book/lobster-replayer.ts';
import { BookSide } from '../../book/side.ts';
import { type Nanos, NS_PER_DAY } from '../../core/nanos.ts';
import { ExecKind } from '../../matching/exec-events.ts';
import { MatchingEngine } from '../../matching/matching-engine.ts';
import {
  type OrderRequest,
  OrderType,
  orderRequest,
  Reason,
  StpMode,
  TimeInForce
} from '../../matching/order-types.ts';
import { type EmulatorHost, type FillModel, filled, type WorkingOrder } from './fill-model.ts';
import type { L3Event } from './l3-event.ts';

/** Engine ids of own orders start here (market ids are LOBSTER's, unknown liquidity is negative). */
export const OWN_ID_BASE = 2 ** 52;
/** Owner id of own orders in the book (market orders have owner 0). */
export const OWN_OWNER = 1;

/** Counters of the L3 model. */
export interface L3Stats {
  /** Lots own orders traded against market orders (the emulated book is that much thinner than the data's). */
  ownTakenLots: number;
  /** Lots own resting orders received from replayed market executions and crossing market adds. */
  ownPassiveLots: number;
  /** Market events whose size exceeded what the emulated book still had (absorbed by own trades before). */
  clampedLots: number;
  /** Market events about ids never seen, with no unknown liquidity to draw from (ignored). */
  unresolved: number;
}

const TIF_OF = {
  day: TimeInForce.GTC,
  gtc: TimeInForce.GTC,
  gtd: TimeInForce.GTC,
  ioc: TimeInForce.IOC,
  fok: TimeInForce.FOK
} as const;
const TYPE_OF = {
  market: OrderType.MARKET,
  limit: OrderType.LIMIT,
  stop: OrderType.STOP,
  stop_limit: OrderType.STOP_LIMIT
} as const;

function reasonText(r: number): string {
  switch (r) {
    case Reason.IOC:
      return 'ioc remainder not fillable';
    case Reason.FOK:
      return 'fok not fillable';
    case Reason.NO_LIQUIDITY:
      return 'market order: no liquidity left';
    case Reason.STP:
      return 'self-trade prevented';
    default:
      return `matching engine reason ${r}`;
  }
}

/**
 * Order-level (L3) fills. Per instrument, own orders rest in a {@link MatchingEngine}'s book together with the
 * market's orders, rebuilt from order-level events:
 * - market adds, cancels, deletes and modifies maintain the book (ids never seen draw from the level's unknown
 *   liquidity, as in {@link LobsterReplayer});
 * - a market execution of q lots of resting order X at p is replayed as an aggressor of q walking the book in
 *   price-time priority up to X: own orders at better prices, then own orders ahead of X at p, fill first (at
 *   their own price, maker); then X is reduced as the data says. A hidden execution at p reaches every own order
 *   at p or better (displayed orders have priority over hidden ones). Executions also move the last price,
 *   which triggers own stops;
 * - a market add that crosses own resting orders trades with them first (at the own orders' prices); only its
 *   remainder rests. Those trades move the last price too (own stops trigger on them);
 * - own marketable orders walk the real book (FIFO, at the resting prices) and never take more than is there;
 *   what they take is gone from the emulated book. The data keeps referring to those lots: later cancels and
 *   executions of them are absorbed first (`deficit`), so the emulated book never holds more than the data's.
 * Own passive fills do not change the market's orders: the market part of the book stays what the data says,
 * minus only what own orders took. Self-trade prevention: an own order meeting an own resting order cancels its
 * remainder. `maxParticipation` does not apply here (the book itself is the liquidity limit). Market orders
 * never rest: a remainder the book cannot fill is cancelled.
 */
export class L3FillModel implements FillModel {
  readonly stats: L3Stats = { ownTakenLots: 0, ownPassiveLots: 0, clampedLots: 0, unresolved: 0 };
  readonly #host: EmulatorHost;
  readonly #engines = new Map<string, MatchingEngine>();
  readonly #own = new Map<number, WorkingOrder>();
  /** Market order id → lots the data still counts that own orders already took. */
  readonly #deficit = new Map<number, number>();
  #seq = 0;
  readonly #req: OrderRequest = orderRequest({
    id: 0,
    side: BookSide.BID,
    qty: 0,
    owner: OWN_OWNER,
    stp: StpMode.CANCEL_NEWEST
  });
  // scratch for own-order walks
  #walkIds: number[] = [];
  #walkPx: number[] = [];
  /** Price of the last fill of the last own-order walk (its last trade). */
  #walkLastPx = 0;

  constructor(host: EmulatorHost) {
    this.#host = host;
  }

  /** The matching engine of `instrumentId` (created empty on first use). */
  engine(instrumentId: string): MatchingEngine {
    let e = this.#engines.get(instrumentId);
    if (!e) {
      e = new MatchingEngine({ capacity: 4096 });
      this.#engines.set(instrumentId, e);
    }
    return e;
  }

  /** The book of `instrumentId`: market orders (owner 0) and own orders (owner {@link OWN_OWNER}). */
  book(instrumentId: string): L3Book {
    return this.engine(instrumentId).book;
  }

  /** Start from a snapshot of market orders (e.g. a LOBSTER row as unknown liquidity). */
  loadBook(instrumentId: string, snap: L3BookSnapshot): void {
    this.engine(instrumentId).book.loadSnapshot(snap);
  }

  /**
   * An orderbook row revealed the market's liquidity at (`side`, `price`): `qty` lots (0: the level is stale,
   * its orders cancelled where a level-N file has no events). The market part of the level is set to it (see
   * {@link seedLevel}); own orders there keep their size and their place behind the market's earlier orders.
   */
  revealLevel(instrumentId: string, side: BookSide, price: number, qty: number): void {
    seedLevel(this.engine(instrumentId).book, side, price, qty);
  }

  /** Lots the data still counts for market order `id` that own orders already took. */
  deficitOf(id: number): number {
    return this.#deficit.get(id) ?? 0;
  }

  arrive(w: WorkingOrder, t: Nanos): void {
    const id = OWN_ID_BASE + ++this.#seq;
    w.engineId = id;
    this.#own.set(id, w);
    const r = this.#req;
    r.id = id;
    r.side = w.buy ? BookSide.BID : BookSide.ASK;
    r.type = TYPE_OF[w.cmd.orderType];
    r.tif = TIF_OF[w.cmd.tif];
    r.qty = w.qty - w.filled;
    r.price = w.limitPx ?? 0;
    r.stopPrice = w.stopPx ?? 0;
    const eng = this.engine(w.cmd.instrumentId);
    eng.submit(r, tod(t));
    this.#absorb(eng, t);
  }

  remove(w: WorkingOrder, t: Nanos): void {
    const eng = this.engine(w.cmd.instrumentId);
    eng.cancel(w.engineId, tod(t));
    this.#own.delete(w.engineId);
  }

  replaceRefusal(w: WorkingOrder): string | undefined {
    // a pending stop is not in the book: the engine cannot replace it
    return this.engine(w.cmd.instrumentId).book.has(w.engineId)
      ? undefined
      : 'order cannot be replaced in its state';
  }

  replaced(w: WorkingOrder, _oldPx: number | undefined, _oldLeaves: number, t: Nanos): void {
    const eng = this.engine(w.cmd.instrumentId);
    eng.replace(w.engineId, w.qty - w.filled, w.limitPx!, tod(t));
    this.#absorb(eng, t);
  }

  restated(w: WorkingOrder, t: Nanos): void {
    const eng = this.engine(w.cmd.instrumentId);
    if (eng.book.has(w.engineId)) {
      // a size decrease at the same price keeps the order's place in its queue
      eng.replace(w.engineId, w.qty - w.filled, w.limitPx!, tod(t));
      this.#absorb(eng, t);
    } else {
      // a pending stop cannot be replaced in the engine, and has no queue place to keep: send it again
      this.remove(w, t);
      this.arrive(w, t);
    }
  }

  queueAhead(w: WorkingOrder): number | undefined {
    const q = this.engine(w.cmd.instrumentId).book.queuePosition(w.engineId);
    return q < 0 ? undefined : q;
  }

  onL3(e: L3Event): void {
    const eng = this.engine(e.instrumentId);
    const book = eng.book;
    const side = e.side === 'buy' ? BookSide.BID : BookSide.ASK;
    const t = e.ts;
    switch (e.action) {
      case 'add':
        this.#add(eng, e.orderId, side, e.px, e.sz, t);
        return;
      case 'cancel':
        this.#reduce(book, e.orderId, side, e.px, e.sz);
        return;
      case 'delete': {
        this.#deficit.delete(e.orderId);
        if (book.cancel(e.orderId) < 0) this.#reduceUnknown(book, side, e.px, e.sz);
        return;
      }
      case 'modify': {
        const s = book.slotOf(e.orderId);
        const d = this.#deficit.get(e.orderId) ?? 0;
        const have = (s >= 0 ? book.orderQty[s]! : 0) + d;
        if ((s >= 0 || d > 0) && (s < 0 || book.orderPx[s] === e.px) && e.sz <= have) {
          if (e.sz < have) this.#reduce(book, e.orderId, side, e.px, have - e.sz);
          return;
        }
        this.#deficit.delete(e.orderId);
        book.cancel(e.orderId);
        if (e.sz > 0) this.#add(eng, e.orderId, side, e.px, e.sz, t);
        return;
      }
      case 'execute': {
        const inBook = book.has(e.orderId);
        this.#ownWalk(book, side, e.px, e.sz, inBook ? e.orderId : -1, t);
        this.#reduce(book, e.orderId, side, e.px, e.sz);
        eng.updateLastPrice(e.px, tod(t));
        this.#absorb(eng, t);
        return;
      }
      case 'hidden':
        this.#ownWalk(book, side, e.px, e.sz, -2, t);
        eng.updateLastPrice(e.px, tod(t));
        this.#absorb(eng, t);
        return;
    }
  }

  /**
   * A market add: first trades with own resting orders it crosses, then rests with what is left. Those trades
   * move the last price (to the last one's), which may trigger own stops, after the add has rested.
   */
  #add(eng: MatchingEngine, id: number, side: BookSide, px: number, sz: number, t: Nanos): void {
    const book = eng.book;
    const opp = book.ladder((side ^ 1) as BookSide);
    let left = sz;
    let traded = 0;
    if (opp.count > 0 && (side === BookSide.BID ? opp.bestPrice() <= px : opp.bestPrice() >= px)) {
      traded = this.#ownWalk(book, (side ^ 1) as BookSide, px, sz, -2, t);
      left -= traded;
    }
    if (left < sz) this.#deficit.set(id, sz - left);
    if (left > 0 && book.insert(id, side, px, left, 0, 0) < 0) this.stats.unresolved++;
    if (traded > 0) {
      eng.updateLastPrice(this.#walkLastPx, tod(t));
      this.#absorb(eng, t);
    }
  }

  /**
   * Fill own orders on `side` that an aggressor trading down to `px` with `budget` lots reaches first, in
   * price-time order: every own order at better prices; at `px`, those ahead of market order `stopId`
   * (-1: none at px; -2: all at px). Returns the lots filled.
   */
  #ownWalk(book: L3Book, side: BookSide, px: number, budget: number, stopId: number, t: Nanos): number {
    const lad = book.ladder(side);
    const ids = this.#walkIds;
    const pxs = this.#walkPx;
    ids.length = 0;
    pxs.length = 0;
    const bid = side === BookSide.BID;
    let need = budget;
    outer: for (let lv = lad.best; lv >= 0 && need > 0; lv = lad.worseThan(lv)) {
      const p = lad.price[lv]!;
      if (bid ? p < px : p > px) break;
      if (p === px && stopId === -1) break;
      for (let o = lad.head[lv]!; o >= 0; o = book.orderNext[o]!) {
        const oid = book.orderId[o]!;
        if (p === px && oid === stopId) break outer;
        if (book.orderOwner[o] !== OWN_OWNER) continue;
        ids.push(oid);
        pxs.push(p);
        need -= book.orderQty[o]!;
        if (need <= 0) break outer;
      }
    }
    let used = 0;
    for (let k = 0; k < ids.length; k++) {
      const oid = ids[k]!;
      const q = book.qtyOf(oid);
      const f = Math.min(q, budget - used);
      if (f <= 0) break;
      book.reduce(oid, f);
      const w = this.#own.get(oid)!;
      if (q === f) this.#own.delete(oid);
      // an OCO sibling ended or reduced by an earlier fill of this walk fills less (the book hears at settle)
      const got = filled(this.#host, w, pxs[k]!, f, t, 'maker', budget);
      if (got > 0) this.#walkLastPx = pxs[k]!;
      used += got;
      this.stats.ownPassiveLots += got;
    }
    return used;
  }

  /** The data reduces market order `id` by `sz`: absorbed by its deficit first, then taken from the book. */
  #reduce(book: L3Book, id: number, side: BookSide, px: number, sz: number): void {
    let left = sz;
    const d = this.#deficit.get(id);
    if (d !== undefined) {
      const use = Math.min(d, left);
      if (d - use > 0) this.#deficit.set(id, d - use);
      else this.#deficit.delete(id);
      left -= use;
      if (left === 0) return;
    }
    const s = book.slotOf(id);
    if (s < 0) {
      if (d !== undefined) this.stats.clampedLots += left;
      else this.#reduceUnknown(book, side, px, left);
      return;
    }
    const q = book.orderQty[s]!;
    if (left >= q) {
      book.removeSlot(s);
      this.stats.clampedLots += left - q;
    } else book.reduceSlot(s, left);
  }

  #reduceUnknown(book: L3Book, side: BookSide, px: number, sz: number): void {
    const us = book.slotOf(LobsterReplayer.unknownId(side, px));
    if (us < 0) {
      this.stats.unresolved++;
      return;
    }
    const have = book.orderQty[us]!;
    if (sz >= have) book.removeSlot(us);
    else book.reduceSlot(us, sz);
  }

  /** Turn the engine's events of the last call into own fills and cancels. */
  #absorb(eng: MatchingEngine, t: Nanos): void {
    const ev = eng.events;
    const book = eng.book;
    for (let i = 0; i < ev.count; i++) {
      const kind = ev.kindAt(i);
      const id = ev.orderIdAt(i);
      if (kind === ExecKind.TRADE) {
        const maker = ev.otherIdAt(i);
        const qty = ev.qtyAt(i);
        const px = ev.priceAt(i);
        const mw = this.#own.get(maker);
        if (mw) {
          this.stats.ownPassiveLots += qty;
          if (ev.otherLeavesAt(i) === 0) this.#own.delete(maker);
          this.#host.fill(mw, px, qty, t, 'maker', qty + ev.otherLeavesAt(i));
        } else if (this.#own.has(id)) {
          this.stats.ownTakenLots += qty;
          this.#deficit.set(maker, (this.#deficit.get(maker) ?? 0) + qty);
        }
        const w = this.#own.get(id);
        if (w) {
          if (ev.leavesAt(i) === 0 && !book.has(id)) this.#own.delete(id);
          this.#host.fill(w, px, qty, t, 'taker', qty + ev.otherLeavesAt(i));
        }
      } else if (kind === ExecKind.CANCELLED || kind === ExecKind.REJECTED) {
        const w = this.#own.get(id);
        if (w) {
          this.#own.delete(id);
          this.#host.close(w, t, 'canceled', reasonText(ev.reasonAt(i)));
        }
      }
    }
  }
}

function tod(t: Nanos): number {
  return Number(t % NS_PER_DAY);
}

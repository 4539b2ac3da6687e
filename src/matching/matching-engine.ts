import { L3Book } from '../book/l3-book.ts';
import { BookSide } from '../book/side.ts';
import { ExecEvents, ExecKind } from './exec-events.ts';
import {
  type OrderRequest,
  type OrderResult,
  OrderType,
  Outcome,
  orderRequest,
  orderResult,
  Reason,
  rejectCodeOf,
  StpMode,
  TimeInForce
} from './order-types.ts';
import { bandHalfWidth, withinBand } from './price-band.ts';
import { StopBook } from './stop-book.ts';
import { checkSession, inSession, type TradingSession } from './trading-session.ts';

/** Engine options. */
export interface MatchingEngineConfig {
  /** Trading hours; omitted = always open (DAY orders then expire only via {@link MatchingEngine.expireDayOrders}). */
  readonly session?: TradingSession;
  /**
   * Price band in basis points around the reference price ({@link MatchingEngine.setReferencePrice}, else the
   * last trade): limit orders priced outside it are rejected (`TRD_ERR_PRICE_BAND`) and market orders do not
   * trade beyond it. 0 / omitted = no band.
   */
  readonly priceBandBps?: number;
  /** Expected resting orders (arrays grow past it). */
  readonly capacity?: number;
}

const TIF_MASK = 3;

/**
 * True when a field of `r` is out of range: id, quantity and the prices its type uses must be safe integers
 * (quantity > 0), side 0–1, type / time in force / STP mode 0–3, owner an int32. `(x & 3) === x` accepts
 * exactly the numbers 0..3 (not strings; -0 aside).
 */
function invalidRequest(r: OrderRequest): boolean {
  const t = r.type;
  return (
    !Number.isSafeInteger(r.id) ||
    (r.side & 1) !== r.side ||
    !(r.qty > 0) ||
    !Number.isSafeInteger(r.qty) ||
    (t & 3) !== t ||
    (r.tif & 3) !== r.tif ||
    (r.stp & 3) !== r.stp ||
    (r.owner | 0) !== r.owner ||
    (t !== OrderType.MARKET && t !== OrderType.STOP && !Number.isSafeInteger(r.price)) ||
    (t >= OrderType.STOP && !Number.isSafeInteger(r.stopPrice))
  );
}
const STP_SHIFT = 2;

/**
 * A price-time-priority matching engine for one symbol, shared by the backtest emulator and the local venue.
 *
 * - Orders: MARKET, LIMIT, STOP (triggers into a market order), STOP_LIMIT (triggers into a limit order);
 *   time in force GTC, DAY, IOC, FOK; partial fills; an aggressive order walks the book level by level,
 *   FIFO within each level, trading at the resting order's price.
 * - Stops trigger on this engine's last trade price (or {@link updateLastPrice} for an external feed):
 *   buy when last ≥ stop, sell when last ≤ stop; a stop whose trigger is already reached when it arrives
 *   triggers at once. Triggered stops run after the order that moved the price, cascading. With a session,
 *   nothing triggers (or trades) while it is closed: a price reached then (an after-hours
 *   {@link updateLastPrice}) is not acted on at the time; when the session next opens, pending stops are
 *   evaluated against the last price at that moment (the latest print, not every print while closed).
 * - Self-trade prevention by owner id (see {@link StpMode}); the incoming order's mode decides.
 * - Price bands and trading hours per {@link MatchingEngineConfig}.
 * - Cancel-replace ({@link replace}) keeps priority on a pure size decrease, loses it otherwise.
 *
 * Time: every call takes `tNs`, integer nanoseconds WITHIN THE TRADING DAY (a Number, `0 ≤ tNs < 86 400e9`),
 * non-decreasing within a day; a smaller `tNs` than the previous call starts a new day (closing an open
 * session), except for a session that spans midnight: going from its evening part (at or after the open) to its
 * morning part (before the close) while it is open continues the same session, and going on from its morning
 * part past the close ends it (even when the next call is already in the evening part). Keeping it a Number
 * (not a bigint epoch) keeps the hot path allocation-free; callers convert once per event.
 *
 * Output: {@link result} (the outcome of the call's own order) and {@link events} (every execution event the
 * call caused, in order), both reused and overwritten by the next call. Rejections never throw: they are an
 * outcome with a `TRD_ERR_*` code.
 */
export class MatchingEngine {
  /** The resting orders. Read freely; mutate only through the engine. */
  readonly book: L3Book;
  /** Pending stop orders. */
  readonly stops = new StopBook();
  /** Events of the last call. */
  readonly events = new ExecEvents();
  /** Result of the last submit / replace / cancel. */
  readonly result: OrderResult = orderResult();

  readonly #session: TradingSession | undefined;
  readonly #bandBps: number;
  #lastPx = Number.NaN;
  #refPx = Number.NaN;
  #open = false;
  #lastT = -1;
  readonly #held: OrderRequest[] = [];
  readonly #scratch: OrderRequest = orderRequest({ id: 0, side: BookSide.BID, qty: 0 });
  readonly #sideResult: OrderResult = orderResult();

  constructor(cfg: MatchingEngineConfig = {}) {
    this.book = new L3Book(cfg.capacity ?? 1024);
    this.#session = cfg.session ? checkSession(cfg.session) : undefined;
    this.#bandBps = cfg.priceBandBps ?? 0;
  }

  /** Price of the last trade (NaN before the first). */
  get lastTradePrice(): number {
    return this.#lastPx;
  }

  /** The band's reference: the explicit reference price if set, else the last trade (NaN = none). */
  get referencePrice(): number {
    return Number.isNaN(this.#refPx) ? this.#lastPx : this.#refPx;
  }

  /** Set the band reference price (e.g. the previous close); NaN reverts to the last trade price. */
  setReferencePrice(px: number): void {
    this.#refPx = px;
  }

  /** Orders held for the session to open. */
  get heldCount(): number {
    return this.#held.length;
  }

  /**
   * Submit an order at time `tNs`. Returns {@link result} (reused); {@link events} holds the call's events.
   * `r` is not retained.
   */
  submit(r: OrderRequest, tNs: number): OrderResult {
    this.events.clear();
    this.#clock(tNs);
    const res = this.result;
    // The common case first: with no session, band, pending stop or held order to consult, a valid passive
    // limit order rests in one short call (its duplicate check is the book insert's own).
    if (
      this.#session !== undefined ||
      this.#bandBps !== 0 ||
      this.stops.size !== 0 ||
      this.#held.length !== 0 ||
      invalidRequest(r) ||
      !this.#restPassive(r, res)
    ) {
      this.#submit(r, res, false);
    }
    this.#runTriggers();
    return res;
  }

  /** Cancel order `id` (resting, pending stop or held). Unknown ids are REJECTED with `TRD_ERR_UNKNOWN_ORDER`. */
  cancel(id: number, tNs: number): OrderResult {
    this.events.clear();
    this.#clock(tNs);
    const res = this.result;
    const book = this.book;
    const s = book.detach(id);
    if (s >= 0) {
      // common case, a resting order: one probe of the id index, one event, each result field written once
      const q = book.orderQty[s]!;
      this.events.push(ExecKind.CANCELLED, id, 0, book.orderSide[s]!, 0, q, 0, 0, Reason.USER);
      res.outcome = Outcome.CANCELLED;
      res.filledQty = 0;
      res.leavesQty = 0;
      res.cancelledQty = q;
      res.reason = Reason.USER;
      res.rejectCode = null;
      return res;
    }
    this.#reset(res);
    let q = -1;
    let side = 0;
    const ss = this.stops.slotOf(id);
    if (ss >= 0) {
      side = this.stops.side[ss]!;
      q = this.stops.cancel(id);
    } else {
      for (let i = 0; i < this.#held.length; i++) {
        const h = this.#held[i]!;
        if (h.id === id) {
          q = h.qty;
          side = h.side;
          this.#held.splice(i, 1);
          break;
        }
      }
    }
    if (q < 0) return this.#reject(id, 0, Reason.UNKNOWN_ORDER, res);
    this.events.push(ExecKind.CANCELLED, id, 0, side, 0, q, 0, 0, Reason.USER);
    res.outcome = Outcome.CANCELLED;
    res.cancelledQty = q;
    res.reason = Reason.USER;
    return res;
  }

  /**
   * Cancel-replace resting order `id` to `newQty` remaining lots at `newPrice`.
   * Same price and `newQty ≤` current leaves: reduced in place, time priority KEPT (REPLACED, KEPT_PRIORITY).
   * A price change or a size increase: the order leaves the book and re-enters as a new limit order with the
   * same id, time in force, owner and STP mode (REPLACED, LOST_PRIORITY); at a crossing price it trades.
   * Pending stops and held orders cannot be replaced (cancel and resubmit them): `TRD_ERR_ORDER_INVALID`.
   * Outside the session: `TRD_ERR_MARKET_CLOSED`. Outside the band: `TRD_ERR_PRICE_BAND` (order untouched).
   */
  replace(id: number, newQty: number, newPrice: number, tNs: number): OrderResult {
    this.events.clear();
    this.#clock(tNs);
    const res = this.result;
    this.#reset(res);
    const book = this.book;
    const s = book.slotOf(id);
    if (s < 0) {
      const pending = this.stops.has(id) || this.#held.some((h) => h.id === id);
      return this.#reject(id, 0, pending ? Reason.ORDER_INVALID : Reason.UNKNOWN_ORDER, res);
    }
    const side = book.orderSide[s] as BookSide;
    if (!(newQty > 0) || !Number.isSafeInteger(newQty) || !Number.isSafeInteger(newPrice)) {
      return this.#reject(id, side, Reason.ORDER_INVALID, res);
    }
    if (this.#session && !this.#open) return this.#reject(id, side, Reason.MARKET_CLOSED, res);
    const oldQty = book.orderQty[s]!;
    if (newPrice === book.orderPx[s]) {
      if (newQty <= oldQty) {
        if (newQty < oldQty) book.reduceSlot(s, oldQty - newQty);
        this.events.push(ExecKind.REPLACED, id, 0, side, newPrice, newQty, newQty, 0, Reason.KEPT_PRIORITY);
        res.outcome = Outcome.RESTING;
        res.leavesQty = newQty;
        res.reason = Reason.KEPT_PRIORITY;
        return res;
      }
    } else if (!withinBand(newPrice, this.referencePrice, this.#bandBps)) {
      return this.#reject(id, side, Reason.PRICE_BAND, res);
    }
    const flags = book.orderFlags[s]!;
    const r = this.#scratch;
    r.id = id;
    r.side = side;
    r.type = OrderType.LIMIT;
    r.tif = (flags & TIF_MASK) as TimeInForce;
    r.stp = (flags >> STP_SHIFT) as StpMode;
    r.owner = book.orderOwner[s]!;
    r.qty = newQty;
    r.price = newPrice;
    r.stopPrice = 0;
    book.removeSlot(s);
    this.events.push(ExecKind.REPLACED, id, 0, side, newPrice, newQty, newQty, 0, Reason.LOST_PRIORITY);
    this.#execute(r, res, false);
    if (res.reason === Reason.NONE) res.reason = Reason.LOST_PRIORITY;
    this.#runTriggers();
    return res;
  }

  /**
   * Move the clock to `tNs` without an order: opening the session releases held orders, closing it expires
   * DAY orders. Returns the number of events produced (in {@link events}).
   */
  advanceTime(tNs: number): number {
    this.events.clear();
    this.#clock(tNs);
    this.#runTriggers();
    return this.events.count;
  }

  /**
   * Report a trade printed elsewhere (e.g. the market data a backtest replays) so pending stops can trigger
   * on it (only while the session is open; a price reported while it is closed is acted on at the next open).
   * Returns the number of events produced.
   */
  updateLastPrice(px: number, tNs: number): number {
    this.events.clear();
    this.#clock(tNs);
    this.#lastPx = px;
    this.#runTriggers();
    return this.events.count;
  }

  /**
   * Cancel every resting DAY order and pending DAY stop (reason EXPIRED; the engine does this itself at the
   * session close). Returns how many expired; {@link events} holds the EXPIRED cancels.
   */
  expireDayOrders(): number {
    this.events.clear();
    return this.#expireDay();
  }

  #expireDay(): number {
    const book = this.book;
    let n = 0;
    for (const side of [BookSide.BID, BookSide.ASK] as const) {
      const lad = book.ladder(side);
      for (let lv = lad.best; lv >= 0; ) {
        const worse = lad.worseThan(lv); // read before this level's orders (and maybe the level) go
        let o = lad.head[lv]!;
        while (o >= 0) {
          const next = book.orderNext[o]!;
          if ((book.orderFlags[o]! & TIF_MASK) === TimeInForce.DAY) {
            this.events.push(
              ExecKind.CANCELLED,
              book.orderId[o]!,
              0,
              side,
              book.orderPx[o]!,
              book.orderQty[o]!,
              0,
              0,
              Reason.EXPIRED
            );
            book.removeSlot(o);
            n++;
          }
          o = next;
        }
        lv = worse;
      }
    }
    const dayStops: number[] = [];
    this.stops.forEachId((id) => {
      if (this.stops.tif[this.stops.slotOf(id)] === TimeInForce.DAY) dayStops.push(id);
    });
    for (const id of dayStops) {
      const s = this.stops.slotOf(id);
      const side = this.stops.side[s]!;
      const q = this.stops.cancel(id);
      this.events.push(ExecKind.CANCELLED, id, 0, side, 0, q, 0, 0, Reason.EXPIRED);
      n++;
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------------

  #reset(res: OrderResult): void {
    res.outcome = Outcome.RESTING;
    res.filledQty = 0;
    res.leavesQty = 0;
    res.cancelledQty = 0;
    res.reason = Reason.NONE;
    res.rejectCode = null;
  }

  #reject(id: number, side: number, reason: Reason, res: OrderResult): OrderResult {
    this.events.push(ExecKind.REJECTED, id, 0, side, 0, 0, 0, 0, reason);
    res.outcome = Outcome.REJECTED;
    res.reason = reason;
    res.rejectCode = rejectCodeOf(reason);
    return res;
  }

  /** Validate, gate and dispatch one order. */
  #submit(r: OrderRequest, res: OrderResult, released: boolean): void {
    this.#reset(res);
    const t = r.type;
    const id = r.id;
    const side = r.side;
    const qty = r.qty;
    if (invalidRequest(r)) {
      this.#reject(id, side === BookSide.ASK ? 1 : 0, Reason.ORDER_INVALID, res);
      return;
    }
    if (
      !released &&
      (this.book.probe(id) >= 0 ||
        (this.stops.size > 0 && this.stops.has(id)) ||
        (this.#held.length > 0 && this.#isHeld(id)))
    ) {
      this.#reject(id, side, Reason.DUPLICATE_ID, res);
      return;
    }
    if (this.#session && !this.#open) {
      this.#closed(r, res);
      return;
    }
    if (t === OrderType.LIMIT) {
      if (this.#bandBps > 0 && !withinBand(r.price, this.referencePrice, this.#bandBps)) {
        this.#reject(id, side, Reason.PRICE_BAND, res);
        return;
      }
      if (this.#restPassive(r, res)) return; // no call into #execute
    }
    this.events.push(ExecKind.ACCEPTED, id, 0, side, r.price, qty, qty, 0, Reason.NONE);
    if (t >= OrderType.STOP) this.#stop(r, res);
    else this.#execute(r, res, t === OrderType.MARKET);
  }

  /**
   * Rest `r` (already validated) at once when it is a GTC/DAY limit order that does not cross: insert,
   * ACCEPTED event, result; true when done. Anything else (another type or time in force, a crossing price,
   * an id already resting) returns false with nothing changed, for the full path to handle. The caller has
   * validated `r` and settled the session, band, stops and held orders.
   */
  #restPassive(r: OrderRequest, res: OrderResult): boolean {
    const tif = r.tif;
    if (r.type !== OrderType.LIMIT || tif > TimeInForce.DAY) return false;
    const side = r.side;
    const price = r.price;
    const book = this.book;
    const opp = book.sides[side ^ 1]!;
    const best = opp.best;
    // crossing: the opposite best is at or better, on its own side, than our price (no branch on the side)
    if (best >= 0 && opp.sign * (opp.price[best]! - price) >= 0) return false;
    const id = r.id;
    const qty = r.qty;
    if (book.insert(id, side, price, qty, r.owner, tif | (r.stp << STP_SHIFT)) < 0) return false;
    this.events.push(ExecKind.ACCEPTED, id, 0, side, price, qty, qty, 0, Reason.NONE);
    res.outcome = Outcome.RESTING;
    res.filledQty = 0;
    res.leavesQty = qty;
    res.cancelledQty = 0;
    res.reason = Reason.NONE;
    res.rejectCode = null;
    return true;
  }

  /** An order arriving while the session is closed: rejected or held, per the session's `outside`. */
  #closed(r: OrderRequest, res: OrderResult): void {
    if (this.#session!.outside === 'reject') {
      this.#reject(r.id, r.side, Reason.MARKET_CLOSED, res);
      return;
    }
    this.#held.push({ ...r });
    this.events.push(ExecKind.ACCEPTED, r.id, 0, r.side, r.price, r.qty, r.qty, 0, Reason.MARKET_CLOSED);
    res.outcome = Outcome.HELD;
    res.leavesQty = r.qty;
    res.reason = Reason.MARKET_CLOSED;
  }

  /** An accepted stop order: triggers at once when the last trade already reached it, else waits. */
  #stop(r: OrderRequest, res: OrderResult): void {
    const last = this.#lastPx;
    const hit = r.side === BookSide.BID ? last >= r.stopPrice : last <= r.stopPrice;
    if (!hit) {
      this.stops.add(r);
      res.outcome = Outcome.PENDING_TRIGGER;
      res.leavesQty = r.qty;
      return;
    }
    this.#trigger(r, res);
  }

  /** A triggered stop enters the market: band check (stop-limit), then matching. */
  #trigger(r: OrderRequest, res: OrderResult): void {
    this.events.push(ExecKind.TRIGGERED, r.id, 0, r.side, r.stopPrice, r.qty, r.qty, 0, Reason.NONE);
    const isMarket = r.type === OrderType.STOP;
    if (!isMarket && !withinBand(r.price, this.referencePrice, this.#bandBps)) {
      this.#reject(r.id, r.side, Reason.PRICE_BAND, res);
      return;
    }
    this.#execute(r, res, isMarket);
  }

  /** Match `r` against the book, then rest or cancel the remainder. */
  #execute(r: OrderRequest, res: OrderResult, isMarket: boolean): void {
    const book = this.book;
    const side = r.side;
    const buy = side === BookSide.BID;
    const opp = buy ? book.asks : book.bids;
    if (!isMarket) {
      // Fast path: a limit order that does not cross rests (or, IOC/FOK, is cancelled) without matching.
      const best = opp.best >= 0 ? opp.price[opp.best]! : Number.NaN;
      if (!(buy ? best <= r.price : best >= r.price)) {
        const tif = r.tif;
        if (tif === TimeInForce.IOC || tif === TimeInForce.FOK) {
          const reason = tif === TimeInForce.IOC ? Reason.IOC : Reason.FOK;
          this.events.push(ExecKind.CANCELLED, r.id, 0, side, r.price, r.qty, 0, 0, reason);
          res.outcome = Outcome.CANCELLED;
          res.cancelledQty = r.qty;
          res.reason = reason;
          return;
        }
        book.insert(r.id, side, r.price, r.qty, r.owner, (tif & TIF_MASK) | (r.stp << STP_SHIFT));
        res.leavesQty = r.qty;
        res.outcome = Outcome.RESTING;
        return;
      }
    }
    let limit = isMarket ? (buy ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY) : r.price;
    let bandLimited = false;
    if (isMarket && this.#bandBps > 0) {
      const ref = this.referencePrice;
      if (!Number.isNaN(ref)) {
        const w = bandHalfWidth(ref, this.#bandBps);
        limit = buy ? ref + w : ref - w;
        bandLimited = true;
      }
    }
    const owner = r.owner;
    const stp = owner === 0 ? StpMode.NONE : r.stp;
    const qty = r.qty;
    if (r.tif === TimeInForce.FOK && this.#fillable(opp, buy, limit, qty, owner, stp) < qty) {
      this.events.push(ExecKind.CANCELLED, r.id, 0, side, r.price, qty, 0, 0, Reason.FOK);
      res.outcome = Outcome.CANCELLED;
      res.cancelledQty = qty;
      res.reason = Reason.FOK;
      return;
    }

    let remaining = qty;
    let stpStop = false;
    const ev = this.events;
    const id = r.id;
    outer: while (remaining > 0) {
      const lv = opp.best;
      if (lv < 0) break;
      const px = opp.price[lv]!;
      if (buy ? px > limit : px < limit) break;
      let o = opp.head[lv]!;
      while (o >= 0) {
        const next = book.orderNext[o]!;
        if (stp !== StpMode.NONE && book.orderOwner[o] === owner) {
          if (stp === StpMode.CANCEL_NEWEST) {
            stpStop = true;
            break outer;
          }
          ev.push(
            ExecKind.CANCELLED,
            book.orderId[o]!,
            id,
            side ^ 1,
            px,
            book.orderQty[o]!,
            0,
            0,
            Reason.STP
          );
          book.removeSlot(o);
          if (stp === StpMode.CANCEL_BOTH) {
            stpStop = true;
            break outer;
          }
          o = next;
          continue;
        }
        const mq = book.orderQty[o]!;
        this.#lastPx = px;
        if (mq <= remaining) {
          // the maker fills completely; it is the head of its level (everything before it has gone)
          remaining -= mq;
          ev.push(ExecKind.TRADE, id, book.orderId[o]!, side, px, mq, remaining, 0, Reason.NONE);
          book.removeHead(o);
          if (remaining === 0) break outer;
          o = next;
        } else {
          ev.push(ExecKind.TRADE, id, book.orderId[o]!, side, px, remaining, 0, mq - remaining, Reason.NONE);
          book.reduceSlot(o, remaining);
          remaining = 0;
          break outer;
        }
      }
    }
    const filled = qty - remaining;
    res.filledQty = filled;
    if (remaining === 0) {
      res.outcome = Outcome.FILLED;
      return;
    }
    let reason: Reason = Reason.NONE;
    if (stpStop) reason = Reason.STP;
    else if (isMarket) {
      reason =
        bandLimited && opp.count > 0 && (buy ? opp.bestPrice() > limit : opp.bestPrice() < limit)
          ? Reason.PRICE_BAND
          : Reason.NO_LIQUIDITY;
    } else if (r.tif === TimeInForce.IOC || r.tif === TimeInForce.FOK)
      reason = r.tif === TimeInForce.IOC ? Reason.IOC : Reason.FOK;
    if (reason !== Reason.NONE) {
      ev.push(ExecKind.CANCELLED, id, 0, side, r.price, remaining, 0, 0, reason);
      res.outcome = Outcome.CANCELLED;
      res.cancelledQty = remaining;
      res.reason = reason;
      return;
    }
    book.insert(id, side, r.price, remaining, owner, (r.tif & TIF_MASK) | (r.stp << STP_SHIFT));
    res.leavesQty = remaining;
    res.outcome = filled > 0 ? Outcome.PARTIALLY_FILLED : Outcome.RESTING;
  }

  /** How much an order could fill right now (stops counting at `qty`), honouring STP as matching would. */
  #fillable(
    opp: L3Book['asks'],
    buy: boolean,
    limit: number,
    qty: number,
    owner: number,
    stp: StpMode
  ): number {
    const book = this.book;
    let got = 0;
    for (let lv = opp.best; lv >= 0; lv = opp.worseThan(lv)) {
      const px = opp.price[lv]!;
      if (buy ? px > limit : px < limit) break;
      if (stp === StpMode.NONE) {
        got += opp.qty[lv]!;
        if (got >= qty) return got;
        continue;
      }
      for (let o = opp.head[lv]!; o >= 0; o = book.orderNext[o]!) {
        if (book.orderOwner[o] === owner) {
          if (stp === StpMode.CANCEL_OLDEST) continue;
          return got;
        }
        got += book.orderQty[o]!;
        if (got >= qty) return got;
      }
    }
    return got;
  }

  /**
   * Run every stop the last trade price has reached, cascading. Nothing triggers while the session is closed:
   * stops are evaluated again when it opens (see {@link #sessionClock}).
   */
  #runTriggers(): void {
    if (this.stops.size > 0 && (this.#open || this.#session === undefined)) this.#triggerStops();
  }

  #triggerStops(): void {
    const r = this.#scratch;
    const res = this.#sideResult;
    for (;;) {
      const s = this.stops.popTriggered(this.#lastPx);
      if (s < 0) return;
      this.stops.read(s, r);
      this.#reset(res);
      this.#trigger(r, res);
    }
  }

  #isHeld(id: number): boolean {
    for (let i = 0; i < this.#held.length; i++) if (this.#held[i]!.id === id) return true;
    return false;
  }

  /**
   * Track the session: release held orders at the open (then trigger the stops the last price has reached),
   * expire DAY orders at the close.
   */
  #clock(tNs: number): void {
    // small enough to inline into every call; the session logic is out of line
    if (this.#session === undefined) this.#lastT = tNs;
    else this.#sessionClock(this.#session, tNs);
  }

  #sessionClock(session: TradingSession, tNs: number): void {
    const lastT = this.#lastT;
    const close = session.closeNs;
    // Did the close pass since the last call (while inSession may say open at both ends)? Later the same day: if
    // it lies between. An earlier time of day is a new day, so yes, except past midnight inside a session that
    // spans it (evening part at or after the open → morning part before the close, e.g. 18:00–17:00: 20:00 → 01:00)
    if (
      this.#open &&
      lastT >= 0 &&
      (tNs >= lastT
        ? lastT < close && close <= tNs
        : !(close < session.openNs && lastT >= session.openNs && tNs < close))
    ) {
      this.#expireDay();
      this.#open = false;
    }
    this.#lastT = tNs;
    const open = inSession(session, tNs);
    if (this.#open && !open) {
      this.#open = false;
      this.#expireDay();
    } else if (!this.#open && open) {
      this.#open = true;
      const held = this.#held.splice(0);
      const res = this.#sideResult;
      for (const h of held) {
        this.events.push(ExecKind.RELEASED, h.id, 0, h.side, h.price, h.qty, h.qty, 0, Reason.NONE);
        this.#submit(h, res, true);
        this.#runTriggers();
      }
      // stops whose trigger the last price reached while the market was closed trigger now, at the open
      this.#runTriggers();
    }
  }
}

import type { Instrument } from '../../core/instrument.ts';
import type { Nanos } from '../../core/nanos.ts';
import type { Quote, Trade } from '../../messages/market-data.ts';
import {
  type EmulatorHost,
  type FillModel,
  filled,
  isMarketLike,
  leavesOf,
  type WorkingOrder
} from './fill-model.ts';
import { participationCap } from './pricing.ts';

/** The last quote of one instrument and what own orders have taken from it. */
interface Touch {
  has: boolean;
  bidPx: number;
  bidSz: number;
  askPx: number;
  askSz: number;
  /** Displayed size own orders may still take at this quote (reset by every quote). */
  availBid: number;
  availAsk: number;
}

/**
 * Top-of-book (L1) fills from quotes and prints.
 *
 * Taking: a market order (or a marketable limit, or a triggered stop) takes the opposite quote at its price —
 * crossing the spread is the cost — up to ⌊displayed × maxParticipation⌋, and never more than the displayed size
 * left after other own orders took from the same quote. A market remainder waits for later quotes; IOC cancels
 * its remainder; FOK fills completely from one quote or is cancelled. No quote yet: market GTC/DAY orders
 * wait, IOC/FOK are cancelled.
 *
 * Resting (passive limits): the order joins the back of its level. `ahead` = the displayed size at its price
 * when it joins, 0 when it improves the touch, unknown while its price is behind the touch (set to the displayed
 * size — conservatively — when the touch comes to its price). Prints at its price by the other side reduce
 * `ahead`; a quote showing less at its price caps `ahead` (cancellations ahead); a touch moving past it (our
 * price now better than the market's best) makes `ahead` 0. It fills, at its own price (maker):
 * - from prints at its price once `ahead` is exhausted, with what the print had left (≤ ⌊print × participation⌋);
 * - from prints through its price (a sell print below a bid), which could not have happened without it;
 * - when the opposite quote crosses it (ask ≤ bid price), up to the displayed size.
 * Stops trigger on the touch (ask ≥ stop for a buy, bid ≤ stop for a sell) or on a print through the stop.
 *
 * Own trades do not change later quotes: the data is what the market showed without us (documented limit).
 */
export class QuoteFillModel implements FillModel {
  readonly #host: EmulatorHost;
  readonly #touch = new Map<string, Touch>();

  constructor(host: EmulatorHost) {
    this.#host = host;
  }

  #touchOf(id: string): Touch {
    let s = this.#touch.get(id);
    if (!s) {
      s = { has: false, bidPx: 0, bidSz: 0, askPx: 0, askSz: 0, availBid: 0, availAsk: 0 };
      this.#touch.set(id, s);
    }
    return s;
  }

  arrive(w: WorkingOrder, t: Nanos): void {
    const s = this.#touchOf(w.cmd.instrumentId);
    // a stop whose trigger the touch has already reached triggers as it arrives (as the L3 engine's does)
    if (!w.triggered && s.has && reached(w, s)) w.triggered = true;
    this.#work(w, s, t, true);
  }

  remove(): void {}

  replaceRefusal(): string | undefined {
    return undefined;
  }

  replaced(w: WorkingOrder, oldPx: number | undefined, oldLeaves: number, t: Nanos): void {
    const s = this.#touchOf(w.cmd.instrumentId);
    // a pure size decrease at the same price keeps the queue place; anything else re-joins at the back
    if (w.limitPx !== oldPx || leavesOf(w) > oldLeaves) w.ahead = Number.POSITIVE_INFINITY;
    if (!w.triggered) return;
    if (this.#marketable(w, s)) this.#take(w, s, t);
    else if (w.ahead === Number.POSITIVE_INFINITY) w.ahead = this.#join(w, s);
  }

  queueAhead(w: WorkingOrder): number | undefined {
    return isMarketLike(w) || !w.triggered ? undefined : w.ahead;
  }

  onQuote(q: Quote, _inst: Instrument): void {
    const s = this.#touchOf(q.instrumentId);
    s.has = true;
    s.bidPx = q.bidPx;
    s.bidSz = q.bidSz;
    s.askPx = q.askPx;
    s.askSz = q.askSz;
    s.availBid = q.bidSz;
    s.availAsk = q.askSz;
    const t = q.tsEvent;
    const cap = this.#host.maxParticipation;
    for (const w of this.#host.workingOf(q.instrumentId)) {
      if (!w.triggered) {
        if (!reached(w, s)) continue;
        w.triggered = true;
        this.#work(w, s, t, false);
        continue;
      }
      if (isMarketLike(w)) {
        this.#take(w, s, t);
        continue;
      }
      const L = w.limitPx!;
      // the opposite quote crosses the resting order: the market's seller (buyer) meets it at its price
      const oppPx = w.buy ? q.askPx : q.bidPx;
      const oppSz = w.buy ? q.askSz : q.bidSz;
      if (oppSz > 0 && (w.buy ? oppPx <= L : oppPx >= L)) {
        const avail = w.buy ? s.availAsk : s.availBid;
        const f = Math.min(leavesOf(w), participationCap(oppSz, cap), avail);
        if (f > 0) {
          w.ahead = 0;
          const got = filled(this.#host, w, L, f, t, 'maker', oppSz);
          if (w.buy) s.availAsk -= got;
          else s.availBid -= got;
        }
        continue;
      }
      // queue bookkeeping at our own side
      const ownPx = w.buy ? q.bidPx : q.askPx;
      const ownSz = w.buy ? q.bidSz : q.askSz;
      if (ownSz === 0 || (w.buy ? ownPx < L : ownPx > L)) w.ahead = 0;
      else if (ownPx === L && ownSz < w.ahead) w.ahead = ownSz;
    }
  }

  onTrade(tr: Trade, _inst: Instrument): void {
    const s = this.#touchOf(tr.instrumentId);
    const t = tr.tsEvent;
    const host = this.#host;
    const cap = participationCap(tr.sz, host.maxParticipation);
    // passive orders the print can reach, best price first, then by arrival
    const hits: WorkingOrder[] = [];
    for (const w of host.workingOf(tr.instrumentId)) {
      if (!w.triggered) {
        const reached = w.buy ? tr.px >= w.stopPx! : tr.px <= w.stopPx!;
        if (reached) {
          w.triggered = true;
          this.#work(w, s, t, false);
        }
        continue;
      }
      if (isMarketLike(w)) continue;
      const L = w.limitPx!;
      // a print at a bid's price counts only if a seller was the aggressor (or unknown), and vice versa
      if (
        w.buy
          ? tr.px < L || (tr.px === L && tr.aggressor !== 'buy')
          : tr.px > L || (tr.px === L && tr.aggressor !== 'sell')
      )
        hits.push(w);
    }
    if (hits.length === 0) return;
    hits.sort((a, b) => (a.buy ? b.limitPx! - a.limitPx! : a.limitPx! - b.limitPx!));
    let used = 0;
    for (const w of hits) {
      const L = w.limitPx!;
      let avail: number;
      if (L === tr.px) {
        const c = Math.min(w.ahead, tr.sz);
        w.ahead -= c;
        avail = tr.sz - c - used;
      } else {
        w.ahead = 0; // traded through: everything ahead of it is gone
        avail = tr.sz - used;
      }
      const f = Math.min(leavesOf(w), avail, cap);
      // what it really filled: none of an order an OCO sibling's fill ended earlier in this print
      if (f > 0) used += filled(host, w, L, f, t, 'maker', tr.sz);
    }
  }

  /** First handling of an order (on arrival or on trigger): take if marketable, else join the queue. */
  #work(w: WorkingOrder, s: Touch, t: Nanos, arriving: boolean): void {
    if (!w.triggered) return; // a stop waiting for its trigger
    const tif = w.cmd.tif;
    if (isMarketLike(w) || this.#marketable(w, s)) {
      if (!s.has) {
        // only market-like orders get here without a quote (a limit is not marketable against nothing)
        if (tif === 'ioc' || tif === 'fok') this.#host.close(w, t, 'canceled', `${tif}: no quote`);
        return;
      }
      this.#take(w, s, t);
      return;
    }
    if (tif === 'ioc' || tif === 'fok') {
      this.#host.close(w, t, 'canceled', `${tif} not fillable`);
      return;
    }
    if (arriving || w.ahead === Number.POSITIVE_INFINITY) w.ahead = this.#join(w, s);
  }

  #marketable(w: WorkingOrder, s: Touch): boolean {
    if (isMarketLike(w)) return true;
    if (!s.has) return false;
    const L = w.limitPx!;
    return w.buy ? s.askSz > 0 && s.askPx <= L : s.bidSz > 0 && s.bidPx >= L;
  }

  /** Queue ahead of a passive order joining now. */
  #join(w: WorkingOrder, s: Touch): number {
    if (!s.has) return Number.POSITIVE_INFINITY;
    const L = w.limitPx!;
    const px = w.buy ? s.bidPx : s.askPx;
    const sz = w.buy ? s.bidSz : s.askSz;
    if (sz === 0 || (w.buy ? L > px : L < px)) return 0;
    return L === px ? sz : Number.POSITIVE_INFINITY;
  }

  /** Take the opposite quote; then cancel (IOC/FOK), keep waiting (market) or rest (limit). */
  #take(w: WorkingOrder, s: Touch, t: Nanos): void {
    const host = this.#host;
    const tif = w.cmd.tif;
    const px = w.buy ? s.askPx : s.bidPx;
    const sz = w.buy ? s.askSz : s.bidSz;
    const avail = w.buy ? s.availAsk : s.availBid;
    const crosses = s.has && sz > 0 && (isMarketLike(w) || (w.buy ? px <= w.limitPx! : px >= w.limitPx!));
    const leaves = leavesOf(w);
    let q = crosses ? Math.min(leaves, participationCap(sz, host.maxParticipation), avail) : 0;
    if (tif === 'fok' && q < leaves) q = 0;
    let left = leaves;
    if (q > 0) {
      const got = filled(host, w, px, q, t, 'taker', sz);
      if (w.buy) s.availAsk -= got;
      else s.availBid -= got;
      left = leavesOf(w); // an order being worked is not an ended sibling
    }
    if (left === 0) return;
    if (tif === 'ioc' || tif === 'fok') {
      host.close(w, t, 'canceled', q > 0 ? `${tif} remainder not fillable` : `${tif} not fillable`);
      return;
    }
    if (!isMarketLike(w)) w.ahead = this.#join(w, s);
  }
}

/** Whether the touch `s` reaches stop order `w`'s trigger: the ask at or above a buy's stop, the bid at or below a sell's. */
function reached(w: WorkingOrder, s: Touch): boolean {
  return w.buy ? s.askSz > 0 && s.askPx >= w.stopPx! : s.bidSz > 0 && s.bidPx <= w.stopPx!;
}

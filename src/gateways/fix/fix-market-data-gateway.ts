import { Subject } from 'rxjs';
import { type BookView, bookViewOf } from '../../book/book-view.ts';
import { L2Book } from '../../book/l2-book.ts';
import { BookSide } from '../../book/side.ts';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { type Nanos, NS_PER_SEC } from '../../core/nanos.ts';
import { TradeBarAggregator } from '../../data/trade-bars.ts';
import type { BookDelta, MarketData, Quote, Trade } from '../../messages/market-data.ts';
import type { Clock } from '../../time/clock.ts';
import type { MarketDataGateway } from '../gateway.ts';
import type { MarketDataSubscription } from '../subscription.ts';
import {
  decodeMarketDataIncremental,
  decodeMarketDataSnapshot,
  encodeMarketDataRequest,
  type InstrumentMap
} from './app-messages.ts';
import { type FixSessionActor, onFixApp } from './fix-session.ts';
import type { FixMessage } from './parser.ts';
import { MsgType, Tag } from './tags.ts';

/** Options of {@link FixMarketDataGateway}. */
export interface FixMarketDataOptions {
  /** Bar length. Default 60 s. */
  readonly barNs?: Nanos;
  /** How long after a bar's end its last trades may still arrive (live feeds). Default 2 s. */
  readonly graceNs?: Nanos;
  /** How often bars whose time is up are closed (ms). Default 250. */
  readonly flushEveryMs?: number;
  /** MarketDepth (264) asked for: 1 = top of book, N = the best N levels, 0 = the full book. Default 1. */
  readonly depth?: number;
}

/**
 * Market data over the FIX 4.2 session: MarketDataRequest (V) for the book to `depth` levels and trades,
 * answered by MarketDataSnapshotFullRefresh (W) and MarketDataIncrementalRefresh (X). Each instrument's levels
 * are kept in an {@link L2Book}, which {@link book} shows (a strategy's `view.book` in paper mode); whenever
 * its best bid or ask changes (both sides present) a `market.quote` goes out.
 * Trades go out as `market.trade`, and are also cut into time bars (`market.bar`, {@link TradeBarAggregator})
 * since FIX 4.2 has no bars: a bar closes when a later bar's trade arrives, or by the clock `graceNs` after
 * both its end and its first trade (so a replay of old trades still gathers a minute's trades into one bar). The subscription is sent at every logon (a reconnect starts from a fresh snapshot). A
 * MarketDataRequestReject (Y) or a message that does not decode goes to `errors$`; nothing is thrown.
 */
export class FixMarketDataGateway implements MarketDataGateway {
  readonly #session: FixSessionActor;
  readonly #instruments: InstrumentMap;
  readonly #clock: Clock;
  readonly #bars: TradeBarAggregator;
  readonly #books = new Map<string, { readonly book: L2Book; readonly view: BookView }>();
  readonly #depth: number;
  /** Last quote sent per instrument, to send only changes. */
  readonly #lastTop = new Map<string, Quote>();
  readonly #subs = new Map<string, MarketDataSubscription>();
  readonly #data = new Subject<MarketData>();
  readonly #errors = new Subject<TradestateError>();
  readonly #timer: ReturnType<typeof setInterval>;
  #loggedOn = false;
  readonly marketData$ = this.#data.asObservable();
  readonly errors$ = this.#errors.asObservable();

  constructor(
    session: FixSessionActor,
    instruments: InstrumentMap,
    clock: Clock,
    o: FixMarketDataOptions = {}
  ) {
    this.#session = session;
    this.#instruments = instruments;
    this.#clock = clock;
    this.#depth = o.depth ?? 1;
    this.#bars = new TradeBarAggregator(o.barNs ?? 60n * NS_PER_SEC, o.graceNs ?? 2n * NS_PER_SEC);
    session.on('fix.loggedOn', () => {
      this.#loggedOn = true; // the books were emptied at the disconnect; each snapshot refills its own
      this.#lastTop.clear();
      for (const sub of this.#subs.values()) this.#request(sub);
    });
    session.on('fix.disconnected', () => {
      this.#loggedOn = false;
      for (const b of this.#books.values()) b.book.clear(); // no book is better than a stale one
    });
    onFixApp(session, this.#errors, (msg) => this.#onApp(msg));
    this.#timer = setInterval(() => this.#flush(), o.flushEveryMs ?? 250);
    this.#timer.unref();
  }

  /**
   * Subscribe (or, with `action: unsubscribe`, stop) `sub.instrumentIds`. Whatever `sub.entries` and
   * `sub.depth` say, the request asks for bid, offer and trade at the gateway's depth: quotes, the book and bars
   * are all made from them.
   */
  subscribe(sub: MarketDataSubscription): void {
    if (sub.action === 'unsubscribe') this.#subs.delete(sub.requestId);
    else this.#subs.set(sub.requestId, sub);
    this.#request(sub);
  }

  /**
   * One instrument's book as the venue has sent it (the levels within the depth asked for), read live: a view
   * taken once stays current, and is empty while the session is down. Undefined for an instrument nothing has
   * been received for.
   */
  book(instrumentId: string): BookView | undefined {
    return this.#books.get(instrumentId)?.view;
  }

  /** Stop the flush timer (bars still open stay open). */
  stop(): void {
    clearInterval(this.#timer);
  }

  #request(sub: MarketDataSubscription): void {
    if (!this.#loggedOn) return; // sent at the logon
    const m = encodeMarketDataRequest(
      { ...sub, entries: ['bid', 'offer', 'trade'], depth: this.#depth, updates: true },
      this.#instruments
    );
    this.#session.send({ type: 'session.send', msgType: m.msgType, fields: m.fields });
  }

  #onApp(msg: FixMessage): void {
    switch (msg.msgType) {
      case MsgType.MarketDataSnapshotFullRefresh: {
        const snap = decodeMarketDataSnapshot(msg, this.#instruments, this.#clock.now());
        const book = this.#book(snap.instrumentId);
        book.clear();
        this.#apply(snap.instrumentId, snap.levels, snap.trades);
        break;
      }
      case MsgType.MarketDataIncrementalRefresh: {
        const items = decodeMarketDataIncremental(msg, this.#instruments, this.#clock.now());
        const touched = new Map<string, { deltas: BookDelta[]; trades: Trade[] }>();
        for (const it of items) {
          let t = touched.get(it.instrumentId);
          if (!t) touched.set(it.instrumentId, (t = { deltas: [], trades: [] }));
          if (it.type === 'market.trade') t.trades.push(it);
          else t.deltas.push(it);
        }
        for (const [id, t] of touched) this.#apply(id, t.deltas, t.trades);
        break;
      }
      case MsgType.MarketDataRequestReject: {
        const reqId = msg.get(Tag.MDReqID) ?? '';
        this.#errors.next(
          new TradestateError(
            ErrorCode.VENUE_REJECTED,
            `market data request ${reqId} rejected: ${msg.get(Tag.Text) ?? `reason ${msg.get(Tag.MDReqRejReason) ?? '?'}`}`,
            { requestId: reqId, reason: msg.get(Tag.MDReqRejReason) ?? null }
          )
        );
        break;
      }
    }
  }

  #book(instrumentId: string): L2Book {
    let b = this.#books.get(instrumentId);
    if (!b) {
      const book = new L2Book();
      this.#books.set(instrumentId, (b = { book, view: bookViewOf(book) }));
    }
    return b.book;
  }

  /** Apply one instrument's level changes, then publish its quote (if the top moved), trades and finished bars. */
  #apply(instrumentId: string, deltas: readonly BookDelta[], trades: readonly Trade[]): void {
    const book = this.#book(instrumentId);
    for (const d of deltas) book.set(d.side === 'buy' ? BookSide.BID : BookSide.ASK, d.px, d.sz);
    const bid = book.bestBid();
    const ask = book.bestAsk();
    if (deltas.length > 0 && !Number.isNaN(bid) && !Number.isNaN(ask)) {
      const bidSz = book.bestBidQty();
      const askSz = book.bestAskQty();
      const prev = this.#lastTop.get(instrumentId);
      if (!prev || prev.bidPx !== bid || prev.bidSz !== bidSz || prev.askPx !== ask || prev.askSz !== askSz) {
        const last = deltas[deltas.length - 1]!;
        const q: Quote = {
          type: 'market.quote',
          instrumentId,
          tsEvent: last.tsEvent,
          tsInit: last.tsInit,
          bidPx: bid,
          bidSz,
          askPx: ask,
          askSz
        };
        this.#lastTop.set(instrumentId, q);
        this.#data.next(q);
      }
    }
    const now = this.#clock.now();
    for (const t of trades) {
      this.#data.next(t);
      const bar = this.#bars.push(t, now);
      if (bar) this.#data.next(bar);
    }
  }

  #flush(): void {
    for (const bar of this.#bars.flush(this.#clock.now())) this.#data.next(bar);
  }
}

import type { BookLevel } from '../../book/book-view.ts';
import { isTradestateError } from '../../core/errors.ts';
import type { Nanos } from '../../core/nanos.ts';
import {
  decodeMarketDataRequest,
  encodeMarketDataIncremental,
  encodeMarketDataSnapshot,
  type FixAppMessage,
  type InstrumentMap
} from '../../gateways/fix/app-messages.ts';
import type { FixField } from '../../gateways/fix/encoder.ts';
import type { FixMessage } from '../../gateways/fix/parser.ts';
import { MsgType, Tag } from '../../gateways/fix/tags.ts';
import type { BookDelta, Quote, Trade } from '../../messages/market-data.ts';
import type { Side } from '../../messages/primitives.ts';

/** MDReqRejReason (281). */
const MD_REJ_UNKNOWN_SYMBOL = '0';
/** The request decodes to nothing we serve: the only other failure is an MDEntryType other than 0, 1, 2. */
const MD_REJ_UNSUPPORTED_ENTRY_TYPE = '8';

/** One instrument's book as last published: each side's levels, best first, and when it was that. */
interface PublishedBook {
  readonly bids: readonly BookLevel[];
  readonly asks: readonly BookLevel[];
  readonly tsEvent: Nanos;
  readonly tsInit: Nanos;
}

/** A client's subscription: its instruments and the MarketDepth (264) it asked for (0 = the full book). */
interface Subscriber {
  readonly ids: ReadonlySet<string>;
  readonly depth: number;
}

/**
 * The FIX local venue's market data: answers MarketDataRequest (V) with a snapshot (W) of each instrument's
 * book to the depth asked for (MarketDepth 264: 1 = top of book, N = the best N levels, 0 = all), then
 * publishes every change within that depth as an incremental refresh (X: a level that left it deleted, one
 * that entered it added, a change when only the size moved) and every trade as an X trade entry, tagged with
 * the subscriber's MDReqID. The book comes from {@link quote} (one level a side) or {@link book} (depth). A
 * request naming an unknown symbol is rejected (Y, reason 0).
 */
export class MarketDataPublisher {
  readonly #instruments: InstrumentMap;
  readonly #send: (m: FixAppMessage) => void;
  readonly #subs = new Map<string, Subscriber>();
  readonly #books = new Map<string, PublishedBook>();
  /** Requests answered and rejected. */
  readonly stats = { requests: 0, rejected: 0 };

  constructor(instruments: InstrumentMap, send: (m: FixAppMessage) => void) {
    this.#instruments = instruments;
    this.#send = send;
  }

  /** A MarketDataRequest from the client. */
  request(msg: FixMessage): void {
    let sub: ReturnType<typeof decodeMarketDataRequest>;
    try {
      sub = decodeMarketDataRequest(msg, this.#instruments);
    } catch (e) {
      this.stats.rejected++;
      const unknown = isTradestateError(e) && e.code === 'TRD_ERR_UNKNOWN_INSTRUMENT';
      const f: FixField[] = [
        [Tag.MDReqID, msg.get(Tag.MDReqID) ?? 'NONE'],
        [Tag.MDReqRejReason, unknown ? MD_REJ_UNKNOWN_SYMBOL : MD_REJ_UNSUPPORTED_ENTRY_TYPE],
        [Tag.Text, e instanceof Error ? e.message : String(e)]
      ];
      this.#send({ msgType: MsgType.MarketDataRequestReject, fields: f });
      return;
    }
    this.stats.requests++;
    if (sub.action === 'unsubscribe') {
      this.#subs.delete(sub.requestId);
      return;
    }
    this.#subs.set(sub.requestId, { ids: new Set(sub.instrumentIds), depth: sub.depth });
    for (const id of sub.instrumentIds) {
      const b = this.#books.get(id);
      const levels = b
        ? [...diff(id, b, 'buy', [], b.bids, sub.depth), ...diff(id, b, 'sell', [], b.asks, sub.depth)]
        : [];
      this.#send(
        encodeMarketDataSnapshot(
          { instrumentId: id, requestId: sub.requestId, levels, trades: [] },
          this.#instruments
        )
      );
    }
  }

  /** The client is gone: its subscriptions end with the session. */
  reset(): void {
    this.#subs.clear();
  }

  /** A new top of book: the instrument's book becomes this one level a side. */
  quote(q: Quote): void {
    this.book(
      q.instrumentId,
      [{ px: q.bidPx, qty: q.bidSz }],
      [{ px: q.askPx, qty: q.askSz }],
      q.tsEvent,
      q.tsInit
    );
  }

  /**
   * The instrument's book is now these levels (best first, prices in ticks, sizes in lots; a level of size 0
   * is no level). Each subscriber gets what changed within its depth.
   */
  book(
    instrumentId: string,
    bids: readonly BookLevel[],
    asks: readonly BookLevel[],
    tsEvent: Nanos,
    tsInit: Nanos
  ): void {
    const old = this.#books.get(instrumentId) ?? { bids: [], asks: [], tsEvent, tsInit };
    const now: PublishedBook = {
      bids: bids.filter((l) => l.qty > 0),
      asks: asks.filter((l) => l.qty > 0),
      tsEvent,
      tsInit
    };
    this.#books.set(instrumentId, now);
    /** The changes at each depth asked for, computed once per depth. */
    const byDepth = new Map<number, BookDelta[]>();
    for (const [reqId, sub] of this.#subs) {
      if (!sub.ids.has(instrumentId)) continue;
      let items = byDepth.get(sub.depth);
      if (!items) {
        items = [
          ...diff(instrumentId, now, 'buy', old.bids, now.bids, sub.depth),
          ...diff(instrumentId, now, 'sell', old.asks, now.asks, sub.depth)
        ];
        byDepth.set(sub.depth, items);
      }
      if (items.length > 0) this.#send(encodeMarketDataIncremental(items, this.#instruments, reqId));
    }
  }

  /** A print. */
  trade(t: Trade): void {
    for (const [reqId, sub] of this.#subs) {
      if (sub.ids.has(t.instrumentId)) this.#send(encodeMarketDataIncremental([t], this.#instruments, reqId));
    }
  }
}

/**
 * What turns one side's levels `from` into `to`, both cut to the best `depth` (0 = all): a price no longer
 * there deleted, a new price added, a changed size modified. Deletes come first.
 */
function diff(
  instrumentId: string,
  at: PublishedBook,
  side: Side,
  from: readonly BookLevel[],
  to: readonly BookLevel[],
  depth: number
): BookDelta[] {
  const a = depth > 0 ? from.slice(0, depth) : from;
  const b = depth > 0 ? to.slice(0, depth) : to;
  const was = new Map(a.map((l) => [l.px, l.qty] as const));
  const is = new Set(b.map((l) => l.px));
  const out: BookDelta[] = [];
  for (const l of a) if (!is.has(l.px)) out.push(level(instrumentId, at, side, 'delete', l.px, 0));
  for (const l of b) {
    const q = was.get(l.px);
    if (q === undefined) out.push(level(instrumentId, at, side, 'add', l.px, l.qty));
    else if (q !== l.qty) out.push(level(instrumentId, at, side, 'modify', l.px, l.qty));
  }
  return out;
}

function level(
  instrumentId: string,
  at: PublishedBook,
  side: Side,
  action: 'add' | 'modify' | 'delete',
  px: number,
  sz: number
): BookDelta {
  return {
    type: 'market.book_delta',
    instrumentId,
    tsEvent: at.tsEvent,
    tsInit: at.tsInit,
    seq: 0,
    action,
    side,
    px,
    sz,
    flags: 0
  };
}

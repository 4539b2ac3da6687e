import { isTradestateError } from '../../core/errors.ts';
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

/** MDReqRejReason (281). */
const MD_REJ_UNKNOWN_SYMBOL = '0';
/** The request decodes to nothing we serve: the only other failure is an MDEntryType other than 0, 1, 2. */
const MD_REJ_UNSUPPORTED_ENTRY_TYPE = '8';

/**
 * The FIX local venue's market data: answers MarketDataRequest (V) with a snapshot (W) of each instrument's
 * top of book, then publishes every quote change as an incremental refresh (X: the old level deleted and the
 * new one added when a price moves, a change when only the size does) and every trade as an X trade entry,
 * tagged with the subscriber's MDReqID. A request naming an unknown symbol is rejected (Y, reason 0).
 */
export class MarketDataPublisher {
  readonly #instruments: InstrumentMap;
  readonly #send: (m: FixAppMessage) => void;
  /** MDReqID → instrument ids. */
  readonly #subs = new Map<string, ReadonlySet<string>>();
  readonly #top = new Map<string, Quote>();
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
    this.#subs.set(sub.requestId, new Set(sub.instrumentIds));
    for (const id of sub.instrumentIds) {
      const q = this.#top.get(id);
      const levels = q
        ? [level(q, 'buy', 'add', q.bidPx, q.bidSz), level(q, 'sell', 'add', q.askPx, q.askSz)]
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

  /** A new top of book. */
  quote(q: Quote): void {
    const old = this.#top.get(q.instrumentId);
    this.#top.set(q.instrumentId, q);
    const items: BookDelta[] = [];
    const side = (
      s: 'buy' | 'sell',
      oldPx: number | undefined,
      oldSz: number,
      px: number,
      sz: number
    ): void => {
      if (oldPx === px) {
        if (oldSz !== sz) items.push(level(q, s, 'modify', px, sz));
        return;
      }
      if (oldPx !== undefined) items.push(level(q, s, 'delete', oldPx, 0));
      items.push(level(q, s, 'add', px, sz));
    };
    side('buy', old?.bidPx, old?.bidSz ?? 0, q.bidPx, q.bidSz);
    side('sell', old?.askPx, old?.askSz ?? 0, q.askPx, q.askSz);
    if (items.length > 0) this.#publish(q.instrumentId, items);
  }

  /** A print. */
  trade(t: Trade): void {
    this.#publish(t.instrumentId, [t]);
  }

  #publish(instrumentId: string, items: readonly (BookDelta | Trade)[]): void {
    for (const [reqId, ids] of this.#subs) {
      if (ids.has(instrumentId)) this.#send(encodeMarketDataIncremental(items, this.#instruments, reqId));
    }
  }
}

function level(
  q: Quote,
  side: 'buy' | 'sell',
  action: 'add' | 'modify' | 'delete',
  px: number,
  sz: number
): BookDelta {
  return {
    type: 'market.book_delta',
    instrumentId: q.instrumentId,
    tsEvent: q.tsEvent,
    tsInit: q.tsInit,
    seq: 0,
    action,
    side,
    px,
    sz,
    flags: 0
  };
}

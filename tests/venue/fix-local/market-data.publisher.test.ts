import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BookLevel } from '../../../src/book/book-view.ts';
import { L2Book } from '../../../src/book/l2-book.ts';
import { BookSide } from '../../../src/book/side.ts';
import { makeInstrument } from '../../../src/core/instrument.ts';
import {
  decodeMarketDataIncremental,
  decodeMarketDataSnapshot,
  encodeMarketDataRequest,
  type FixAppMessage,
  InstrumentMap
} from '../../../src/gateways/fix/app-messages.ts';
import { MsgType, Tag } from '../../../src/gateways/fix/tags.ts';
import { MarketDataPublisher } from '../../../src/venue/fix-local/market-data.publisher.ts';
import { wire } from '../../gateways/fix-support.ts';

const AAPL = makeInstrument({
  symbol: 'AAPL',
  venue: 'FIXLOCAL',
  tickSize: '0.01',
  lotSize: '1',
  currency: 'USD'
});
const MAP = new InstrumentMap('FIXLOCAL', [AAPL]);
const T = 1_709_650_800_000_000_000n;

/** One side's levels, best first: `n` distinct prices stepping away from `from`, sizes given (0 = no level). */
const sideArb = (from: number, step: 1 | -1) =>
  fc
    .uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 8 })
    .chain((offs) =>
      fc.tuple(
        fc.constant([...offs].sort((a, b) => a - b).map((o) => from + step * o)),
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: offs.length, maxLength: offs.length })
      )
    )
    .map(([px, sz]): BookLevel[] => px.map((p, i) => ({ px: p, qty: sz[i]! })));
const bookArb = fc.record({ bids: sideArb(1000, -1), asks: sideArb(1001, 1) });

/** What a client subscribed at `depth` holds: an L2 book fed the publisher's W and X messages off the wire. */
function client(pub: MarketDataPublisher, sent: FixAppMessage[], depth: number, reqId: string) {
  const book = new L2Book();
  let read = sent.length;
  pub.request(
    wire(
      encodeMarketDataRequest(
        {
          type: 'md.subscription',
          action: 'subscribe',
          requestId: reqId,
          instrumentIds: [AAPL.id],
          entries: ['bid', 'offer'],
          depth,
          updates: true
        },
        MAP
      )
    )
  );
  const sync = (): void => {
    for (; read < sent.length; read++) {
      const msg = wire(sent[read]!);
      if (msg.get(Tag.MDReqID) !== reqId) continue;
      if (msg.msgType === MsgType.MarketDataSnapshotFullRefresh) {
        book.clear();
        for (const d of decodeMarketDataSnapshot(msg, MAP, T).levels)
          book.set(d.side === 'buy' ? BookSide.BID : BookSide.ASK, d.px, d.sz);
      } else {
        for (const d of decodeMarketDataIncremental(msg, MAP, T))
          if (d.type === 'market.book_delta')
            book.set(d.side === 'buy' ? BookSide.BID : BookSide.ASK, d.px, d.sz);
      }
    }
  };
  const levels = (side: 'buy' | 'sell'): BookLevel[] => {
    sync();
    const lad = side === 'buy' ? book.bids : book.asks;
    const out: BookLevel[] = [];
    for (let s = lad.best; s >= 0; s = lad.worseThan(s)) out.push({ px: lad.price[s]!, qty: lad.qty[s]! });
    return out;
  };
  return { levels };
}

const top = (levels: readonly BookLevel[], depth: number): BookLevel[] => {
  const live = levels.filter((l) => l.qty > 0);
  return depth > 0 ? live.slice(0, depth) : live;
};

describe('MarketDataPublisher: each subscriber gets the book to its own MarketDepth', () => {
  it('property: after every book, a client that applies the W and X messages holds exactly the best `depth` levels of each side', () => {
    fc.assert(
      fc.property(
        fc.array(bookArb, { minLength: 1, maxLength: 25 }),
        fc.uniqueArray(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 3 }),
        fc.nat(25),
        (books, depths, joinAt) => {
          const sent: FixAppMessage[] = [];
          const pub = new MarketDataPublisher(MAP, (m) => sent.push(m));
          const clients: { depth: number; c: ReturnType<typeof client> }[] = [];
          books.forEach((b, i) => {
            // the clients subscribe part-way: the snapshot carries what was published before them
            if (i === Math.min(joinAt, books.length - 1))
              for (const d of depths) clients.push({ depth: d, c: client(pub, sent, d, `r${d}`) });
            pub.book(AAPL.id, b.bids, b.asks, T + BigInt(i), T + BigInt(i));
            for (const { depth, c } of clients) {
              expect(c.levels('buy')).toEqual(top(b.bids, depth));
              expect(c.levels('sell')).toEqual(top(b.asks, depth));
            }
          });
        }
      ),
      { numRuns: 200 }
    );
  });

  it('sends only what changed within a depth: a move below it sends nothing to that subscriber', () => {
    const sent: FixAppMessage[] = [];
    const pub = new MarketDataPublisher(MAP, (m) => sent.push(m));
    const lv = (...pq: number[]): BookLevel[] =>
      pq.flatMap((v, i) => (i % 2 ? [] : [{ px: v, qty: pq[i + 1]! }]));
    pub.book(AAPL.id, lv(100, 5, 99, 7), lv(101, 3, 102, 4), T, T);
    client(pub, sent, 1, 'top');
    client(pub, sent, 0, 'all');
    const before = sent.length;
    pub.book(AAPL.id, lv(100, 5, 99, 8), lv(101, 3, 102, 4), T + 1n, T + 1n); // level 2 of the bids only
    const out = sent.slice(before).map((m) => wire(m));
    expect(out.map((m) => m.get(Tag.MDReqID))).toEqual(['all']);
    expect(decodeMarketDataIncremental(out[0]!, MAP, T)).toMatchObject([
      { type: 'market.book_delta', action: 'modify', side: 'buy', px: 99, sz: 8 }
    ]);
    pub.book(AAPL.id, lv(99, 8), lv(101, 3, 102, 4), T + 2n, T + 2n); // the best bid goes: 99 moves up
    const moved = sent
      .slice(before + 1)
      .map((m) => wire(m))
      .map((m) => [m.get(Tag.MDReqID), decodeMarketDataIncremental(m, MAP, T)]);
    expect(moved).toMatchObject([
      [
        'top',
        [
          { action: 'delete', px: 100 },
          { action: 'add', px: 99, sz: 8 }
        ]
      ],
      ['all', [{ action: 'delete', px: 100 }]]
    ]);
  });
});

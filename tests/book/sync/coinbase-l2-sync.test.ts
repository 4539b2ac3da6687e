import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditL2Book } from '../../../src/book/book-audit.ts';
import { BookSide } from '../../../src/book/side.ts';
import { CoinbaseFrameResult, CoinbaseL2Sync } from '../../../src/book/sync/coinbase-l2-sync.ts';
import { lots, parseJsonFrame, type TickLot, tickLot, ticks } from '../../../src/book/sync/wire-levels.ts';
import { isTradestateError } from '../../../src/core/errors.ts';
import { codeOf } from '../../support/caught.ts';
import { recording } from './recordings.ts';

/** Tick and lot per product: the finest decimals any price / size in the recording uses. */
const SCALES: Record<string, [string, string]> = {
  'BAND-GBP': ['0.0001', '0.01'],
  'SKL-GBP': ['0.0001', '0.1'],
  'NU-GBP': ['0.0001', '0.000001'],
  'YFI-BTC': ['0.00001', '0.000001'],
  'SKL-BTC': ['0.00000001', '0.1'],
  'CRV-EUR': ['0.0001', '0.01'],
  'BAND-BTC': ['0.00000001', '0.01'],
  'DASH-BTC': ['0.00000001', '0.001'],
  'NMR-EUR': ['0.0001', '0.001'],
  'SKL-USD': ['0.0001', '0.1']
};
const scales = new Map<string, TickLot>(Object.entries(SCALES).map(([p, [t, l]]) => [p, tickLot(p, t, l)]));

const frames = recording('COINBASE.ws.28.0')
  .filter((l) => l.kind === 'received')
  .map((l) => parseJsonFrame(l.json!) as { type: string; product_id?: string });

describe('CoinbaseL2Sync on the recorded Coinbase Pro level2 feed', () => {
  it('10 snapshots and 9,719 updates: no update before its snapshot, never crossed, final books = naive replay', () => {
    const sync = new CoinbaseL2Sync(scales);
    const naive = new Map<string, { bids: Map<string, string>; asks: Map<string, string> }>();
    const counts: Record<string, number> = {};
    for (const f of frames) {
      const r = sync.onFrame(f);
      counts[r] = (counts[r] ?? 0) + 1;
      if (r === CoinbaseFrameResult.APPLIED || r === CoinbaseFrameResult.SNAPSHOT) {
        expect(sync.book(f.product_id!).isCrossed()).toBe(false);
      }
      // naive reference: string-keyed maps
      if (f.type === 'snapshot') {
        const s = f as unknown as { bids: [string, string][]; asks: [string, string][] };
        naive.set(f.product_id!, { bids: new Map(s.bids), asks: new Map(s.asks) });
      } else if (f.type === 'l2update') {
        const b = naive.get(f.product_id!)!;
        for (const [side, p, q] of (f as unknown as { changes: [string, string, string][] }).changes) {
          const m = side === 'buy' ? b.bids : b.asks;
          if (Number(q) === 0) m.delete(p);
          else m.set(p, q);
        }
      }
    }
    expect(counts).toEqual({ snapshot: 10, applied: 9_719, ignored: frames.length - 9_729 });
    expect(sync.stats).toMatchObject({
      snapshots: 10,
      updates: 9_719,
      notSynced: 0,
      crossed: 0,
      unknownDeletes: 0
    });
    for (const [product, ref] of naive) {
      const tl = scales.get(product)!;
      const book = sync.book(product);
      expect(auditL2Book(book)).toEqual([]);
      for (const [side, m] of [
        [BookSide.BID, ref.bids],
        [BookSide.ASK, ref.asks]
      ] as const) {
        expect(book.ladder(side).count).toBe(m.size);
        for (const [p, q] of m) expect(book.qtyAt(side, ticks(tl, p))).toBe(lots(tl, q));
      }
    }
  });

  it('an update before the snapshot is not applied; reading the book throws TRD_ERR_BOOK_NOT_SYNCED', () => {
    const sync = new CoinbaseL2Sync(scales);
    const upd = frames.find((f) => f.type === 'l2update')!;
    expect(sync.onFrame(upd)).toBe(CoinbaseFrameResult.NOT_SYNCED);
    expect(() => sync.book(upd.product_id!)).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_BOOK_NOT_SYNCED' })
    );
    expect(() => sync.book('NOPE-USD')).toThrow(
      expect.objectContaining({ code: 'TRD_ERR_UNKNOWN_INSTRUMENT' })
    );
  });

  it('a crossing update fails the product with TRD_ERR_BOOK_CROSSED until the next snapshot', () => {
    const sync = new CoinbaseL2Sync(scales);
    sync.onFrame({
      type: 'snapshot',
      product_id: 'BAND-GBP',
      bids: [['14.0000', '1.00']],
      asks: [['14.1000', '1.00']]
    });
    const r = sync.onFrame({
      type: 'l2update',
      product_id: 'BAND-GBP',
      changes: [['buy', '14.2000', '2.00']]
    });
    expect(r).toBe(CoinbaseFrameResult.CROSSED);
    expect(() => sync.book('BAND-GBP')).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_CROSSED' }));
    sync.onFrame({ type: 'snapshot', product_id: 'BAND-GBP', bids: [['14.0000', '1.00']], asks: [] });
    expect(sync.book('BAND-GBP').bestBid()).toBe(140_000);
  });

  it('prices off the product tick are typed errors', () => {
    const sync = new CoinbaseL2Sync(scales);
    expect(() =>
      sync.onFrame({ type: 'snapshot', product_id: 'BAND-GBP', bids: [['14.00001', '1']], asks: [] })
    ).toThrow(expect.objectContaining({ code: 'TRD_ERR_PRICE_NOT_ON_TICK' }));
  });

  it('fuzz: malformed frames give typed errors, never crashes', () => {
    const typed = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (!isTradestateError(e)) throw e;
      }
    };
    const upd = frames.find((f) => f.type === 'l2update')!;
    fc.assert(
      fc.property(fc.anything(), fc.string({ maxLength: 30 }), fc.jsonValue(), (junk, text, v) => {
        const sync = new CoinbaseL2Sync(scales);
        sync.onFrame({ type: 'snapshot', product_id: 'SKL-BTC', bids: [], asks: [] });
        typed(() => sync.onFrame(junk));
        typed(() => sync.onFrame(parseJsonFrame(text)));
        typed(() => sync.onFrame({ ...upd, changes: v }));
        typed(() => sync.onFrame({ ...upd, changes: [['sell', text, '1']] }));
        typed(() => sync.onFrame({ ...upd, changes: [['buy', '0.00001', text]] }));
        typed(() => sync.onFrame({ type: 'snapshot', product_id: text, bids: v, asks: [] }));
      }),
      { numRuns: 500 }
    );
  });
});

describe('CoinbaseL2Sync refuses a bad update whole', () => {
  const snap = {
    type: 'snapshot',
    product_id: 'BAND-GBP',
    bids: [['14.0000', '1.00']],
    asks: [['14.1000', '1.00']]
  };

  it.each([
    ['a price off the tick', ['buy', '13.90001', '1.00'], 'TRD_ERR_PRICE_NOT_ON_TICK'],
    ['a size off the lot', ['buy', '13.9000', '0.001'], 'TRD_ERR_QTY_NOT_ON_LOT'],
    ['a negative size', ['sell', '14.2000', '-0.50'], 'TRD_ERR_NUMBER_INVALID'],
    ['a zero price', ['buy', '0', '1.00'], 'TRD_ERR_NUMBER_INVALID']
  ] as const)(
    '%s after a good change: the product fails with TRD_ERR_BOOK_NOT_SYNCED until the next snapshot',
    (_, bad, code) => {
      const sync = new CoinbaseL2Sync(scales);
      sync.onFrame(snap);
      // removes bid 14.0000, then a malformed change: there are no sequence numbers, so a lost change
      // could never be detected later; the product must resubscribe
      const upd = { type: 'l2update', product_id: 'BAND-GBP', changes: [['buy', '14.0000', '0'], [...bad]] };
      expect(codeOf(() => sync.onFrame(upd))).toBe(code);
      expect(sync.isSynced('BAND-GBP')).toBe(false);
      try {
        sync.book('BAND-GBP');
        expect.unreachable();
      } catch (e) {
        expect(isTradestateError(e, 'TRD_ERR_BOOK_NOT_SYNCED')).toBe(true);
        expect((e as { context: object }).context).toMatchObject({ product: 'BAND-GBP', refused: code });
      }
      expect(
        sync.onFrame({ type: 'l2update', product_id: 'BAND-GBP', changes: [['buy', '13.9000', '1.00']] })
      ).toBe(CoinbaseFrameResult.NOT_SYNCED);
      sync.onFrame(snap);
      expect(sync.book('BAND-GBP').snapshot()).toEqual({
        bids: [{ price: 140_000, qty: 100 }],
        asks: [{ price: 141_000, qty: 100 }]
      });
    }
  );

  it('a snapshot with a bad level leaves the product unsynced (typed), never half loaded', () => {
    const sync = new CoinbaseL2Sync(scales);
    sync.onFrame(snap);
    expect(
      codeOf(() => sync.onFrame({ ...snap, bids: [['13.0000', '1.00']], asks: [['14.1000', '-1']] }))
    ).toBe('TRD_ERR_NUMBER_INVALID');
    expect(sync.isSynced('BAND-GBP')).toBe(false);
  });
});

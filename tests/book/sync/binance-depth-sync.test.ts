import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { auditL2Book } from '../../../src/book/book-audit.ts';
import { SyncStatus } from '../../../src/book/book-sequencer.ts';
import { BookSide } from '../../../src/book/side.ts';
import {
  type BinanceDepthEvent,
  BinanceDepthSync,
  BinanceEventResult,
  BinanceSnapshotResult
} from '../../../src/book/sync/binance-depth-sync.ts';
import { parseJsonFrame, tickLot, ticks } from '../../../src/book/sync/wire-levels.ts';
import { formatDecimal } from '../../../src/core/decimal.ts';
import { isTradestateError } from '../../../src/core/errors.ts';
import { codeOf } from '../../support/caught.ts';
import { recording } from './recordings.ts';

/** Tick and lot per symbol: the finest decimals any price / size in the recordings uses. */
const SCALES: Record<string, [string, string]> = {
  NKNUSDT: ['0.00001', '0.1'],
  BLZETH: ['0.00000001', '1'],
  LRCBTC: ['0.00000001', '1'],
  RUNEEUR: ['0.001', '0.1'],
  COMPUSDT: ['0.01', '0.00001'],
  OMGBUSD: ['0.0001', '0.01'],
  CRVUSDT: ['0.001', '0.1'],
  ZRXUSDT: ['0.0001', '0.01']
};

interface Timed {
  ts: number;
  snapshot?: unknown;
  event?: unknown;
}

/** Per symbol: the REST snapshot and the depth events, in recorded (local clock) order. */
function streams(venue: 'BINANCE' | 'BINANCE_US'): Map<string, Timed[]> {
  const by = new Map<string, Timed[]>();
  const add = (sym: string, t: Timed) => {
    if (!by.has(sym)) by.set(sym, []);
    by.get(sym)!.push(t);
  };
  for (const l of recording(`${venue}.http.0.0`)) {
    const sym = /symbol=(\w+)/.exec(l.url ?? '')![1]!;
    add(sym, { ts: l.ts, snapshot: parseJsonFrame(l.json!) });
  }
  for (const l of recording(`${venue}.ws.1.0`)) {
    if (l.kind !== 'received') continue;
    const f = parseJsonFrame(l.json!) as { stream?: string; data?: { e?: string; s?: string } };
    if (f.data?.e !== 'depthUpdate') continue;
    add(f.data.s!, { ts: l.ts, event: f });
  }
  for (const v of by.values()) v.sort((a, b) => a.ts - b.ts);
  return by;
}

/** The sync rules the obvious way (string-keyed maps) to cross-check the final book. */
function naiveBook(items: Timed[]) {
  const bids = new Map<string, string>();
  const asks = new Map<string, string>();
  let last = -1;
  const pending: BinanceDepthEvent[] = [];
  const put = (m: Map<string, string>, [p, q]: [string, string]) => {
    if (Number(q) === 0) m.delete(p);
    else m.set(p, q);
  };
  for (const it of items) {
    if (it.snapshot) {
      const s = it.snapshot as { lastUpdateId: number; bids: [string, string][]; asks: [string, string][] };
      for (const l of s.bids) put(bids, l);
      for (const l of s.asks) put(asks, l);
      last = s.lastUpdateId;
    } else pending.push((it.event as { data: BinanceDepthEvent }).data);
    if (last < 0) continue;
    while (pending.length > 0) {
      const e = pending.shift()!;
      if (e.u <= last) continue;
      for (const l of e.b) put(bids, l);
      for (const l of e.a) put(asks, l);
      last = e.u;
    }
  }
  return { bids, asks };
}

describe('BinanceDepthSync on the recorded Binance and Binance.US streams', () => {
  for (const venue of ['BINANCE', 'BINANCE_US'] as const) {
    it(`${venue}: buffered events bracket the snapshot, 0 gaps, never crossed, final book = naive replay`, () => {
      const all = streams(venue);
      expect(all.size).toBe(4);
      for (const [sym, items] of all) {
        const [tick, lot] = SCALES[sym]!;
        const tl = tickLot(sym, tick, lot);
        const sync = new BinanceDepthSync(tl);
        let sawSnapshot = false;
        let sawApplied = false;
        for (const it of items) {
          if (it.snapshot) {
            expect(sync.bufferedCount).toBeGreaterThan(0); // the stream was opened first
            const id = (it.snapshot as { lastUpdateId: number }).lastUpdateId;
            const next = items
              .map((x) => (x.event as { data: BinanceDepthEvent } | undefined)?.data)
              .find((e) => e && e.u > id)!;
            expect(next.U <= id + 1 && id + 1 <= next.u).toBe(true); // the first applicable event brackets it
            expect(sync.onSnapshot(it.snapshot)).toBe(BinanceSnapshotResult.SYNCED);
            sawSnapshot = true;
          } else {
            const r = sync.onFrame(it.event);
            if (!sawSnapshot) expect(r).toBe(BinanceEventResult.BUFFERED);
            else if (sawApplied)
              expect(r).toBe(BinanceEventResult.APPLIED); // contiguous from then on
            else expect([BinanceEventResult.STALE, BinanceEventResult.APPLIED]).toContain(r);
          }
          if (sync.stats.applied > 0) sawApplied = true;
          if (sawSnapshot) {
            expect(sync.status).toBe(SyncStatus.SYNCED);
            expect(sync.book.isCrossed()).toBe(false);
          }
        }
        // 1–2 events older than the snapshot are dropped (SYNC_RULES.md data check), the next brackets it
        expect(sync.stats.stale).toBeGreaterThanOrEqual(1);
        expect(sync.stats.stale).toBeLessThanOrEqual(2);
        expect(sync.stats.gaps).toBe(0);
        expect(sync.stats.crossed).toBe(0);
        expect(sync.stats.applied).toBeGreaterThan(0);
        expect(auditL2Book(sync.book)).toEqual([]);
        const ref = naiveBook(items);
        expect(sync.book.bids.count).toBe(ref.bids.size);
        expect(sync.book.asks.count).toBe(ref.asks.size);
        const refBest = Math.max(...[...ref.bids.keys()].map((p) => ticks(tl, p)));
        expect(sync.book.bestBid()).toBe(refBest);
        const norm = (d: string) => d.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
        for (const [p, q] of ref.asks) {
          const lotsAt = sync.book.qtyAt(BookSide.ASK, ticks(tl, p));
          expect(norm(formatDecimal(BigInt(lotsAt) * tl.lot.mantissa, tl.lot.scale))).toBe(norm(q));
        }
      }
    });
  }

  it('exact decimal → tick conversion ("0.35210000" at 0.00001 = 35210)', () => {
    expect(ticks(tickLot('NKNUSDT', '0.00001', '0.1'), '0.35210000')).toBe(35_210);
    expect(ticks(tickLot('BTCUSDT', '0.01', '0.00001'), '27123.45000000')).toBe(2_712_345);
    try {
      ticks(tickLot('BTCUSDT', '0.01', '0.00001'), '27123.45100000');
      expect.unreachable();
    } catch (e) {
      expect(isTradestateError(e, 'TRD_ERR_PRICE_NOT_ON_TICK')).toBe(true);
    }
  });

  it('a missing event is a gap: the book is discarded, reading it throws, a new snapshot resyncs', () => {
    const items = streams('BINANCE').get('NKNUSDT')!;
    const tl = tickLot('NKNUSDT', ...SCALES['NKNUSDT']!);
    const sync = new BinanceDepthSync(tl);
    let applied = 0;
    let dropped = false;
    let gapAt = -1;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it.snapshot) {
        sync.onSnapshot(it.snapshot);
        continue;
      }
      if (sync.status === SyncStatus.SYNCED && applied === 20 && !dropped) {
        dropped = true; // lose one event on the wire
        continue;
      }
      const r = sync.onFrame(it.event);
      if (r === BinanceEventResult.APPLIED) applied++;
      if (r === BinanceEventResult.GAP) {
        gapAt = i;
        break;
      }
    }
    expect(gapAt).toBeGreaterThan(0);
    expect(sync.status).toBe(SyncStatus.RESYNC);
    expect(sync.bufferedCount).toBe(1); // the event that revealed the gap waits for the next snapshot
    expect(() => sync.book).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_SEQUENCE_GAP' }));
    // A snapshot older than the buffered event is refused…
    const gapEvent = (items[gapAt]!.event as { data: BinanceDepthEvent }).data;
    expect(sync.onSnapshot({ lastUpdateId: gapEvent.U - 5, bids: [], asks: [] })).toBe(
      BinanceSnapshotResult.TOO_OLD
    );
    // …a fresh one (id within the buffered event) resyncs.
    expect(
      sync.onSnapshot({ lastUpdateId: gapEvent.U, bids: [['0.35', '10']], asks: [['0.36', '10']] })
    ).toBe(BinanceSnapshotResult.SYNCED);
    expect(sync.status).toBe(SyncStatus.SYNCED);
    expect(sync.lastUpdateId).toBe(gapEvent.u);
  });

  it('a snapshot whose next buffered event does not bracket lastUpdateId+1 is refused as a gap', () => {
    const sync = new BinanceDepthSync(tickLot('X', '0.01', '1'));
    const ev = (U: number, u: number) => ({ e: 'depthUpdate', E: 1, s: 'X', U, u, b: [], a: [] });
    sync.onFrame(ev(10, 12));
    sync.onFrame(ev(13, 15));
    expect(sync.onSnapshot({ lastUpdateId: 8, bids: [], asks: [] })).toBe(BinanceSnapshotResult.TOO_OLD);
    const s2 = new BinanceDepthSync(tickLot('X', '0.01', '1'));
    s2.onFrame(ev(10, 12));
    s2.onFrame(ev(20, 22));
    expect(s2.onSnapshot({ lastUpdateId: 15, bids: [], asks: [] })).toBe(BinanceSnapshotResult.GAP);
    expect(s2.status).toBe(SyncStatus.RESYNC);
  });

  it('an update that crosses the book invalidates it', () => {
    const sync = new BinanceDepthSync(tickLot('X', '0.01', '1'));
    sync.onSnapshot({ lastUpdateId: 1, bids: [['1.00', '1']], asks: [['1.01', '1']] });
    expect(sync.onFrame({ e: 'depthUpdate', E: 1, s: 'X', U: 2, u: 2, b: [['1.02', '3']], a: [] })).toBe(
      BinanceEventResult.CROSSED
    );
    expect(sync.status).toBe(SyncStatus.RESYNC);
  });

  it('fuzz: malformed frames and snapshots give typed errors, never crashes', () => {
    const real = (
      streams('BINANCE')
        .get('NKNUSDT')!
        .find((x) => x.event)!.event as { data: object }
    ).data;
    const typed = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (!isTradestateError(e)) throw e;
      }
    };
    fc.assert(
      fc.property(fc.anything(), fc.string({ maxLength: 60 }), (junk, text) => {
        const sync = new BinanceDepthSync(tickLot('NKNUSDT', '0.00001', '0.1'));
        typed(() => sync.onFrame(junk));
        typed(() => sync.onFrame({ stream: 'x', data: junk }));
        typed(() => sync.onSnapshot(junk));
        typed(() => sync.onFrame(parseJsonFrame(text)));
        typed(() => sync.onSnapshot({ lastUpdateId: 1, bids: [[text, '1']], asks: [] }));
        typed(() => sync.onFrame({ ...real, U: 1, u: 1, b: [['0.1', text]] }));
      }),
      { numRuns: 500 }
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.string({ maxLength: 20 }), fc.string({ maxLength: 20 }), (v, p, q) => {
        const sync = new BinanceDepthSync(tickLot('NKNUSDT', '0.00001', '0.1'));
        sync.onSnapshot({ lastUpdateId: 0, bids: [], asks: [] });
        typed(() => sync.onFrame({ ...real, [['U', 'u', 'b', 'a', 'e'][p.length % 5]!]: v }));
        typed(() => sync.onFrame({ ...real, U: 1, u: 1, a: [[p, q]] }));
      }),
      { numRuns: 500 }
    );
  });
});

describe('BinanceDepthSync refuses a bad event whole', () => {
  const tl = tickLot('BTCUSDT', '0.01', '0.001');
  const ev = (U: number, u: number, b: [string, string][], a: [string, string][] = [], s = 'BTCUSDT') => ({
    e: 'depthUpdate',
    E: 1,
    s,
    U,
    u,
    b,
    a
  });
  const SNAP = { lastUpdateId: 101, bids: [['99.00', '1.000']], asks: [['101.00', '1.000']] };
  const synced = () => {
    const s = new BinanceDepthSync(tl);
    expect(s.onSnapshot(SNAP)).toBe(BinanceSnapshotResult.SYNCED);
    return s;
  };

  it.each([
    ['a price off the tick', ['100.005', '1.000'], 'TRD_ERR_PRICE_NOT_ON_TICK'],
    ['a size off the lot', ['100.00', '0.0005'], 'TRD_ERR_QTY_NOT_ON_LOT'],
    ['a negative size', ['100.00', '-1.000'], 'TRD_ERR_NUMBER_INVALID'],
    ['a zero price', ['0.00', '1.000'], 'TRD_ERR_NUMBER_INVALID'],
    ['a negative price', ['-100.00', '1.000'], 'TRD_ERR_NUMBER_INVALID']
  ] as const)(
    '%s after a good level: nothing applied, the book unreadable, the next contiguous event is not applied',
    (_, bad, code) => {
      const s = synced();
      // deletes bid 99.00, then a malformed level: the event cannot be applied in full
      expect(codeOf(() => s.onFrame(ev(102, 102, [['99.00', '0'], [...bad]])))).toBe(code);
      expect(s.status).toBe(SyncStatus.RESYNC);
      expect(() => s.book).toThrow(expect.objectContaining({ code: 'TRD_ERR_BOOK_SEQUENCE_GAP' }));
      expect(s.lastUpdateId).toBe(101); // the refused event's ids were not taken
      // the hole is never papered over: the next event waits for a new snapshot
      expect(s.onFrame(ev(103, 104, [['98.00', '1.000']]))).toBe(BinanceEventResult.BUFFERED);
      expect(
        s.onSnapshot({ lastUpdateId: 103, bids: [['100.00', '2.000']], asks: [['101.00', '1.000']] })
      ).toBe(BinanceSnapshotResult.SYNCED);
      expect(s.lastUpdateId).toBe(104);
      expect(s.book.snapshot()).toEqual({
        bids: [
          { price: 10_000, qty: 2_000 },
          { price: 9_800, qty: 1_000 }
        ],
        asks: [{ price: 10_100, qty: 1_000 }]
      });
    }
  );

  it('a bad event while buffering is refused, not buffered; the hole it leaves is a gap at the snapshot', () => {
    const s = new BinanceDepthSync(tl);
    s.onFrame(ev(100, 100, [['98.00', '1.000']]));
    expect(codeOf(() => s.onFrame(ev(101, 101, [], [['101.00', '-1.000']])))).toBe('TRD_ERR_NUMBER_INVALID');
    expect(s.bufferedCount).toBe(1);
    s.onFrame(ev(102, 102, [['98.00', '2.000']]));
    expect(s.onSnapshot({ lastUpdateId: 100, bids: [], asks: [] })).toBe(BinanceSnapshotResult.GAP);
    expect(s.status).toBe(SyncStatus.RESYNC);
  });

  it('property: whatever bad level an event carries, anywhere, the book never reads as synced with part of it', () => {
    const good = fc
      .tuple(fc.integer({ min: 9_000, max: 9_999 }), fc.integer({ min: 0, max: 5_000 }))
      .map(([p, q]): [string, string] => [(p / 100).toFixed(2), (q / 1000).toFixed(3)]);
    const asks = fc
      .tuple(fc.integer({ min: 10_100, max: 11_000 }), fc.integer({ min: 0, max: 5_000 }))
      .map(([p, q]): [string, string] => [(p / 100).toFixed(2), (q / 1000).toFixed(3)]);
    const bad = fc.constantFrom<[string, string]>(
      ['100.005', '1.000'],
      ['100.00', '1.0001'],
      ['100.00', '-0.001'],
      ['0', '1.000'],
      ['-1.00', '1.000'],
      ['1e2', '1.000'],
      ['100.00', '']
    );
    fc.assert(
      fc.property(
        fc.array(good, { maxLength: 8 }),
        fc.array(asks, { maxLength: 8 }),
        bad,
        fc.nat(),
        fc.boolean(),
        (good, goodAsks, x, at, onAsk) => {
          const s = synced();
          const before = s.book.snapshot();
          const b = [...good];
          const a = [...goodAsks];
          const side = onAsk ? a : b;
          side.splice(at % (side.length + 1), 0, x);
          expect(codeOf(() => s.onFrame(ev(102, 102, b, a)))).toMatch(/^TRD_ERR_/);
          expect(s.status).not.toBe(SyncStatus.SYNCED);
          expect(s.lastUpdateId).toBe(101);
          // and it cannot be read: nothing half-applied is ever seen
          expect(codeOf(() => s.book.snapshot())).toMatch(/^TRD_ERR_BOOK_/);
          expect(before.bids.length + before.asks.length).toBeGreaterThan(0);
        }
      ),
      { numRuns: 300 }
    );
  });

  it("another symbol's event (a combined stream) is refused, typed, and touches neither the book nor the buffer", () => {
    const s = synced();
    const eth = { stream: 'ethusdt@depth', data: ev(102, 102, [['3.00', '5.000']], [], 'ETHUSDT') };
    try {
      s.onFrame(eth);
      expect.unreachable();
    } catch (e) {
      expect(isTradestateError(e, 'TRD_ERR_WS_FRAME_INVALID')).toBe(true);
      expect((e as { context: object }).context).toMatchObject({ symbol: 'BTCUSDT', received: 'ETHUSDT' });
    }
    expect(s.status).toBe(SyncStatus.SYNCED);
    expect(s.lastUpdateId).toBe(101);
    expect(s.book.snapshot()).toEqual({
      bids: [{ price: 9_900, qty: 1_000 }],
      asks: [{ price: 10_100, qty: 1_000 }]
    });
    expect(s.onFrame(ev(102, 102, [['99.50', '1.000']]))).toBe(BinanceEventResult.APPLIED); // BTCUSDT's own 102
    const waiting = new BinanceDepthSync(tl);
    expect(codeOf(() => waiting.onFrame(eth))).toBe('TRD_ERR_WS_FRAME_INVALID');
    expect(waiting.bufferedCount).toBe(0);
  });
});

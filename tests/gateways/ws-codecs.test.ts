import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDecimal } from '../../src/core/decimal.ts';
import { ErrorCode, isTradestateError } from '../../src/core/errors.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import { InstrumentMap } from '../../src/gateways/fix/app-messages.ts';
import { alpacaAdapter } from '../../src/gateways/ws/adapters.ts';
import { decodeAlpaca } from '../../src/gateways/ws/alpaca.codec.ts';
import {
  BinanceBookSync,
  decodeBinance,
  decodeBinanceSnapshot,
  depthDeltas
} from '../../src/gateways/ws/binance.codec.ts';
import { decodeCoinbase } from '../../src/gateways/ws/coinbase.codec.ts';
import type { BookDelta, MarketData } from '../../src/messages/index.ts';
import { codeOf } from '../support/caught.ts';
import { sharedData } from '../support/shared-data.ts';
import { entityExample, snapshotPageObjects } from './alpaca/support/alpaca-docs.ts';
import { BINANCE, COINBASE, readRecording } from './recordings.ts';
import { DOC_POINTS } from './support/alpaca-script.ts';

/** A minimal L2 book to check the canonical deltas: absolute sizes per level, never crossed. */
class Book {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  apply(d: BookDelta): void {
    if (d.action === 'clear') {
      this.bids.clear();
      this.asks.clear();
      return;
    }
    const side = d.side === 'buy' ? this.bids : this.asks;
    if (d.action === 'delete' || d.sz === 0) side.delete(d.px);
    else side.set(d.px, d.sz);
  }
  crossed(): boolean {
    if (this.bids.size === 0 || this.asks.size === 0) return false;
    return Math.max(...this.bids.keys()) >= Math.min(...this.asks.keys());
  }
}

describe('Coinbase level2 recording → canonical', () => {
  it('10 snapshots and 9,719 updates; configured products never cross; others are typed UNKNOWN_INSTRUMENT', () => {
    const rec = readRecording('COINBASE.ws.28.0').filter((l) => l.kind === 'recv');
    const books = new Map<string, Book>();
    const counts = { snapshot: 0, update: 0, trades: 0, unknown: 0, crossed: 0, beforeSnapshot: 0 };
    let seq = 0;
    for (const l of rec) {
      const type = (JSON.parse(l.json) as { type: string }).type;
      if (type === 'snapshot') counts.snapshot++;
      if (type === 'l2update') counts.update++;
      let f: ReturnType<typeof decodeCoinbase>;
      try {
        f = decodeCoinbase(l.json, COINBASE, ++seq, 0n);
      } catch (e) {
        expect(isTradestateError(e, ErrorCode.UNKNOWN_INSTRUMENT)).toBe(true);
        counts.unknown++;
        continue;
      }
      if (f.kind !== 'data') continue;
      for (const it of f.items) {
        if (it.type === 'market.trade') counts.trades++;
        if (it.type !== 'market.book_delta') continue;
        const b = books.get(it.instrumentId) ?? new Book();
        if (!books.has(it.instrumentId) && !f.snapshot) counts.beforeSnapshot++;
        books.set(it.instrumentId, b);
        b.apply(it);
      }
      for (const b of books.values()) if (b.crossed()) counts.crossed++;
    }
    expect(counts.snapshot).toBe(10);
    expect(counts.update).toBe(9719);
    expect(books.size).toBe(5);
    expect(counts.crossed).toBe(0);
    expect(counts.beforeSnapshot).toBe(0);
    expect(counts.trades).toBeGreaterThan(0);
    expect(counts.unknown).toBeGreaterThan(0);
  });
});

describe('Binance diff-depth recordings → canonical (SYNC_RULES)', () => {
  for (const [ws, http] of [['BINANCE.ws.1.0', 'BINANCE.http.0.0']] as const) {
    it(`${ws}: buffered events before the snapshot dropped, first bracket, no gaps, books not crossed`, () => {
      const syncs = new Map<string, BinanceBookSync>();
      for (const l of readRecording(ws)) {
        if (l.kind !== 'recv') continue;
        const f = decodeBinance(l.json, BINANCE, 0n);
        if (f.kind !== 'depth') continue;
        const s = syncs.get(f.update.symbol) ?? new BinanceBookSync(BINANCE.bySymbol(f.update.symbol));
        syncs.set(f.update.symbol, s);
        expect(s.onUpdate(f.update, 0n)).toEqual([]); // buffered: no snapshot yet
      }
      const snapshots: string[] = [];
      for (const h of readRecording(http)) {
        if (h.kind !== 'http') continue;
        const sym = /symbol=(\w+)/.exec(h.url)![1]!;
        snapshots.push(sym);
        const deltas = syncs.get(sym)!.onSnapshot(decodeBinanceSnapshot(h.json), 0n);
        const book = new Book();
        for (const d of deltas) book.apply(d);
        expect(book.crossed()).toBe(false);
        expect(deltas.filter((d) => d.flags & 1).length).toBeGreaterThan(100);
        expect(syncs.get(sym)!.synced).toBe(true);
      }
      // every symbol buffered got its snapshot and is synced (the checks above ran for each)
      expect(syncs.size).toBe(4);
      expect(snapshots.sort()).toEqual([...syncs.keys()].sort());
      expect([...syncs.values()].every((s) => s.synced)).toBe(true);
    });
  }

  it('a gap (U ≠ previous u + 1) is TRD_ERR_BOOK_SEQUENCE_GAP; duplicates are ignored', () => {
    const inst = BINANCE.bySymbol('RUNEEUR');
    const s = new BinanceBookSync(inst);
    s.onSnapshot({ lastUpdateId: 100, bids: [['10.000', '1.00']], asks: [['11.000', '1.00']] }, 0n);
    const ev = (U: number, u: number) => ({
      symbol: 'RUNEEUR',
      firstId: U,
      finalId: u,
      eventMs: 1,
      bids: [['10.000', '2.00']] as [string, string][],
      asks: []
    });
    expect(s.onUpdate(ev(101, 103), 0n)).toHaveLength(1);
    expect(s.onUpdate(ev(101, 103), 0n)).toHaveLength(0); // duplicate
    expect(codeOf(() => s.onUpdate(ev(105, 106), 0n))).toBe(ErrorCode.BOOK_SEQUENCE_GAP);
    expect(s.synced).toBe(false);
  });
});

describe('Alpaca market-data frames (MESSAGE_SHAPES.md examples) → canonical', () => {
  const map = new InstrumentMap('ALPACA', [
    makeInstrument({ symbol: 'AAPL', venue: 'ALPACA', tickSize: '0.01', lotSize: '1', currency: 'USD' }),
    makeInstrument({ symbol: 'AMD', venue: 'ALPACA', tickSize: '0.01', lotSize: '1', currency: 'USD' }),
    makeInstrument({ symbol: 'SPY', venue: 'ALPACA', tickSize: '0.0001', lotSize: '1', currency: 'USD' }),
    makeInstrument({
      symbol: 'BTC/USD',
      venue: 'ALPACA',
      tickSize: '0.1',
      lotSize: '0.0001',
      currency: 'USD'
    })
  ]);
  it('trade, quote, bar, crypto order book and control messages', () => {
    const f = decodeAlpaca(
      JSON.stringify([
        // the documented trade, quote and minute bar (the same points the emulated Alpaca server sends)
        ...DOC_POINTS.slice(0, 3).map((p) => p.point),
        {
          T: 'o',
          S: 'BTC/USD',
          t: '2021-02-22T19:15:00Z',
          b: [{ p: 65128.1, s: 1.6542 }],
          a: [{ p: 65130.2, s: 0 }]
        },
        { T: 's', S: 'AAPL', sc: 'H', sm: 'Trading Halt', t: '2021-02-22T19:15:00Z', z: 'C' }
      ]),
      map,
      0n
    );
    const d = f.data as MarketData[];
    expect(d.map((x) => x.type)).toEqual([
      'market.trade',
      'market.quote',
      'market.bar',
      'market.book_delta',
      'market.book_delta'
    ]);
    expect(d[0]).toMatchObject({ px: 12655, sz: 1, tradeId: '96921', tsEvent: 1_614_009_104_208_000_000n });
    expect(d[1]).toMatchObject({ bidPx: 8766, askPx: 8768, askSz: 4, tsEvent: 1_614_009_105_335_689_322n });
    expect(d[2]).toMatchObject({
      open: 3889850,
      close: 3891200,
      volume: 49378,
      tsEvent: 1_614_021_360_000_000_000n
    });
    expect(d[3]).toMatchObject({ side: 'buy', px: 651281, sz: 16542, action: 'modify' });
    expect(d[4]).toMatchObject({ side: 'sell', action: 'delete', flags: 2 });
    const c = decodeAlpaca(
      '[{"T":"success","msg":"connected"},{"T":"success","msg":"authenticated"},{"T":"error","code":402,"msg":"auth failed"}]',
      map,
      0n
    );
    expect(c.control.map((x) => x.kind)).toEqual(['connected', 'authenticated', 'error']);
  });
});

describe('Alpaca crypto order book reset (r: true): the whole book, replacing the old one', () => {
  // The documented "Initial full orderbook" (real-time-crypto-pricing-data), with its "..." elisions cut out.
  const page = readFileSync(
    sharedData('alpaca', 'docs_alpaca_markets_2026_snapshot', 'real-time-crypto-pricing-data.md'),
    'utf8'
  );
  const full = /Initial full orderbookJSON\n\n(\{[\s\S]*?\n\})\n/.exec(page)![1]!;
  const reset = JSON.parse(full.replace(/\n ?\.\.\.,?/g, '').replace(/,(\s*[}\]])/g, '$1')) as {
    b: unknown[];
    a: unknown[];
    r: boolean;
  };
  // 0.001 tick × 0.000001 lot is finer than Money's 1e-8: built by hand, the codec reads only tick and lot
  const btc = makeInstrument({
    symbol: 'BTC/USD',
    venue: 'ALPACA',
    tickSize: '0.001',
    lotSize: '0.00001',
    currency: 'USD'
  });
  const map = new InstrumentMap('ALPACA', [{ ...btc, lotSize: '0.000001', lot: parseDecimal('0.000001') }]);
  const deltas = (o: object) => {
    const f = decodeAlpaca(JSON.stringify([o]), map, 0n);
    expect(f.errors).toEqual([]);
    return f.data as BookDelta[];
  };

  it('the documented reset: a clear, then every level as a SNAPSHOT add, the last one flagged LAST', () => {
    expect([reset.r, reset.b.length, reset.a.length]).toEqual([true, 3, 3]);
    const d = deltas(reset);
    expect(d.map((x) => [x.action, x.side, x.px, x.sz, x.flags])).toEqual([
      ['clear', 'buy', 0, 0, 1],
      ['add', 'buy', 71_859_530, 279_940, 1],
      ['add', 'buy', 71_849_400, 553_986, 1],
      ['add', 'buy', 71_820_469, 834_950, 1],
      ['add', 'sell', 71_939_700, 839_530, 1],
      ['add', 'sell', 71_940_400, 280_250, 1],
      ['add', 'sell', 71_950_715, 555_928, 3]
    ]);
    expect(new Set(d.map((x) => x.instrumentId))).toEqual(new Set(['BTC/USD@ALPACA']));
    // a book kept from before (a reconnect) holds no level of its own after the reset
    const book = new Book();
    for (const x of deltas({ ...reset, r: undefined, b: [{ p: 70_000, s: 1 }], a: [{ p: 72_000, s: 1 }] }))
      book.apply(x);
    for (const x of d) book.apply(x);
    expect([...book.bids.keys()]).toEqual([71_859_530, 71_849_400, 71_820_469]);
    expect([...book.asks.keys()]).toEqual([71_939_700, 71_940_400, 71_950_715]);
  });

  it('an empty reset is a lone clear (SNAPSHOT and LAST); without r, levels stay plain updates', () => {
    expect(deltas({ ...reset, b: [], a: [] }).map((x) => [x.action, x.flags])).toEqual([['clear', 3]]);
    expect(deltas({ ...reset, r: false }).map((x) => [x.action, x.flags])).toEqual([
      ...Array.from({ length: 5 }, () => ['modify', 0]),
      ['modify', 2]
    ]);
  });
});

describe('Binance and Coinbase book levels: negative sizes and non-positive prices are typed errors', () => {
  const cbUpdate = readRecording('COINBASE.ws.28.0')
    .filter((l) => l.kind === 'recv')
    .map((l) => JSON.parse(l.json) as { type: string; product_id: string; changes: string[][] })
    .find((f) => f.type === 'l2update' && f.product_id === 'BAND-GBP')!;
  const cbSnapshot = readRecording('COINBASE.ws.28.0')
    .filter((l) => l.kind === 'recv')
    .map(
      (l) => JSON.parse(l.json) as { type: string; product_id: string; bids: string[][]; asks: string[][] }
    )
    .find((f) => f.type === 'snapshot' && f.product_id === 'BAND-GBP')!;
  const bnEvent = readRecording('BINANCE.ws.1.0')
    .filter((l) => l.kind === 'recv')
    .map(
      (l) => (JSON.parse(l.json) as { data?: { e?: string; s?: string; b: string[][]; a: string[][] } }).data
    )
    .find((d) => d?.e === 'depthUpdate' && d.s === 'RUNEEUR')!;
  const bnSnapshot = (() => {
    const h = readRecording('BINANCE.http.0.0').find((x) => x.kind === 'http' && x.url.includes('RUNEEUR'))!;
    return JSON.parse(h.kind === 'http' ? h.json : '') as {
      lastUpdateId: number;
      bids: string[][];
      asks: string[][];
    };
  })();
  const RUNE = BINANCE.bySymbol('RUNEEUR');
  const level = (l: string[], p: string, q: string) => [p === '' ? l[0] : p, q === '' ? l[1] : q];
  /** Each decoder of a recorded book message, one level replaced by `[price, size]` ('' keeps the original). */
  const decoders = (p: string, q: string): [string, () => unknown][] => [
    [
      'coinbase l2update',
      () =>
        decodeCoinbase(
          JSON.stringify({
            ...cbUpdate,
            changes: [[cbUpdate.changes[0]![0]!, ...level(cbUpdate.changes[0]!.slice(1), p, q)]]
          }),
          COINBASE,
          1,
          0n
        )
    ],
    [
      'coinbase snapshot',
      () =>
        decodeCoinbase(
          JSON.stringify({
            ...cbSnapshot,
            asks: [level(cbSnapshot.asks[0]!, p, q), ...cbSnapshot.asks.slice(1)]
          }),
          COINBASE,
          1,
          0n
        )
    ],
    [
      'binance depthUpdate',
      () => {
        const f = decodeBinance(
          JSON.stringify({ ...bnEvent, b: [level(bnEvent.b[0] ?? ['1.000', '1.00'], p, q)] }),
          BINANCE,
          0n
        );
        return f.kind === 'depth' ? depthDeltas(RUNE, f.update, 0n) : f;
      }
    ],
    [
      'binance REST snapshot',
      () =>
        new BinanceBookSync(RUNE).onSnapshot(
          decodeBinanceSnapshot(JSON.stringify({ ...bnSnapshot, bids: [level(bnSnapshot.bids[0]!, p, q)] })),
          0n
        )
    ]
  ];

  it.each([
    ['a negative size', '', '-1.00'],
    ['a zero price', '0.000', ''],
    ['a negative price', '-10.000', '']
  ])('%s in a recorded message: TRD_ERR_NUMBER_INVALID', (_, p, q) => {
    for (const [what, decode] of decoders('', '')) expect(codeOf(decode), what).toBeUndefined(); // the originals decode
    for (const [what, decode] of decoders(p, q)) expect(codeOf(decode), what).toBe(ErrorCode.NUMBER_INVALID);
  });

  it.each([
    ['zero', '0'],
    ['negative', '-1']
  ])('a recorded trade with a %s price: TRD_ERR_NUMBER_INVALID', (_, price) => {
    // the first recorded trade of an instrument of ours
    const recv = (name: string, has: string, decodes: (json: string) => unknown): string => {
      for (const l of readRecording(name))
        if (l.kind === 'recv' && l.json.includes(has) && codeOf(() => decodes(l.json)) === undefined)
          return l.json;
      throw new Error(`no decodable ${has} in ${name}`);
    };
    const cb = JSON.parse(
      recv('COINBASE.ws.28.0', '"type":"match"', (j) => decodeCoinbase(j, COINBASE, 1, 0n))
    ) as Record<string, unknown>;
    const bn = JSON.parse(
      recv('BINANCE.ws.1.0', '"e":"aggTrade"', (j) => decodeBinance(j, BINANCE, 0n))
    ) as Record<string, Record<string, unknown>>;
    const bnWith = (p: string) =>
      JSON.stringify(bn['data'] ? { ...bn, data: { ...bn['data'], p } } : { ...bn, p });
    const cases: [string, () => unknown][] = [
      ['coinbase match', () => decodeCoinbase(JSON.stringify({ ...cb, price }), COINBASE, 1, 0n)],
      ['binance aggTrade', () => decodeBinance(bnWith(price), BINANCE, 0n)]
    ];
    expect(codeOf(() => decodeCoinbase(JSON.stringify(cb), COINBASE, 1, 0n))).toBeUndefined();
    expect(codeOf(() => decodeBinance(JSON.stringify(bn), BINANCE, 0n))).toBeUndefined();
    for (const [what, decode] of cases) expect(codeOf(decode), what).toBe(ErrorCode.NUMBER_INVALID);
  });

  it('property: any signed price and size either decode to px > 0 and sz ≥ 0, or are refused typed', () => {
    const dec = (scale: number) =>
      fc.integer({ min: -1_000_000, max: 1_000_000 }).map((m) => (m / 10 ** scale).toFixed(scale));
    fc.assert(
      fc.property(dec(3), dec(2), (p, q) => {
        for (const [what, decode] of decoders(p, q)) {
          let out: unknown;
          const c = codeOf(() => {
            out = decode();
          });
          if (Number(p) <= 0 || q.startsWith('-')) expect(c, what).toBe(ErrorCode.NUMBER_INVALID);
          if (c !== undefined) continue;
          const items = (Array.isArray(out) ? out : (out as { items: MarketData[] }).items) as BookDelta[];
          for (const d of items) if (d.action !== 'clear') expect(d.px > 0 && d.sz >= 0, what).toBe(true);
        }
      }),
      { numRuns: 300 }
    );
  });

  it('a refused live event leaves the local update id where it was: the next event is a gap, not a silent hole', () => {
    const s = new BinanceBookSync(RUNE);
    s.onSnapshot({ lastUpdateId: 100, bids: [['10.000', '1.00']], asks: [['11.000', '1.00']] }, 0n);
    const ev = (U: number, bids: [string, string][]) => ({
      symbol: 'RUNEEUR',
      firstId: U,
      finalId: U,
      eventMs: 1,
      bids,
      asks: []
    });
    expect(
      codeOf(() =>
        s.onUpdate(
          ev(101, [
            ['10.000', '0'],
            ['10.0005', '1.00']
          ]),
          0n
        )
      )
    ).toBe(ErrorCode.PRICE_NOT_ON_TICK);
    expect(s.lastId).toBe(100);
    expect(codeOf(() => s.onUpdate(ev(102, [['9.000', '1.00']]), 0n))).toBe(ErrorCode.BOOK_SEQUENCE_GAP);
    expect(s.synced).toBe(false);
  });
});

describe('Alpaca prices finer than the tick (sub-penny) are rounded onto it, bad messages cost only themselves', () => {
  const cent = (symbol: string, lotSize = '1', tickSize = '0.01') =>
    makeInstrument({ symbol, venue: 'ALPACA', tickSize, lotSize, currency: 'USD' });
  // the instruments of config/paper.yaml: every symbol on a 0.01 tick
  const paper = new InstrumentMap(
    'ALPACA',
    ['AAPL', 'AMD', 'SPY'].map((s) => cent(s))
  );
  const bar = entityExample('stream-bar-v2') as Record<string, unknown>; // SPY o 388.985 … l 388.975
  const trade = entityExample('stream-trade-v2') as Record<string, unknown>; // AAPL 126.55
  const quote = snapshotPageObjects('real-time-crypto-pricing-data').find((o) => o['T'] === 'q')!; // BAT/USD
  const frame = (...msgs: unknown[]) => JSON.stringify(msgs);

  it("the documented SPY bar on config/paper.yaml's cent tick: OHLC to the nearest cent, ties to even", () => {
    const aapl = { ...bar, S: 'AAPL', o: 189.5, h: 189.6, l: 189.4, c: 189.55, v: 1000 };
    const f = decodeAlpaca(frame(aapl, bar), paper, 0n);
    expect(f.errors).toEqual([]);
    expect(f.data).toHaveLength(2);
    expect(f.data[0]).toMatchObject({ instrumentId: 'AAPL@ALPACA', open: 18_950, close: 18_955 });
    expect(f.data[1]).toMatchObject({
      type: 'market.bar',
      instrumentId: 'SPY@ALPACA',
      open: 38_898, // 388.985: a tie, to the even cent (half-up would say 388.99)
      high: 38_913,
      low: 38_898, // 388.975: a tie, to the even cent 388.98
      close: 38_912,
      volume: 49_378
    });
    // a trade price to the nearest cent the same way
    const px = (p: number) => decodeAlpaca(frame({ ...trade, p }), paper, 0n).data[0];
    expect([px(126.555), px(126.545), px(126.5551), px(126.55)].map((d) => (d as { px: number }).px)).toEqual(
      [12_656, 12_654, 12_656, 12_655]
    );
  });

  it('the documented crypto quote (BAT/USD 0.35718 × 0.3581): bid down, ask up, never tighter than the market', () => {
    const at = (tickSize: string) =>
      decodeAlpaca(frame(quote), new InstrumentMap('ALPACA', [cent('BAT/USD', '0.001', tickSize)]), 0n);
    expect(at('0.001').data[0]).toMatchObject({
      bidPx: 357,
      askPx: 359,
      bidSz: 13_445_460,
      askSz: 13_561_902
    });
    expect(at('0.0001').data[0]).toMatchObject({ bidPx: 3_571, askPx: 3_581 }); // nearest would bid 0.3572
    expect(at('0.01').data[0]).toMatchObject({ bidPx: 35, askPx: 36 });
    expect(at('0.00001').data[0]).toMatchObject({ bidPx: 35_718, askPx: 35_810 }); // on the tick: exact
  });

  it('one bad message costs only itself: the rest of the frame is decoded, each refusal typed with its place', () => {
    const f = decodeAlpaca(
      frame(
        trade,
        { ...trade, p: 'abc' },
        { ...bar, l: -1 },
        { ...trade, S: 'IBM' },
        { ...trade, s: 1.5 },
        { T: 'o', S: 'SPY', t: '2021-02-22T19:15:00Z', b: [{ p: 388.985, s: 1 }] },
        'not an object',
        bar
      ),
      paper,
      0n
    );
    expect(f.data.map((d) => [d.type, d.instrumentId])).toEqual([
      ['market.trade', 'AAPL@ALPACA'],
      ['market.bar', 'SPY@ALPACA']
    ]);
    expect(f.errors.map((e) => [e.code, e.context['index'], e.context['type'], e.context['venue']])).toEqual([
      [ErrorCode.WS_FRAME_INVALID, 1, 't', 'alpaca'], // not a number
      [ErrorCode.WS_FRAME_INVALID, 2, 'b', 'alpaca'], // negative
      [ErrorCode.UNKNOWN_INSTRUMENT, 3, 't', 'alpaca'],
      [ErrorCode.QTY_NOT_ON_LOT, 4, 't', 'alpaca'], // sizes stay exact
      [ErrorCode.PRICE_NOT_ON_TICK, 5, 'o', 'alpaca'], // book levels stay exact
      [ErrorCode.WS_FRAME_INVALID, 6, undefined, 'alpaca']
    ]);
    expect(() => decodeAlpaca('{"T":"t"}', paper, 0n)).toThrow(/not a JSON array/);
  });

  it('the adapter delivers the good messages and reports the frame once on the errors path', () => {
    const a = alpacaAdapter(paper, { key: 'k', secret: 's' }, { bars: true });
    const events = a.decode(frame(trade, { ...trade, p: 'abc' }, bar, { ...bar, S: 'IBM' }), 0n);
    expect(events.map((e) => e.type)).toEqual(['frame.data', 'frame.invalid']);
    expect(events[0]?.type === 'frame.data' && events[0].items.map((d) => d.instrumentId)).toEqual([
      'AAPL@ALPACA',
      'SPY@ALPACA'
    ]);
    const err = events[1]?.type === 'frame.invalid' ? events[1].error : undefined;
    expect([err?.code, err?.context['refused'], err?.context['venue']]).toEqual([
      ErrorCode.WS_FRAME_INVALID,
      2,
      'alpaca'
    ]);
    const one = a.decode(frame({ ...trade, S: 'IBM' }), 0n);
    expect(
      one.map((e) =>
        e.type === 'frame.invalid' ? [e.type, e.error.code, e.error.context['refused']] : e.type
      )
    ).toEqual([['frame.invalid', ErrorCode.UNKNOWN_INSTRUMENT, undefined]]);
  });
});

describe('WebSocket parser fuzzing (sample)', () => {
  const seeds = [
    ...readRecording('COINBASE.ws.28.0')
      .filter((l) => l.kind === 'recv')
      .slice(0, 40)
      .map((l) => (l.kind === 'recv' ? l.json : '')),
    ...readRecording('BINANCE.ws.1.0')
      .filter((l) => l.kind === 'recv')
      .slice(0, 20)
      .map((l) => (l.kind === 'recv' ? l.json : '')),
    '[{"T":"t","S":"AAPL","i":1,"p":1.5,"s":2,"t":"2021-02-22T15:51:44.208Z"}]'
  ];
  const mutated = fc.constantFrom(...seeds).chain((s) =>
    fc.oneof(
      fc.nat(s.length).map((n) => s.slice(0, n)),
      fc.tuple(fc.nat(s.length), fc.string({ maxLength: 6 })).map(([i, x]) => s.slice(0, i) + x + s.slice(i)),
      fc.tuple(fc.nat(s.length), fc.nat(8)).map(([i, n]) => s.slice(0, i) + s.slice(i + n)),
      fc.string({ maxLength: 200 }),
      fc.json()
    )
  );
  it('malformed frames are typed errors (WS_FRAME_INVALID, NUMBER_INVALID, PRICE/QTY not on tick/lot, UNKNOWN_INSTRUMENT), never crashes', () => {
    const allowed = new Set<string>([
      ErrorCode.WS_FRAME_INVALID,
      ErrorCode.NUMBER_INVALID,
      ErrorCode.PRICE_NOT_ON_TICK,
      ErrorCode.QTY_NOT_ON_LOT,
      ErrorCode.UNKNOWN_INSTRUMENT
    ]);
    fc.assert(
      fc.property(mutated, (text) => {
        for (const f of [
          () => decodeCoinbase(text, COINBASE, 1, 0n),
          () => decodeBinance(text, BINANCE, 0n),
          () => decodeAlpaca(text, COINBASE, 0n)
        ]) {
          const c = codeOf(f);
          if (c !== undefined) expect(allowed.has(c), c).toBe(true);
        }
        // Alpaca's refused messages come back with the frame, typed the same way
        let refused: readonly unknown[] = [];
        try {
          refused = decodeAlpaca(text, COINBASE, 0n).errors;
        } catch {}
        for (const e of refused) expect(isTradestateError(e) && allowed.has(e.code), String(e)).toBe(true);
      }),
      { numRuns: 2000 }
    );
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, isTradestateError } from '../../src/core/errors.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import { InstrumentMap } from '../../src/gateways/fix/app-messages.ts';
import { alpacaAdapter } from '../../src/gateways/ws/adapters.ts';
import { decodeAlpaca } from '../../src/gateways/ws/alpaca.codec.ts';
import {
  BinanceBookSync,
  decodeBinance,
  decodeBinanceSnapshot
} from '../../src/gateways/ws/binance.codec.ts';
import { decodeCoinbase } from '../../src/gateways/ws/coinbase.codec.ts';
import type { BookDelta, MarketData } from '../../src/messages/index.ts';
import { entityExample, snapshotPageObjects } from './alpaca/support/alpaca-docs.ts';
import { BINANCE, COINBASE, readRecording } from './recordings.ts';
import { DOC_POINTS } from './support/alpaca-script.ts';

/** A minimal L2 book to check the canonical deltas: absolute sizes per level, never crossed. */
class Book {
  bids = new Map<number, number>();
  asks = new Map<number, number>();
  apply(d: BookDelta): void {
    const side = d.side === 'buy' ? this.bids : this.asks;
    if (d.action === 'delete' || d.sz === 0) side.delete(d.px);
    else side.set(d.px, d.sz);
  }
  crossed(): boolean {
    if (this.bids.size === 0 || this.asks.size === 0) return false;
    return Math.max(...this.bids.keys()) >= Math.min(...this.asks.keys());
  }
}

const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    if (isTradestateError(e)) return e.code;
    throw e;
  }
  return undefined;
};

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
      for (const h of readRecording(http)) {
        if (h.kind !== 'http') continue;
        const sym = /symbol=(\w+)/.exec(h.url)![1]!;
        const deltas = syncs.get(sym)!.onSnapshot(decodeBinanceSnapshot(h.json), 0n);
        const book = new Book();
        for (const d of deltas) book.apply(d);
        expect(book.crossed()).toBe(false);
        expect(deltas.filter((d) => d.flags & 1).length).toBeGreaterThan(100);
        expect(syncs.get(sym)!.synced).toBe(true);
      }
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
    expect(code(() => s.onUpdate(ev(105, 106), 0n))).toBe(ErrorCode.BOOK_SEQUENCE_GAP);
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
          const c = code(f);
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

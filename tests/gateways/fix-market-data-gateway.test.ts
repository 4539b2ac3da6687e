import { describe, expect, it } from 'vitest';
import type { BookView } from '../../src/book/book-view.ts';
import { ErrorCode, type TradestateError } from '../../src/core/errors.ts';
import { type Instrument, makeInstrument } from '../../src/core/instrument.ts';
import { NS_PER_MIN, NS_PER_SEC } from '../../src/core/nanos.ts';
import { MsgType } from '../../src/gateways/fix/tags.ts';
import type { MarketData } from '../../src/messages/market-data.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { FixLocalVenue } from '../../src/venue/fix-local/fix-local.venue.ts';
import { cleanupAfterEach, loopbackFixClient } from '../support/fix-loopback.ts';
import { aaplOrderbookRows, LOBSTER_AAPL } from '../support/lobster-rows.ts';
import { proxy } from '../support/tcp-proxy.ts';
import { until } from '../support/until.ts';
import { dict } from './fix-support.ts';

const spec = { venue: 'FIXLOCAL', tickSize: '0.01', lotSize: '1', currency: 'USD' } as const;
const AAPL = makeInstrument({ symbol: 'AAPL', ...spec });
const MSFT = makeInstrument({ symbol: 'MSFT', ...spec }); // the client knows it, the venue does not
const clock = new LiveClock();
const T0 = 1_709_650_800n * NS_PER_SEC; // 2024-03-05T15:00:00Z: replayed history, long past for the clock
const cleanup = cleanupAfterEach();

async function setup(o: { inst?: Instrument; depth?: number } = {}) {
  const inst = o.inst ?? AAPL;
  const venue = new FixLocalVenue({ instruments: [inst], clock, dictionary: dict, seed: 5 });
  await venue.start();
  cleanup.push(() => venue.stop());
  const link = await proxy(venue.port);
  cleanup.push(() => link.close());
  // no marketData given: the connection's market data is FIX market data on the same session
  const conn = loopbackFixClient(cleanup, link.port, [inst, MSFT], {
    senderCompId: venue.targetCompId,
    targetCompId: venue.senderCompId,
    clock,
    ...(o.depth === undefined ? {} : { depth: o.depth })
  });
  const got: MarketData[] = [];
  const errors: TradestateError[] = [];
  conn.marketData.marketData$.subscribe((m) => got.push(m));
  conn.marketData.errors$.subscribe((e) => errors.push(e));
  const quote = (at: bigint, bidPx: number, bidSz: number, askPx: number, askSz: number): void =>
    venue.quote({
      type: 'market.quote',
      instrumentId: inst.id,
      tsEvent: at,
      tsInit: at,
      bidPx,
      bidSz,
      askPx,
      askSz
    });
  const trade = (at: bigint, px: number, sz: number): void =>
    venue.trade({
      type: 'market.trade',
      instrumentId: inst.id,
      tsEvent: at,
      tsInit: at,
      px,
      sz,
      aggressor: 'buy',
      tradeId: `t${at}`
    });
  return { venue, conn, got, errors, quote, trade, link };
}

const quotes = (got: MarketData[]) =>
  got.flatMap((m) => (m.type === 'market.quote' ? [[m.bidPx, m.bidSz, m.askPx, m.askSz]] : []));

describe('FixMarketDataGateway ↔ FixLocalVenue (MarketDataRequest, W snapshot, X incrementals)', () => {
  it('a subscription made before the logon goes out at the logon; the snapshot and every change of the top arrive as quotes, trades as trades and bars', async () => {
    const { venue, conn, got, quote, trade } = await setup();
    quote(T0, 10_000, 300, 10_002, 200); // before anyone subscribed: the snapshot carries it
    conn.marketData.subscribe({
      type: 'md.subscription',
      action: 'subscribe',
      requestId: 'r1',
      instrumentIds: [AAPL.id],
      entries: ['trade'],
      depth: 1,
      updates: true
    });
    await conn.preflight();
    await until(() => quotes(got).length === 1, 3000, 'the snapshot quote');
    quote(T0 + 1n, 10_000, 300, 10_002, 200); // no change: nothing
    quote(T0 + 2n, 10_000, 100, 10_002, 200); // bid size only (X change)
    quote(T0 + 3n, 10_001, 50, 10_003, 70); // both prices move (X delete + new)
    const s = NS_PER_SEC;
    trade(T0 + 5n * s, 10_001, 10);
    trade(T0 + 30n * s, 10_005, 5);
    trade(T0 + 50n * s, 9_998, 1);
    trade(T0 + NS_PER_MIN + s, 10_002, 4); // the next minute
    // the second bar is closed by the clock, 2 s (the grace) after its trade
    await until(() => got.filter((m) => m.type === 'market.bar').length === 2, 8000, 'two bars');
    expect(quotes(got)).toEqual([
      [10_000, 300, 10_002, 200],
      [10_000, 100, 10_002, 200],
      [10_001, 50, 10_003, 70]
    ]);
    expect(got.flatMap((m) => (m.type === 'market.trade' ? [[m.px, m.sz, m.tsEvent - T0]] : []))).toEqual([
      [10_001, 10, 5n * s],
      [10_005, 5, 30n * s],
      [9_998, 1, 50n * s],
      [10_002, 4, NS_PER_MIN + s]
    ]);
    // replayed history: the first bar is finished by the next minute's trade, the last by the clock
    const bars = got.flatMap((m) =>
      m.type === 'market.bar'
        ? [[m.tsOpen - T0, m.tsEvent - T0, m.open, m.high, m.low, m.close, m.volume]]
        : []
    );
    expect(bars).toEqual([
      [0n, NS_PER_MIN, 10_001, 10_005, 9_998, 9_998, 16],
      [NS_PER_MIN, 2n * NS_PER_MIN, 10_002, 10_002, 10_002, 10_002, 4]
    ]);
    expect(venue.marketData.stats).toEqual({ requests: 1, rejected: 0 });
  });

  it('a symbol the venue does not list is rejected (MarketDataRequestReject) onto errors$; the session stays up', async () => {
    const { venue, conn, errors, got, quote } = await setup();
    await conn.preflight();
    conn.marketData.subscribe({
      type: 'md.subscription',
      action: 'subscribe',
      requestId: 'bad',
      instrumentIds: [MSFT.id],
      entries: ['trade'],
      depth: 1,
      updates: true
    });
    await until(() => errors.length === 1, 3000, 'the reject');
    expect(errors[0]!.code).toBe(ErrorCode.VENUE_REJECTED);
    expect(errors[0]!.message).toMatch(/market data request bad rejected: .*MSFT/);
    expect(errors[0]!.context).toMatchObject({ requestId: 'bad', reason: '0' });
    conn.marketData.subscribe({
      type: 'md.subscription',
      action: 'subscribe',
      requestId: 'good',
      instrumentIds: [AAPL.id],
      entries: ['trade'],
      depth: 1,
      updates: true
    });
    quote(T0, 5_000, 1, 5_001, 1);
    await until(() => quotes(got).length === 1, 3000, 'a quote on the good subscription');
    expect(venue.marketData.stats).toEqual({ requests: 1, rejected: 1 });
  });

  it('after a dropped connection the re-logon subscribes again and the fresh snapshot is quoted again', async () => {
    const { conn, got, quote, link } = await setup();
    conn.marketData.subscribe({
      type: 'md.subscription',
      action: 'subscribe',
      requestId: 'r',
      instrumentIds: [AAPL.id],
      entries: ['trade'],
      depth: 1,
      updates: true
    });
    const logons: number[] = [];
    conn.session.on('fix.loggedOn', (e) => void logons.push(e.nextIn));
    await conn.preflight();
    quote(T0, 7_000, 10, 7_002, 10);
    await until(() => quotes(got).length === 1, 3000, 'the first quote');
    link.cut();
    await until(() => logons.length === 1, 5000, 'the re-logon');
    // the venue ended the old subscription with the session; the new one starts from its snapshot
    await until(() => quotes(got).length === 2, 3000, 'the snapshot after the re-logon');
    quote(T0 + 1n, 7_001, 10, 7_002, 10);
    await until(() => quotes(got).length === 3, 3000, 'a change after the re-logon');
    expect(quotes(got)).toEqual([
      [7_000, 10, 7_002, 10],
      [7_000, 10, 7_002, 10],
      [7_001, 10, 7_002, 10]
    ]);
  });
});

describe('FixMarketDataGateway depth (MarketDepth 264): the real LOBSTER AAPL book over a FIX 4.2 session', () => {
  const LOB = LOBSTER_AAPL;
  const ob = aaplOrderbookRows();
  const side = ob.side;
  const publish = (venue: FixLocalVenue, r: number): void =>
    venue.book(LOB.id, side(r, 'buy'), side(r, 'sell'), T0 + BigInt(r));

  for (const depth of [10, 3]) {
    it(`depth ${depth}: after every snapshot or refresh the gateway's book is the file's row cut to ${depth} levels, and every change of the top is a quote`, async () => {
      const { venue, conn, got } = await setup({ inst: LOB, depth });
      const view = (): BookView => conn.marketData.book!(LOB.id)!;
      /** The rows a subscriber at this depth hears about: the first (in the snapshot), then each that differs within it. */
      const cut = (r: number) =>
        JSON.stringify([side(r, 'buy').slice(0, depth), side(r, 'sell').slice(0, depth)]);
      const heard = [0];
      for (let r = 1; r < ob.rows; r++) if (cut(r) !== cut(heard.at(-1)!)) heard.push(r);
      expect(heard.length).toBeGreaterThan(depth === 3 ? 400 : 900); // the sample moves the top levels a lot
      // checked as each message is handled (the gateway's own listener ran first), not only at the end
      const mismatched: number[] = [];
      let k = 0;
      conn.session.on('fix.app', (e) => {
        if (
          e.msg.msgType !== MsgType.MarketDataSnapshotFullRefresh &&
          e.msg.msgType !== MsgType.MarketDataIncrementalRefresh
        )
          return;
        const r = heard[k++]!;
        const b = view();
        if (
          JSON.stringify([b.levels('buy', 100), b.levels('sell', 100)]) !==
          JSON.stringify([side(r, 'buy').slice(0, depth), side(r, 'sell').slice(0, depth)])
        )
          mismatched.push(r);
      });
      publish(venue, 0); // before the subscription: its snapshot carries it
      conn.marketData.subscribe({
        type: 'md.subscription',
        action: 'subscribe',
        requestId: 'depth',
        instrumentIds: [LOB.id],
        entries: ['trade'],
        depth: 1, // the gateway asks for its own depth whatever a subscription says
        updates: true
      });
      await conn.preflight();
      await until(() => k === 1, 3000, 'the snapshot');
      for (let r = 1; r < ob.rows; r++) publish(venue, r);
      await until(() => k === heard.length, 10_000, `${heard.length} messages`);
      expect(mismatched).toEqual([]);
      expect(view().bestBid()).toBe(side(ob.rows - 1, 'buy')[0]!.px);
      const tops: number[][] = [];
      for (let r = 0; r < ob.rows; r++)
        if (JSON.stringify(ob.top(r)) !== JSON.stringify(tops.at(-1))) tops.push(ob.top(r));
      expect(quotes(got)).toEqual(tops);
    });
  }

  it('the book empties when the session drops and the re-logon snapshot refills it', async () => {
    const { venue, conn, link } = await setup({ inst: LOB, depth: 5 });
    conn.marketData.subscribe({
      type: 'md.subscription',
      action: 'subscribe',
      requestId: 'r',
      instrumentIds: [LOB.id],
      entries: ['trade'],
      depth: 1,
      updates: true
    });
    await conn.preflight();
    publish(venue, 0);
    await until(() => conn.marketData.book?.(LOB.id)?.bestBid() === side(0, 'buy')[0]!.px, 3000, 'the book');
    const view = conn.marketData.book!(LOB.id)!;
    const atDrop: number[] = [];
    conn.session.on(
      'fix.disconnected',
      () => void atDrop.push(view.depthQty('buy', 5), view.depthQty('sell', 5))
    );
    link.cut();
    await until(() => atDrop.length > 0, 3000, 'the drop');
    expect(atDrop).toEqual([0, 0]); // no stale book while there is no feed
    publish(venue, 1); // while down: the re-logon's snapshot carries it
    await until(() => view.levels('buy', 5).length === 5, 5000, 'the snapshot after the re-logon');
    expect(view.levels('buy', 5)).toEqual(side(1, 'buy').slice(0, 5));
    expect(view.levels('sell', 5)).toEqual(side(1, 'sell').slice(0, 5));
    expect(conn.marketData.book?.(MSFT.id)).toBeUndefined(); // nothing was received for it
  });
});

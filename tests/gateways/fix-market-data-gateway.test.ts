import { describe, expect, it } from 'vitest';
import { ErrorCode, type TradestateError } from '../../src/core/errors.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import { NS_PER_MIN, NS_PER_SEC } from '../../src/core/nanos.ts';
import type { MarketData } from '../../src/messages/market-data.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { FixLocalVenue } from '../../src/venue/fix-local/fix-local.venue.ts';
import { cleanupAfterEach, loopbackFixClient } from '../support/fix-loopback.ts';
import { proxy } from '../support/tcp-proxy.ts';
import { until } from '../support/until.ts';
import { dict } from './fix-support.ts';

const spec = { venue: 'FIXLOCAL', tickSize: '0.01', lotSize: '1', currency: 'USD' } as const;
const AAPL = makeInstrument({ symbol: 'AAPL', ...spec });
const MSFT = makeInstrument({ symbol: 'MSFT', ...spec }); // the client knows it, the venue does not
const clock = new LiveClock();
const T0 = 1_709_650_800n * NS_PER_SEC; // 2024-03-05T15:00:00Z: replayed history, long past for the clock
const cleanup = cleanupAfterEach();

async function setup() {
  const venue = new FixLocalVenue({ instruments: [AAPL], clock, dictionary: dict, seed: 5 });
  await venue.start();
  cleanup.push(() => venue.stop());
  const link = await proxy(venue.port);
  cleanup.push(() => link.close());
  // no marketData given: the connection's market data is FIX market data on the same session
  const conn = loopbackFixClient(cleanup, link.port, [AAPL, MSFT], {
    senderCompId: venue.targetCompId,
    targetCompId: venue.senderCompId,
    clock
  });
  const got: MarketData[] = [];
  const errors: TradestateError[] = [];
  conn.marketData.marketData$.subscribe((m) => got.push(m));
  conn.marketData.errors$.subscribe((e) => errors.push(e));
  const quote = (at: bigint, bidPx: number, bidSz: number, askPx: number, askSz: number): void =>
    venue.quote({
      type: 'market.quote',
      instrumentId: AAPL.id,
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
      instrumentId: AAPL.id,
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

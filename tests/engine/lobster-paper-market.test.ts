import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeLobsterMessages } from '../../src/book/lobster.codec.ts';
import type { RunConfig } from '../../src/config/schema.ts';
import { makeInstrument } from '../../src/core/instrument.ts';
import type { LobsterData } from '../../src/engine/lobster-drive.ts';
import { LobsterPaperMarket } from '../../src/engine/lobster-paper-market.ts';
import type { MarketData } from '../../src/messages/market-data.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { FixLocalVenue } from '../../src/venue/fix-local/fix-local.venue.ts';
import { dict } from '../gateways/fix-support.ts';
import { caught } from '../support/caught.ts';
import { cleanupAfterEach, loopbackFixClient } from '../support/fix-loopback.ts';
import { aaplOrderbookRows, LOBSTER_AAPL } from '../support/lobster-rows.ts';
import { smallConfig } from '../support/run-config.ts';
import { sharedData } from '../support/shared-data.ts';
import { until } from '../support/until.ts';

const MESSAGES = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_message_10.first999.csv');
const ORDERBOOK = sharedData('lobster', 'AAPL_2012-06-21_34200000_57600000_orderbook_10.first999.csv');
const AAPL = LOBSTER_AAPL;
const clock = new LiveClock();
const cleanup = cleanupAfterEach();

const lobsterData = (over: Record<string, unknown> = {}): LobsterData => {
  const c: RunConfig = smallConfig({
    data: { kind: 'lobster', symbol: 'AAPL', messages: MESSAGES, orderbook: ORDERBOOK, ...over }
  });
  if (c.data.kind !== 'lobster') throw new Error('not lobster');
  return c.data;
};

/** The built-in FIX venue, and a client subscribed to AAPL's book at depth 10 and its trades. */
async function market(speed: number) {
  const venue = new FixLocalVenue({ instruments: [AAPL], clock, dictionary: dict, seed: 3 });
  const tape = new LobsterPaperMarket({ data: lobsterData(), instrument: AAPL, venue, clock, speed });
  await venue.start();
  cleanup.push(() => venue.stop());
  cleanup.push(() => tape.stop());
  const conn = loopbackFixClient(cleanup, venue.port, [AAPL], {
    senderCompId: venue.targetCompId,
    targetCompId: venue.senderCompId,
    clock,
    depth: 10
  });
  const got: MarketData[] = [];
  conn.marketData.marketData$.subscribe((m) => got.push(m));
  return { venue, tape, conn, got };
}

const subscribe = (conn: ReturnType<typeof loopbackFixClient>): void =>
  conn.marketData.subscribe({
    type: 'md.subscription',
    action: 'subscribe',
    requestId: 'tape',
    instrumentIds: [AAPL.id],
    entries: ['trade'],
    depth: 10,
    updates: true
  });

describe('LobsterPaperMarket: a LOBSTER file replayed as a live market into the built-in FIX venue', () => {
  it('waits for a subscriber, then replays every message at its pace: the client sees each top change, every execution as a print, and ends on the last row', async () => {
    const { tape, conn, got } = await market(1_000);
    const run = tape.run();
    await new Promise((r) => setTimeout(r, 50));
    expect(tape.published).toBe(0); // nobody has asked for the market yet
    subscribe(conn);
    await conn.preflight();
    const t0 = performance.now();
    expect(await run).toBe(999);
    // the sample spans 49.08 s of data: at 1,000× that is at least 49 ms of wall time
    expect(performance.now() - t0).toBeGreaterThanOrEqual(45);
    const ob = aaplOrderbookRows();
    const msgs = decodeLobsterMessages(readFileSync(MESSAGES));
    const prints: number[][] = [];
    for (let i = 0; i < msgs.length; i++)
      if (msgs.type[i] === 4 || msgs.type[i] === 5) prints.push([msgs.price[i]!, msgs.size[i]!]);
    await until(
      () => got.filter((m) => m.type === 'market.trade').length === prints.length,
      5_000,
      `${prints.length} prints`
    );
    expect(prints.length).toBeGreaterThan(20);
    // FIX 4.2 market data has no aggressor side: price and size, in the file's order
    const seen = got.flatMap((m) => (m.type === 'market.trade' ? [m] : []));
    expect(seen.map((t) => [t.px, t.sz])).toEqual(prints);
    expect(new Set(seen.map((t) => t.aggressor))).toEqual(new Set(['none']));
    // each top change of the file's rows was a quote (every row checked against the file)
    const tops: number[][] = [];
    for (let r = 0; r < ob.rows; r++)
      if (JSON.stringify(ob.top(r)) !== JSON.stringify(tops.at(-1))) tops.push(ob.top(r));
    await until(
      () => got.filter((m) => m.type === 'market.quote').length === tops.length,
      5_000,
      'the quotes'
    );
    expect(
      got.flatMap((m) => (m.type === 'market.quote' ? [[m.bidPx, m.bidSz, m.askPx, m.askSz]] : []))
    ).toEqual(tops);
    const book = conn.marketData.book!(AAPL.id)!;
    expect([book.levels('buy', 10), book.levels('sell', 10)]).toEqual([
      ob.side(ob.rows - 1, 'buy'),
      ob.side(ob.rows - 1, 'sell')
    ]);
    // re-stamped to the wall clock
    const last = got.at(-1)!;
    expect(Number(clock.now() - last.tsEvent) / 1e9).toBeLessThan(60);
  });

  it('stop ends a replay that is waiting for its next message at once', async () => {
    const { tape, conn } = await market(0.001); // the second message is 4 ms of data away: 4 s of wall time
    subscribe(conn);
    await conn.preflight();
    const run = tape.run();
    await until(() => tape.published === 1, 3_000, 'the first message');
    const t0 = performance.now();
    tape.stop();
    expect(await run).toBe(1);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  it('refuses a tick other than 0.0001 (TRD_ERR_CONFIG_INVALID) and a missing file (TRD_ERR_DATA_NOT_FOUND) before anything runs', async () => {
    const cent = makeInstrument({
      symbol: 'AAPL',
      venue: 'FIXLOCAL',
      tickSize: '0.01',
      lotSize: '1',
      currency: 'USD'
    });
    const venue = new FixLocalVenue({ instruments: [AAPL], clock, dictionary: dict });
    const make =
      (instrument = AAPL, over: Record<string, unknown> = {}) =>
      () =>
        new LobsterPaperMarket({ data: lobsterData(over), instrument, venue, clock, speed: 1 });
    expect(caught(make(cent))).toMatchObject({
      code: 'TRD_ERR_CONFIG_INVALID',
      message: /tickSize must be 0\.0001/
    });
    expect(caught(make(AAPL, { orderbook: '/no/such/orderbook.csv' }))).toMatchObject({
      code: 'TRD_ERR_DATA_NOT_FOUND',
      message: /\/no\/such\/orderbook\.csv/
    });
  });
});

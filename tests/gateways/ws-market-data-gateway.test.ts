import { afterEach, describe, expect, it } from 'vitest';
import { Rng } from '../../src/core/rng.ts';
import { binanceAdapter } from '../../src/gateways/ws/adapters.ts';
import { binanceDepthFetcher } from '../../src/gateways/ws/binance-rest.ts';
import { WsFeed } from '../../src/gateways/ws/ws-feed.ts';
import { WsMarketDataGateway } from '../../src/gateways/ws/ws-market-data.gateway.ts';
import type { MarketData } from '../../src/messages/market-data.ts';
import { LiveClock } from '../../src/time/clock.ts';
import { binanceReplay } from './support/binance-replay.ts';
import { BINANCE_US, until } from './support/ws-harness.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const f of cleanup.splice(0)) await f();
});

describe('WsMarketDataGateway', () => {
  it('takes canonical subscriptions and emits only canonical market data of the subscribed instruments', async () => {
    const server = await binanceReplay('BINANCE_US.ws.1.0', 'BINANCE_US.http.0.0');
    cleanup.push(() => server.close());
    const clock = new LiveClock();
    const feed = new WsFeed({
      url: server.wsUrl,
      adapter: binanceAdapter(BINANCE_US, binanceDepthFetcher(server.restUrl), clock),
      clock,
      rng: new Rng(5),
      pingMs: 1000,
      staleMs: 2000,
      backoff: { minMs: 10, maxMs: 40 }
    });
    cleanup.push(() => feed.stop());
    const gateway = new WsMarketDataGateway(feed, BINANCE_US);
    const seen: MarketData[] = [];
    gateway.marketData$.subscribe((m) => seen.push(m));
    gateway.subscribe({
      type: 'md.subscription',
      action: 'subscribe',
      requestId: 'r1',
      instrumentIds: ['CRVUSDT@BINANCE_US'],
      entries: ['bid', 'offer'],
      depth: 0,
      updates: true
    });
    feed.start();
    await until(() => seen.length > 50);
    expect(new Set(seen.map((m) => m.instrumentId))).toEqual(new Set(['CRVUSDT@BINANCE_US']));
    expect(
      seen.every(
        (m) => m.type === 'market.book_delta' && Number.isSafeInteger(m.px) && typeof m.tsEvent === 'bigint'
      )
    ).toBe(true);
    expect(() =>
      gateway.subscribe({
        type: 'md.subscription',
        action: 'subscribe',
        requestId: 'r2',
        instrumentIds: ['NOPE@BINANCE_US'],
        entries: ['trade'],
        depth: 1,
        updates: true
      })
    ).toThrow(expect.objectContaining({ code: 'TRD_ERR_UNKNOWN_INSTRUMENT' }));
  });
});

import { describe, expect, it } from 'vitest';
import { makeInstrument } from '../../../src/core/instrument.ts';
import { type AlpacaConnection, connectAlpaca } from '../../../src/gateways/alpaca/alpaca-connection.ts';
import { LiveClock } from '../../../src/time/clock.ts';
import {
  call,
  AAPL as LOCAL_AAPL,
  BTC as LOCAL_BTC,
  orderBody,
  startVenue
} from '../../venue/alpaca-local/support.ts';
import { entityExample } from './support/alpaca-docs.ts';
import { AlpacaTestServer, closedAfterEach, KEY, SECRET } from './support/alpaca-test-server.ts';

const cleanup = closedAfterEach();

const inst = (symbol: string, tickSize: string, lotSize: string) =>
  makeInstrument({ symbol, venue: 'ALPACA', tickSize, lotSize, currency: 'USD' });

function connect(
  endpoints: { tradingUrl: string; tradingStreamUrl: string; keyId: string; secretKey: string },
  instruments: ReturnType<typeof inst>[]
): AlpacaConnection {
  const c = connectAlpaca({
    ...endpoints,
    dataUrl: 'ws://127.0.0.1:1/none', // no market data here
    instruments,
    clock: new LiveClock(),
    seed: 1
  });
  cleanup.push(() => c.close());
  return c;
}

describe('positions()', () => {
  it('matches the documented positions to instruments by symbol without the "/" (BTCUSD is BTC/USD)', async () => {
    const server = await AlpacaTestServer.start({ keyId: KEY, secretKey: SECRET });
    cleanup.push(() => server.close());
    const equity = entityExample('position') as Record<string, unknown>; // "AAPL " (sic), 5
    const crypto = entityExample('position-crypto') as Record<string, unknown>; // "BTCUSD", 2.61937
    expect([equity['symbol'], crypto['symbol']]).toEqual(['AAPL ', 'BTCUSD']);
    server.intercept = (r) =>
      r.path === '/v2/positions'
        ? { status: 200, body: [equity, crypto, { ...equity, symbol: 'MSFT', qty: '7' }] }
        : undefined;
    const c = connect(
      { tradingUrl: server.httpUrl, tradingStreamUrl: server.wsUrl, keyId: KEY, secretKey: SECRET },
      [inst('AAPL', '0.01', '1'), inst('BTC/USD', '0.01', '0.00001')]
    );
    // MSFT is no instrument of ours: left out
    expect(await c.positions()).toEqual({ 'AAPL@ALPACA': 5, 'BTC/USD@ALPACA': 261_937 });
  });

  it('two instruments Alpaca names alike (BTC/USD and BTCUSD) are refused at connect: CONFIG_INVALID', () => {
    const endpoints = {
      tradingUrl: 'http://127.0.0.1:1',
      tradingStreamUrl: 'ws://127.0.0.1:1',
      keyId: KEY,
      secretKey: SECRET
    };
    let err: unknown;
    try {
      connect(endpoints, [
        inst('BTC/USD', '0.01', '0.00001'),
        inst('AAPL', '0.01', '1'),
        inst('btcusd', '0.01', '0.00001')
      ]);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'TRD_ERR_CONFIG_INVALID',
      context: { symbols: ['BTC/USD', 'btcusd'], key: 'BTCUSD' }
    });
  });

  it('against the local Alpaca, which names a crypto position as Alpaca does (BTCUSD)', async () => {
    const { v } = await startVenue({ initialCash: '1000000' });
    cleanup.push(() => v.stop());
    v.quote('BTC/USD', '60000.00', '60000.50', '5', '5');
    v.quote('AAPL', '100.00', '100.01', '500', '500');
    const buy = await call(
      v,
      'POST',
      '/v2/orders',
      orderBody({ symbol: 'BTC/USD', qty: '0.25', time_in_force: 'gtc' })
    );
    expect(buy.status).toBe(200);
    await call(v, 'POST', '/v2/orders', orderBody({ qty: '3' }));
    const venue = await call(v, 'GET', '/v2/positions');
    expect(venue.json.map((p: { symbol: string; qty: string }) => [p.symbol, p.qty])).toEqual(
      expect.arrayContaining([
        ['BTCUSD', '0.2500'],
        ['AAPL', '3']
      ])
    );
    expect((await call(v, 'GET', '/v2/positions/BTCUSD')).json.symbol).toBe('BTCUSD');
    const c = connect({ tradingUrl: v.url, tradingStreamUrl: v.streamUrl, ...v.credentials }, [
      LOCAL_AAPL,
      LOCAL_BTC
    ]);
    expect(await c.positions()).toEqual({ 'AAPL@ALPACA': 3, 'BTC/USD@ALPACA': 2_500 });
  });
});

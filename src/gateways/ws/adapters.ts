import { ErrorCode, isTradestateError } from '../../core/errors.ts';
import type { Nanos } from '../../core/nanos.ts';
import type { Clock } from '../../time/clock.ts';
import type { InstrumentMap } from '../fix/app-messages.ts';
import { alpacaAuth, alpacaSubscribe, decodeAlpaca } from './alpaca.codec.ts';
import { BinanceBookSync, decodeBinance, decodeBinanceSnapshot } from './binance.codec.ts';
import { coinbaseSubscribe, coinbaseUnsubscribe, decodeCoinbase } from './coinbase.codec.ts';
import type { AdapterResult, WsFeedAdapter } from './ws-feed.ts';

/**
 * Coinbase legacy level2 + matches. No sequence numbers on this channel: an update for a product
 * whose snapshot has not arrived on this connection means lost sync → resync.
 */
export function coinbaseAdapter(instruments: InstrumentMap): WsFeedAdapter {
  let seq = 0;
  let snapped = new Set<string>();
  return {
    venue: 'coinbase',
    needsAuth: false,
    hello: () => [],
    subscribe: (s) => [coinbaseSubscribe(s)],
    unsubscribe: (s) => [coinbaseUnsubscribe(s)],
    reset: () => {
      snapped = new Set();
    },
    decode: (text: string, tsInit: Nanos): AdapterResult => {
      const f = decodeCoinbase(text, instruments, seq + 1, tsInit);
      if (f.kind === 'error') return { data: [], fatal: f.message };
      if (f.kind !== 'data') return { data: [] };
      seq++;
      if (f.snapshot) snapped.add(f.productId);
      else if (f.items[0]?.type === 'market.book_delta' && !snapped.has(f.productId))
        return { data: [], resync: true };
      return { data: f.items };
    }
  };
}

/**
 * Binance spot diff-depth (combined streams). Depth events are buffered per symbol until the REST
 * snapshot (fetched through the injected `fetchSnapshot`, e.g. undici in production) has been applied
 * by {@link BinanceBookSync}; a gap resyncs.
 */
export function binanceAdapter(
  instruments: InstrumentMap,
  fetchSnapshot: (symbol: string) => Promise<string>,
  clock: Clock
): WsFeedAdapter {
  let books = new Map<string, BinanceBookSync>();
  let push: (r: AdapterResult) => void = () => {};
  let generation = 0;
  const syncFor = (symbol: string): BinanceBookSync => {
    let b = books.get(symbol);
    if (!b) {
      b = new BinanceBookSync(instruments.bySymbol(symbol));
      books.set(symbol, b);
      const gen = generation;
      const book = b;
      fetchSnapshot(symbol).then(
        (text) => {
          if (gen !== generation) return;
          try {
            push({ data: book.onSnapshot(decodeBinanceSnapshot(text), clock.now()) });
          } catch (e) {
            if (isTradestateError(e, ErrorCode.BOOK_SEQUENCE_GAP)) push({ data: [], resync: true });
            else push({ data: [], resync: true });
          }
        },
        () => gen === generation && push({ data: [], resync: true })
      );
    }
    return b;
  };
  const streams = (s: readonly string[]): string[] => s.map((x) => `${x.toLowerCase()}@depth@100ms`);
  return {
    venue: 'binance',
    needsAuth: false,
    hello: () => [],
    subscribe: (s) => [JSON.stringify({ method: 'SUBSCRIBE', params: streams(s), id: 1 })],
    unsubscribe: (s) => [JSON.stringify({ method: 'UNSUBSCRIBE', params: streams(s), id: 2 })],
    reset: (p) => {
      generation++;
      books = new Map();
      push = p;
    },
    decode: (text, tsInit) => {
      const f = decodeBinance(text, instruments, tsInit);
      if (f.kind === 'data') return { data: f.items };
      if (f.kind !== 'depth') return { data: [] };
      try {
        return { data: syncFor(f.update.symbol).onUpdate(f.update, tsInit) };
      } catch (e) {
        if (isTradestateError(e, ErrorCode.BOOK_SEQUENCE_GAP)) return { data: [], resync: true };
        throw e;
      }
    }
  };
}

/** Alpaca market-data stream v2: auth first, then subscribe trades and quotes (bars too when asked). */
export function alpacaAdapter(
  instruments: InstrumentMap,
  creds: { key: string; secret: string },
  channels: { trades?: boolean; quotes?: boolean; bars?: boolean } = { trades: true, quotes: true }
): WsFeedAdapter {
  const sub = (action: 'subscribe' | 'unsubscribe', s: readonly string[]): string[] => [
    alpacaSubscribe(action, {
      ...(channels.trades ? { trades: [...s] } : {}),
      ...(channels.quotes ? { quotes: [...s] } : {}),
      ...(channels.bars ? { bars: [...s] } : {})
    })
  ];
  return {
    venue: 'alpaca',
    needsAuth: true,
    hello: () => [alpacaAuth(creds.key, creds.secret)],
    subscribe: (s) => sub('subscribe', s),
    unsubscribe: (s) => sub('unsubscribe', s),
    reset: () => {},
    decode: (text, tsInit) => {
      const f = decodeAlpaca(text, instruments, tsInit);
      const err = f.control.find((c) => c.kind === 'error');
      if (err && err.kind === 'error' && [401, 402, 404, 406, 409].includes(err.code)) {
        return { data: f.data, fatal: `alpaca error ${err.code}: ${err.msg}` };
      }
      return { data: f.data, authed: f.control.some((c) => c.kind === 'authenticated') };
    }
  };
}

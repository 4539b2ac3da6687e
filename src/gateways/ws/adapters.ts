import { isTradestateError, TradestateError } from '../../core/errors.ts';
import type { Nanos } from '../../core/nanos.ts';
import type { WsFrameEvent } from '../../machines/ws-feed.machine.ts';
import type { Clock } from '../../time/clock.ts';
import type { InstrumentMap } from '../fix/app-messages.ts';
import { alpacaAuth, alpacaSubscribe, decodeAlpaca } from './alpaca.codec.ts';
import { BinanceBookSync, decodeBinance, decodeBinanceSnapshot, depthDeltas } from './binance.codec.ts';
import { coinbaseSubscribe, coinbaseUnsubscribe, decodeCoinbase } from './coinbase.codec.ts';
import type { WsFeedAdapter } from './ws-feed.ts';

/**
 * Coinbase legacy level2 + matches. Each subscription brings the product's snapshot. There are no
 * sequence numbers on this channel (`seq` of the deltas is the adapter's delivery counter), so an update
 * for a product with no snapshot on this connection means lost sync, and the only recovery is a new
 * connection (`resyncBy: 'reconnect'`).
 */
export function coinbaseAdapter(instruments: InstrumentMap): WsFeedAdapter {
  let seq = 0;
  return {
    venue: 'coinbase',
    needsAuth: false,
    books: true,
    resyncBy: 'reconnect',
    hello: () => [],
    subscribe: (s) => [coinbaseSubscribe(s)],
    unsubscribe: (s) => [coinbaseUnsubscribe(s)],
    reset: () => {},
    decode: (text: string, tsInit: Nanos): WsFrameEvent[] => {
      const f = decodeCoinbase(text, instruments, seq + 1, tsInit);
      if (f.kind === 'subscriptions') return [{ type: 'frame.subscribed' }];
      if (f.kind === 'error')
        return [{ type: 'frame.venueError', code: 0, msg: f.message, fatal: true, resync: false }];
      if (f.kind !== 'data') return [];
      seq++;
      if (f.snapshot) return [{ type: 'frame.snapshot', symbol: f.productId, items: f.items }];
      if (f.items[0]?.type === 'market.book_delta')
        return [{ type: 'frame.incremental', symbol: f.productId, items: f.items }];
      return [{ type: 'frame.data', items: f.items }];
    }
  };
}

/**
 * Binance spot diff-depth (combined streams), synced by Binance's "manage a local order book" rules.
 * The first depth event of a symbol on a connection starts a REST snapshot fetch (the injected
 * `fetchSnapshot`, e.g. {@link binanceDepthFetcher} over undici); events are buffered by a
 * {@link BinanceBookSync} until it is applied, which yields one `frame.snapshot` (snapshot plus the
 * buffered events, `seq` = the book's update id). Later events go out as `frame.incremental` with
 * `[U, u]` for the machine's sequence check; a gap there comes back as `requestSnapshot` (fetch again).
 * A failed fetch, or a snapshot that does not fit the buffered events, is `frame.snapshotFailed`.
 * Only symbols subscribed on the connection are synced: depth events that were still in flight when an
 * UNSUBSCRIBE was sent are dropped (they start no fetch), and a SUBSCRIBE starts the symbol's sync afresh
 * (its next event fetches a new snapshot). A new connection, or the feed's stop, aborts the fetches still under
 * way (their `signal`): their answers would be ignored anyway.
 */
export function binanceAdapter(
  instruments: InstrumentMap,
  fetchSnapshot: (symbol: string, signal?: AbortSignal) => Promise<string>,
  clock: Clock
): WsFeedAdapter {
  let pending = new Map<string, BinanceBookSync>();
  let live = new Set<string>();
  /** Symbols subscribed on this connection. */
  let wanted = new Set<string>();
  /** Forget a symbol's sync (a fetch under way is then ignored). */
  const forget = (symbols: readonly string[]): void => {
    for (const x of symbols) {
      pending.delete(x);
      live.delete(x);
    }
  };
  let push: (events: WsFrameEvent[]) => void = () => {};
  let generation = 0;
  /** Aborts the fetches of this connection. */
  let fetches = new AbortController();
  /** The fetches under way are of no use any more (a new connection, or the feed stopped): abort them. */
  const abandon = (): void => {
    generation++;
    fetches.abort();
    fetches = new AbortController();
  };
  const startSync = (symbol: string): BinanceBookSync => {
    live.delete(symbol);
    const book = new BinanceBookSync(instruments.bySymbol(symbol));
    pending.set(symbol, book);
    const gen = generation;
    const current = (): boolean => gen === generation && pending.get(symbol) === book;
    const failed = (reason: string): void => {
      pending.delete(symbol);
      push([{ type: 'frame.snapshotFailed', symbol, reason }]);
    };
    fetchSnapshot(symbol, fetches.signal).then(
      (text) => {
        if (!current()) return;
        let items: WsFrameEvent[];
        try {
          const deltas = book.onSnapshot(decodeBinanceSnapshot(text), clock.now());
          items = [{ type: 'frame.snapshot', symbol, seq: book.lastId, items: deltas }];
        } catch (e) {
          failed(isTradestateError(e) ? e.code : String(e));
          return;
        }
        pending.delete(symbol);
        live.add(symbol);
        push(items);
      },
      (e: unknown) => {
        if (current()) failed(isTradestateError(e) ? e.code : String(e));
      }
    );
    return book;
  };
  const streams = (s: readonly string[]): string[] => s.map((x) => `${x.toLowerCase()}@depth@100ms`);
  let requestId = 0;
  return {
    venue: 'binance',
    needsAuth: false,
    books: true,
    resyncBy: 'snapshot',
    hello: () => [],
    subscribe: (s) => {
      forget(s);
      for (const x of s) wanted.add(x);
      return [JSON.stringify({ method: 'SUBSCRIBE', params: streams(s), id: ++requestId })];
    },
    unsubscribe: (s) => {
      forget(s);
      for (const x of s) wanted.delete(x);
      return [JSON.stringify({ method: 'UNSUBSCRIBE', params: streams(s), id: ++requestId })];
    },
    requestSnapshot: (symbol) => {
      if (wanted.has(symbol)) startSync(symbol);
      return [];
    },
    reset: (p) => {
      abandon();
      pending = new Map();
      live = new Set();
      wanted = new Set();
      push = p;
    },
    close: abandon,
    decode: (text, tsInit) => {
      const f = decodeBinance(text, instruments, tsInit);
      switch (f.kind) {
        case 'data':
          return [{ type: 'frame.data', items: f.items }];
        case 'ack':
          return [{ type: 'frame.subscribed' }];
        case 'error':
          return [{ type: 'frame.venueError', code: f.code, msg: f.msg, fatal: false, resync: false }];
        case 'ignored':
          return [];
      }
      const u = f.update;
      if (!wanted.has(u.symbol)) return []; // sent before the venue handled our UNSUBSCRIBE
      if (live.has(u.symbol)) {
        const items = depthDeltas(instruments.bySymbol(u.symbol), u, tsInit);
        return [{ type: 'frame.incremental', symbol: u.symbol, first: u.firstId, last: u.finalId, items }];
      }
      (pending.get(u.symbol) ?? startSync(u.symbol)).onUpdate(u, tsInit);
      return [];
    }
  };
}

/**
 * One error for the refused messages of a frame: the first one's, with `refused` (how many) in the context
 * when there were more, so a frame counts once toward error limits however many of its messages failed.
 */
function refusedMessages(errors: readonly TradestateError[]): TradestateError | undefined {
  const [first] = errors;
  if (first === undefined || errors.length === 1) return first;
  return new TradestateError(
    first.code,
    `${first.message} (and ${errors.length - 1} more messages of the frame refused)`,
    { ...first.context, refused: errors.length },
    { cause: first }
  );
}

/** Alpaca error codes after which reconnecting cannot help (docs: market-data stream v2). */
const ALPACA_FATAL = new Set([401, 404, 408, 409]);
/**
 * Alpaca error codes that refuse the session for now: 406 connection limit exceeded. Alpaca allows one
 * session per key and keeps counting a dropped one until it notices the dead peer, so the reconnect after a
 * drop (or a restart after a crash) is often refused: back off and retry, within `maxReconnects`.
 */
const ALPACA_RETRY = new Set([406]);
/** Alpaca error codes that mean data was lost: 407 slow client. */
const ALPACA_RESYNC = new Set([407]);
/** Alpaca error codes that refuse a subscription request: 405 symbol limit exceeded, 410 invalid subscribe action. */
const ALPACA_REFUSED = new Set([405, 410]);

/**
 * Alpaca market-data stream v2: auth first (`402 auth failed` stops the feed), then subscribe trades and
 * quotes (bars too when asked) for every symbol. No books; trades, quotes and bars are `frame.data`.
 * Messages of a frame the codec refuses cost only themselves: the rest of the frame is delivered, and the
 * frame gives one `frame.invalid` (one error on `errors$`, as a frame that is not JSON does).
 */
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
    books: false,
    resyncBy: 'reconnect',
    hello: () => [alpacaAuth(creds.key, creds.secret)],
    subscribe: (s) => sub('subscribe', s),
    unsubscribe: (s) => sub('unsubscribe', s),
    reset: () => {},
    decode: (text, tsInit) => {
      const f = decodeAlpaca(text, instruments, tsInit);
      const out: WsFrameEvent[] = [];
      for (const c of f.control) {
        if (c.kind === 'authenticated') out.push({ type: 'frame.authenticated' });
        else if (c.kind === 'subscription')
          out.push({
            type: 'frame.subscribed',
            symbols: [...new Set([...c.trades, ...c.quotes, ...c.bars])]
          });
        else if (c.kind === 'error' && c.code === 402)
          out.push({ type: 'frame.authFailed', code: c.code, msg: c.msg });
        else if (c.kind === 'error')
          out.push({
            type: 'frame.venueError',
            code: c.code,
            msg: c.msg,
            fatal: ALPACA_FATAL.has(c.code),
            resync: ALPACA_RESYNC.has(c.code),
            refused: ALPACA_REFUSED.has(c.code),
            retry: ALPACA_RETRY.has(c.code)
          });
      }
      if (f.data.length > 0) out.push({ type: 'frame.data', items: f.data });
      const invalid = refusedMessages(f.errors);
      if (invalid) out.push({ type: 'frame.invalid', error: invalid });
      return out;
    }
  };
}

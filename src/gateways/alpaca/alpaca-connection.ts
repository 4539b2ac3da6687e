import type { Observable } from 'rxjs';
import { ErrorCode, TradestateError } from '../../core/errors.ts';
import { type Instrument, type Money, moneyFromDecimal, qtyToLots } from '../../core/instrument.ts';
import { Rng } from '../../core/rng.ts';
import type { Clock } from '../../time/clock.ts';
import { InstrumentMap } from '../fix/app-messages.ts';
import { alpacaAdapter } from '../ws/adapters.ts';
import { WsFeed } from '../ws/ws-feed.ts';
import { WsMarketDataGateway } from '../ws/ws-market-data.gateway.ts';
import { AlpacaExecutionGateway } from './alpaca-execution.gateway.ts';
import { AlpacaRestClient } from './alpaca-rest.client.ts';
import { alpacaSymbolKey } from './alpaca-trading.codec.ts';
import { TradeUpdatesStream } from './trade-updates.stream.ts';

/** Where Alpaca is and who we are. */
export interface AlpacaEndpoints {
  /** REST base, e.g. `https://paper-api.alpaca.markets`. */
  readonly tradingUrl: string;
  /** Trading stream (`trade_updates`), e.g. `wss://paper-api.alpaca.markets/stream`. */
  readonly tradingStreamUrl: string;
  /** Market-data stream v2, e.g. `wss://stream.data.alpaca.markets/v2/iex`. */
  readonly dataUrl: string;
  readonly keyId: string;
  readonly secretKey: string;
}

/** Options of {@link connectAlpaca}. */
export interface AlpacaConnectionOptions extends AlpacaEndpoints {
  readonly instruments: readonly Instrument[];
  readonly clock: Clock;
  /** Seeds the reconnect jitter of both streams. */
  readonly seed: number;
  /** REST attempt deadline (ms). Default: the client's. */
  readonly timeoutMs?: number;
  /** Stream reconnect backoff (ms). Default: the streams'. */
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  /** Open orders per GET /v2/orders page (1–500), for the orphan sweep and {@link AlpacaConnection.openOrders}. Default 500. */
  readonly openOrdersPageSize?: number;
  /** Subscribe quotes as well as minute bars (for strategies with `onQuote`). Default false. */
  readonly quotes?: boolean;
  /** Subscribe trades as well (for strategies with `onTrade`). Default false. */
  readonly trades?: boolean;
}

/** What a venue says about the account and the market before a session starts. */
export interface VenueStatus {
  readonly account: string;
  readonly status: string;
  readonly cash: string | undefined;
  readonly buyingPower: string | undefined;
  readonly marketOpen: boolean;
  readonly nextOpen: string;
  readonly nextClose: string;
}

/** An order open at the venue, as listed there. */
export interface OpenVenueOrder {
  readonly clientOrderId: string;
  readonly venueOrderId: string;
  readonly symbol: string;
  readonly status: string;
}

/** One Alpaca account's gateways: orders out and reports in, and minute bars. */
export interface AlpacaConnection {
  readonly name: string;
  readonly execution: AlpacaExecutionGateway;
  readonly marketData: WsMarketDataGateway;
  /** Fires each time the trading stream is live again after a reconnect (the gateway reconciles then). */
  readonly tradingReconnected$: Observable<number>;
  readonly rest: AlpacaRestClient;
  readonly tradeStream: TradeUpdatesStream;
  readonly dataFeed: WsFeed;
  /**
   * Check the account before trading (GET /v2/account and /v2/clock): wrong keys are `TRD_ERR_AUTH_FAILED`,
   * an unreachable venue `TRD_ERR_VENUE_UNAVAILABLE`, an account that may not trade `TRD_ERR_VENUE_REJECTED`.
   */
  preflight(): Promise<VenueStatus>;
  /**
   * Every open order at the venue (GET /v2/orders?status=open, page by page). `TRD_ERR_ORPHAN_ORDER` when the
   * paging cannot get past more than a page of orders sharing one `submitted_at`. An order the codec cannot
   * read in full does not fail the listing: it is listed from its raw `id`, `client_order_id`, `symbol` and
   * `status` when those are strings (so a stale order of ours can still be found and canceled), else left out.
   */
  openOrders(): Promise<OpenVenueOrder[]>;
  /** Cancel one order by its venue id (DELETE /v2/orders/{id}; never retried). */
  cancelVenueOrder(venueOrderId: string): Promise<void>;
  /**
   * The account's positions in our instruments, signed lots by instrument id (GET /v2/positions). A position
   * is matched to an instrument by symbol without the `/` (Alpaca names a crypto position `BTCUSD`, its orders
   * `BTC/USD`); positions in other symbols are left out.
   */
  positions(): Promise<Record<string, number>>;
  /** The account's cash (GET /v2/account `cash`), exact. */
  cash(): Promise<Money>;
  /** Stop both streams and the REST client's sockets. */
  close(): Promise<void>;
}

/**
 * Connect the Alpaca client stack: REST client, `trade_updates` stream, execution gateway, and the
 * market-data stream (minute bars of the instruments) behind the market-data gateway. The same code talks to
 * Alpaca's paper API and to the built-in local venue; only the endpoints differ. Nothing is subscribed yet.
 * Throws `TRD_ERR_CONFIG_INVALID` for two instruments Alpaca's answers cannot tell apart (`BTC/USD` and
 * `BTCUSD`: a position names both `BTCUSD`).
 */
export function connectAlpaca(o: AlpacaConnectionOptions): AlpacaConnection {
  const bySymbol = new Map<string, Instrument>();
  for (const i of o.instruments) {
    const key = alpacaSymbolKey(i.symbol);
    const other = bySymbol.get(key);
    if (other !== undefined)
      throw new TradestateError(
        ErrorCode.CONFIG_INVALID,
        `instruments ${other.symbol} and ${i.symbol} are one symbol to Alpaca (${key}): keep one`,
        { symbols: [other.symbol, i.symbol], key }
      );
    bySymbol.set(key, i);
  }
  const rng = new Rng(o.seed);
  const instruments = new InstrumentMap('ALPACA', o.instruments);
  const rest = new AlpacaRestClient({
    baseUrl: o.tradingUrl,
    keyId: o.keyId,
    secretKey: o.secretKey,
    ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {})
  });
  const tradeStream = new TradeUpdatesStream({
    url: o.tradingStreamUrl,
    keyId: o.keyId,
    secretKey: o.secretKey,
    clock: o.clock,
    rng: rng.fork('trade-updates'),
    ...(o.backoff ? { backoff: o.backoff } : {})
  });
  const pageSize = o.openOrdersPageSize ?? 500;
  const execution = new AlpacaExecutionGateway({
    rest,
    stream: tradeStream,
    instruments,
    clock: o.clock,
    openOrdersPageSize: pageSize
  });
  const { dataFeed, marketData } = connectAlpacaData({ ...o, rng: rng.fork('market-data') });
  tradeStream.start();
  return {
    name: 'alpaca',
    execution,
    marketData,
    tradingReconnected$: tradeStream.reconnected$,
    rest,
    tradeStream,
    dataFeed,
    preflight: async () => {
      const [account, clock] = await Promise.all([rest.getAccount(), rest.getClock()]);
      if (account.status !== 'ACTIVE' || account.trading_blocked || account.account_blocked) {
        throw new TradestateError(
          ErrorCode.VENUE_REJECTED,
          `alpaca account ${account.account_number ?? account.id} cannot trade (status ${account.status}${account.trading_blocked ? ', trading blocked' : ''}${account.account_blocked ? ', account blocked' : ''})`,
          { account: account.id, status: account.status }
        );
      }
      return {
        account: account.account_number ?? account.id,
        status: account.status,
        cash: account.cash,
        buyingPower: account.buying_power,
        marketOpen: clock.is_open,
        nextOpen: clock.next_open,
        nextClose: clock.next_close
      };
    },
    openOrders: async () => {
      const out: OpenVenueOrder[] = [];
      const r = await rest.forEachOpenOrderPage(
        pageSize,
        (orders) => {
          for (const v of orders)
            out.push({
              clientOrderId: v.client_order_id,
              venueOrderId: v.id,
              symbol: v.symbol,
              status: v.status
            });
        },
        (_e, _raw, ids) => {
          if (ids.orderId !== undefined && ids.clientOrderId !== undefined)
            out.push({
              clientOrderId: ids.clientOrderId,
              venueOrderId: ids.orderId,
              symbol: ids.symbol ?? '',
              status: ids.status ?? ''
            });
        }
      );
      if (r.stuckAt !== undefined) {
        throw new TradestateError(
          ErrorCode.ORPHAN_ORDER,
          `cannot list every open order: more than ${pageSize} were submitted at ${r.stuckAt}`,
          { checked: r.seen, stuckAt: r.stuckAt }
        );
      }
      return out;
    },
    cancelVenueOrder: (venueOrderId) => rest.cancelOrder(venueOrderId),
    cash: async () => {
      const account = await rest.getAccount();
      if (account.cash === undefined) {
        throw new TradestateError(ErrorCode.VENUE_REJECTED, 'the account answer has no cash', {
          account: account.id
        });
      }
      return moneyFromDecimal(account.cash);
    },
    positions: async () => {
      const out: Record<string, number> = {};
      for (const p of await rest.listPositions()) {
        const inst = bySymbol.get(alpacaSymbolKey(p.symbol));
        if (inst) out[inst.id] = qtyToLots(inst, p.qty);
      }
      return out;
    },
    close: async () => {
      dataFeed.stop();
      tradeStream.stop();
      execution.close();
      await rest.close();
    }
  };
}

/** Options of {@link connectAlpacaData}. */
export interface AlpacaDataOptions {
  /** Market-data stream v2, e.g. `wss://stream.data.alpaca.markets/v2/iex`. */
  readonly dataUrl: string;
  readonly keyId: string;
  readonly secretKey: string;
  readonly instruments: readonly Instrument[];
  readonly clock: Clock;
  /** Reconnect jitter. */
  readonly rng: Rng;
  readonly backoff?: { readonly minMs: number; readonly maxMs: number };
  /** Subscribe quotes as well as minute bars. Default false. */
  readonly quotes?: boolean;
  /** Subscribe trades as well. Default false. */
  readonly trades?: boolean;
}

/**
 * Alpaca's market-data stream alone (minute bars, and quotes and trades when asked) behind a market-data gateway,
 * started: the data side of {@link connectAlpaca}, and the market data of a session that trades elsewhere (FIX).
 * Nothing is subscribed yet; stop it with `dataFeed.stop()`.
 */
export function connectAlpacaData(o: AlpacaDataOptions): {
  dataFeed: WsFeed;
  marketData: WsMarketDataGateway;
} {
  const dataFeed = new WsFeed({
    url: o.dataUrl,
    adapter: alpacaAdapter(
      new InstrumentMap('ALPACA', o.instruments),
      { key: o.keyId, secret: o.secretKey },
      { bars: true, quotes: o.quotes ?? false, trades: o.trades ?? false }
    ),
    clock: o.clock,
    rng: o.rng,
    ...(o.backoff ? { backoff: o.backoff } : {})
  });
  const marketData = new WsMarketDataGateway(dataFeed, new InstrumentMap('ALPACA', o.instruments));
  dataFeed.start();
  return { dataFeed, marketData };
}

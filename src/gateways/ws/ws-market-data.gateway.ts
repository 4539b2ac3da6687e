import type { Observable } from 'rxjs';
import type { TradestateError } from '../../core/errors.ts';
import type { MarketData } from '../../messages/market-data.ts';
import type { InstrumentMap } from '../fix/app-messages.ts';
import type { MarketDataGateway } from '../gateway.ts';
import type { MarketDataSubscription } from '../subscription.ts';
import type { WsFeed } from './ws-feed.ts';

/**
 * The WebSocket feeds behind the one market-data gateway interface: canonical subscriptions in (instrument
 * ids), canonical market data out. The venue's symbols and frames stay inside the feed.
 */
export class WsMarketDataGateway implements MarketDataGateway {
  readonly #feed: WsFeed;
  readonly #instruments: InstrumentMap;
  readonly marketData$: Observable<MarketData>;
  readonly errors$: Observable<TradestateError>;

  constructor(feed: WsFeed, instruments: InstrumentMap) {
    this.#feed = feed;
    this.#instruments = instruments;
    this.marketData$ = feed.data$;
    this.errors$ = feed.errors$;
  }

  /** Subscribe or unsubscribe instruments; unknown instrument ids are `TRD_ERR_UNKNOWN_INSTRUMENT`. */
  subscribe(sub: MarketDataSubscription): void {
    const symbols = sub.instrumentIds.map((id) => this.#instruments.byId(id).symbol);
    if (sub.action === 'subscribe') this.#feed.subscribe(symbols);
    else this.#feed.unsubscribe(symbols);
  }
}

import { Observable } from 'rxjs';
import type { WsFeed } from '../gateways/ws/ws-feed.ts';
import type { MarketData } from '../messages/market-data.ts';

/**
 * The canonical market data of a {@link WsFeed} as a cold-start Observable: subscribing starts the feed
 * and subscribes the symbols; unsubscribing stops it. Errors of single frames do not end the stream
 * (they are on `feed.errors$`); the stream completes when the feed stops.
 */
export function wsMarketData$(feed: WsFeed, symbols: readonly string[]): Observable<MarketData> {
  return new Observable<MarketData>((sub) => {
    const s = feed.data$.subscribe(sub);
    feed.subscribe(symbols);
    feed.start();
    return () => {
      s.unsubscribe();
      feed.stop();
    };
  });
}

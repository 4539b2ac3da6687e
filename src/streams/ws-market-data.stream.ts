import { Observable } from 'rxjs';
import type { WsFeed } from '../gateways/ws/ws-feed.ts';
import type { MarketData } from '../messages/market-data.ts';

/** How many subscriptions of {@link wsMarketData$} streams each feed has. */
const subscribers = new WeakMap<WsFeed, number>();

/**
 * The canonical market data of a {@link WsFeed} as an Observable: subscribing starts the feed and subscribes
 * the symbols; the feed stops when the last subscription of any such stream of it ends (a stopped feed is
 * done: a stream of it completes at once). Every subscriber sees all the feed's data, whatever symbols it
 * named. Errors of single frames do not end the stream (they are on `feed.errors$`); the stream completes
 * when the feed stops. A subscription whose `feed.subscribe` or `feed.start` throws gets the error and is not
 * counted.
 */
export function wsMarketData$(feed: WsFeed, symbols: readonly string[]): Observable<MarketData> {
  return new Observable<MarketData>((sub) => {
    const s = feed.data$.subscribe(sub);
    // counted once both have succeeded: when either throws, rxjs gives the subscriber the error (ending its
    // data$ subscription too) and no teardown runs, so a count taken before would keep the feed from ever stopping
    feed.subscribe(symbols);
    feed.start();
    subscribers.set(feed, (subscribers.get(feed) ?? 0) + 1);
    return () => {
      s.unsubscribe();
      const left = (subscribers.get(feed) ?? 1) - 1;
      if (left > 0) subscribers.set(feed, left);
      else {
        subscribers.delete(feed);
        feed.stop();
      }
    };
  });
}

import { type Observable, Subject } from 'rxjs';
import type { Bar, Quote, Trade } from '../messages/market-data.ts';

/** What strategy actors are fed: closed bars, top-of-book quotes and trades (prints). */
export type StrategyMarketData = Bar | Quote | Trade;

/** A hot market-data stream: the engine (or a live feed) publishes, strategy actors subscribe. */
export interface MarketDataStream {
  /** Bars, quotes and trades, in the order they were published. */
  readonly data$: Observable<StrategyMarketData>;
  publish(e: StrategyMarketData): void;
  complete(): void;
}

/**
 * Create the market-data stream. Delivery is synchronous: `publish` returns once every subscriber (strategy
 * actor) has handled the event, which keeps a backtest single-threaded and deterministic.
 */
export function marketData(): MarketDataStream {
  const subject = new Subject<StrategyMarketData>();
  return {
    data$: subject.asObservable(),
    publish: (e) => subject.next(e),
    complete: () => subject.complete()
  };
}

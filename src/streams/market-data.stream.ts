import { type Observable, Subject } from 'rxjs';
import type { Bar } from '../messages/market-data.ts';

/** A hot market-data stream: the engine (or a live feed) publishes, strategy actors subscribe. */
export interface MarketDataStream {
  readonly bars$: Observable<Bar>;
  publish(bar: Bar): void;
  complete(): void;
}

/**
 * Create the bar stream. Delivery is synchronous: `publish` returns once every subscriber (strategy actor)
 * has handled the bar, which keeps a backtest single-threaded and deterministic.
 */
export function marketData(): MarketDataStream {
  const subject = new Subject<Bar>();
  return {
    bars$: subject.asObservable(),
    publish: (bar) => subject.next(bar),
    complete: () => subject.complete()
  };
}

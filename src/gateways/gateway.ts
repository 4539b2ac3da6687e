import type { Observable } from 'rxjs';
import type { BookView } from '../book/book-view.ts';
import type { TradestateError } from '../core/errors.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../messages/commands.ts';
import type { ExecutionReport } from '../messages/execution-report.ts';
import type { MarketData } from '../messages/market-data.ts';
import type { MarketDataSubscription } from './subscription.ts';

/**
 * Gateway OUT: takes canonical order commands; gateway IN: emits canonical execution reports.
 * The core never sees a FIX tag or a venue's JSON. Sends are fire-and-forget (the session stores and
 * resends as its protocol requires); problems that concern no order (undecodable input) go to `errors$`.
 */
export interface ExecutionGateway {
  submit(cmd: SubmitOrder): void;
  cancel(cmd: CancelOrder): void;
  replace(cmd: ReplaceOrder): void;
  readonly reports$: Observable<ExecutionReport>;
  readonly errors$: Observable<TradestateError>;
}

/** Gateway IN for market data: canonical subscriptions in, canonical market data out. */
export interface MarketDataGateway {
  subscribe(sub: MarketDataSubscription): void;
  readonly marketData$: Observable<MarketData>;
  readonly errors$: Observable<TradestateError>;
  /** One instrument's order book as the feed shows it, for feeds that carry depth (a strategy's `view.book`). */
  book?(instrumentId: string): BookView | undefined;
}

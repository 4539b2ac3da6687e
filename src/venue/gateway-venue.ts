import type { Subscription } from 'rxjs';
import type { Nanos } from '../core/nanos.ts';
import type { ExecutionGateway } from '../gateways/gateway.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../messages/commands.ts';
import type { ExecutionReport } from '../messages/execution-report.ts';
import type { OrderVenue } from './venue.ts';

/**
 * An {@link ExecutionGateway} that may answer the `OrderVenue` status query itself (as
 * `AlpacaExecutionGateway.query` does): the answer arrives on `reports$` like any report.
 */
export interface QueryableGateway extends ExecutionGateway {
  query?(clientOrderId: string, instrumentId: string): void;
}

/** Options of {@link GatewayOrderVenue}. */
export interface GatewayOrderVenueOptions {
  /** The venue's name ({@link OrderVenue.name}). */
  readonly name: string;
  readonly gateway: QueryableGateway;
  /**
   * How to ask for an order's state when the gateway has no `query` of its own (its answer must arrive
   * on the gateway's `reports$`). Without either, {@link GatewayOrderVenue.query} does nothing.
   */
  readonly query?: (clientOrderId: string, instrumentId: string) => void;
  /**
   * Wake-up: called once each time the report buffer goes from empty to non-empty, in a microtask (never
   * from inside a gateway or venue call, so the receiver may drain and let the OMS submit at once), and not
   * after {@link GatewayOrderVenue.close}. It must not throw.
   */
  readonly onReport?: () => void;
}

/**
 * The synchronous {@link OrderVenue} the OMS drives, over a push-based {@link ExecutionGateway} (e.g. the
 * Alpaca gateway, for paper or live trading).
 *
 * - submit / cancel / replace go to the gateway once each, never retried (a request with an unknown outcome
 *   is the gateway's to reconcile, by client order id); `now` is not used (the gateway stamps its reports
 *   with its own clock).
 * - Every report of the gateway's `reports$` is buffered; {@link drain} returns them, oldest first, and
 *   empties the buffer. `onReport` tells the receiver to drain (see {@link GatewayOrderVenueOptions.onReport}).
 * - {@link query} asks the gateway's own `query` if it has one, else the `query` option, else does nothing
 *   (the order then gets no answer from here).
 * - The gateway's `errors$` is not touched: whoever owns the gateway listens to it.
 */
export class GatewayOrderVenue implements OrderVenue {
  readonly name: string;
  readonly #gateway: QueryableGateway;
  readonly #query: ((clientOrderId: string, instrumentId: string) => void) | undefined;
  readonly #onReport: (() => void) | undefined;
  readonly #sub: Subscription;
  #buffer: ExecutionReport[] = [];
  #closed = false;

  constructor(o: GatewayOrderVenueOptions) {
    this.name = o.name;
    this.#gateway = o.gateway;
    this.#query = o.query;
    this.#onReport = o.onReport;
    this.#sub = o.gateway.reports$.subscribe((r) => this.#push(r));
  }

  submit(cmd: SubmitOrder, _now: Nanos): void {
    this.#gateway.submit(cmd);
  }

  cancel(cmd: CancelOrder, _now: Nanos): void {
    this.#gateway.cancel(cmd);
  }

  replace(cmd: ReplaceOrder, _now: Nanos): void {
    this.#gateway.replace(cmd);
  }

  /** See {@link OrderVenue.query}: the gateway's `query`, else the `query` option, else nothing. */
  query(clientOrderId: string, instrumentId: string, _now: Nanos): void {
    if (this.#gateway.query) this.#gateway.query(clientOrderId, instrumentId);
    else this.#query?.(clientOrderId, instrumentId);
  }

  /** Reports received since the last call, oldest first (the buffer is emptied). */
  drain(): ExecutionReport[] {
    const out = this.#buffer;
    this.#buffer = [];
    return out;
  }

  /** Reports waiting to be drained. */
  get pending(): number {
    return this.#buffer.length;
  }

  /**
   * Stop listening to the gateway: later reports are not buffered and no wake-up is made any more. Reports
   * buffered already can still be drained; calls still reach the gateway (which this does not close).
   */
  close(): void {
    this.#closed = true;
    this.#sub.unsubscribe();
  }

  #push(r: ExecutionReport): void {
    if (this.#closed) return;
    this.#buffer.push(r);
    if (this.#buffer.length !== 1) return;
    const wake = this.#onReport;
    if (wake)
      queueMicrotask(() => {
        if (!this.#closed) wake();
      });
  }
}

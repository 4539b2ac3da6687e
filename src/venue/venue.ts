import type { Nanos } from '../core/nanos.ts';
import type { CancelOrder, ReplaceOrder, SubmitOrder } from '../messages/commands.ts';
import type { ExecutionReport } from '../messages/execution-report.ts';

/**
 * The one order-entry interface of tradestate, for the simulated venue and live gateways alike.
 * Calls never throw for business outcomes: a refused order comes back as a `rejected` report.
 * Non-idempotent calls (submit) are never retried automatically; state is reconciled by client order id.
 */
export interface OrderVenue {
  readonly name: string;
  /**
   * True when the venue itself honours `SubmitOrder.ocoGroup`: the first fill of an order cancels the same
   * strategy's other working orders in its group on that instrument, in the same event. Elsewhere the strategy
   * host sends those cancels when it sees the fill.
   */
  readonly oco?: boolean;
  submit(cmd: SubmitOrder, now: Nanos): void;
  cancel(cmd: CancelOrder, now: Nanos): void;
  replace(cmd: ReplaceOrder, now: Nanos): void;
  /**
   * Ask for an order's current state (idempotent, safe to repeat). The answer arrives as ordinary reports:
   * the latest report of the order (so a lost ack or fill is delivered again, de-duplicated by exec id),
   * or `rejected` with reason `unknown order` when the venue has never seen it.
   */
  query(clientOrderId: string, instrumentId: string, now: Nanos): void;
  /** Reports produced since the last call, oldest first. */
  drain(): ExecutionReport[];
}

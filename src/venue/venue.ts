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

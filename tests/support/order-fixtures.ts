import type { OrderMachineEvent } from '../../src/machines/order.machine.ts';
import type { RiskDecision } from '../../src/machines/order.types.ts';
import type { SubmitOrder } from '../../src/messages/commands.ts';
import type { ExecutionReport } from '../../src/messages/execution-report.ts';
import type { OrderEvent } from '../../src/messages/order-events.ts';

export const submitCmd: SubmitOrder = {
  type: 'order.submit',
  commandId: 'c-1',
  tsInit: 1_000n,
  strategyId: 'strat-1',
  instrumentId: 'ORCL@SIM',
  clientOrderId: 'o-1',
  side: 'buy',
  orderType: 'limit',
  qty: 2,
  limitPx: 1000,
  tif: 'day'
};

/** A venue report for `o-1` with sensible defaults. */
export function report(
  execType: ExecutionReport['execType'],
  over: Partial<ExecutionReport> = {}
): ExecutionReport {
  return {
    type: 'exec.report',
    execType,
    venue: 'SIM',
    instrumentId: 'ORCL@SIM',
    clientOrderId: 'o-1',
    venueOrderId: 'v-1',
    execId: `x-${execType}`,
    side: 'buy',
    lastQty: 0,
    lastPx: 0,
    cumQty: 0,
    leavesQty: 2,
    commission: 0n,
    liquidity: 'none',
    tsEvent: 2_000n,
    tsInit: 2_000n,
    ...over
  };
}

export const ev = {
  submit: (ok = true): OrderMachineEvent => ({
    type: 'order.submit',
    command: submitCmd,
    risk: ok
      ? { ok: true }
      : { ok: false, validator: 'maxOrderSize', reason: 'too big', code: 'TRD_ERR_RISK_REJECTED' }
  }),
  cancel: (): OrderMachineEvent => ({
    type: 'order.cancel',
    command: {
      type: 'order.cancel',
      commandId: 'c-2',
      tsInit: 3_000n,
      strategyId: 'strat-1',
      instrumentId: 'ORCL@SIM',
      clientOrderId: 'o-1'
    }
  }),
  /** A replace of `o-1` to `qty` at 1001; `risk` is pre-trade risk's verdict on it, when the caller checked it. */
  replace: (qty = 3, risk?: RiskDecision): OrderMachineEvent => ({
    type: 'order.replace',
    ...(risk !== undefined ? { risk } : {}),
    command: {
      type: 'order.replace',
      commandId: 'c-3',
      tsInit: 3_000n,
      strategyId: 'strat-1',
      instrumentId: 'ORCL@SIM',
      clientOrderId: 'o-1',
      newClientOrderId: 'o-1.r1',
      qty,
      limitPx: 1001
    }
  }),
  accepted: (): OrderMachineEvent => ({ type: 'venue.accepted', report: report('accepted') }),
  rejected: (): OrderMachineEvent => ({
    type: 'venue.rejected',
    report: report('rejected', { reason: 'no' })
  }),
  fill: (execId: string, lastQty = 1, lastPx = 1000): OrderMachineEvent => ({
    type: 'venue.filled',
    report: report('fill', { execId, lastQty, lastPx, commission: 100n })
  }),
  canceled: (): OrderMachineEvent => ({ type: 'venue.canceled', report: report('canceled') }),
  cancelRejected: (): OrderMachineEvent => ({
    type: 'venue.cancel_rejected',
    report: report('cancel_rejected')
  }),
  /** The venue replaced `o-1` by `o-1.r1`, `leavesQty` working (the default matches {@link ev.replace}'s size). */
  replaced: (leavesQty = 3): OrderMachineEvent => ({
    type: 'venue.replaced',
    report: report('replaced', { clientOrderId: 'o-1.r1', leavesQty })
  }),
  replaceRejected: (): OrderMachineEvent => ({
    type: 'venue.replace_rejected',
    report: report('replace_rejected')
  }),
  expired: (): OrderMachineEvent => ({ type: 'venue.expired', report: report('expired') }),
  /** The venue restates `o-1` to `leavesQty` still working (cumQty: `cumQty`). */
  restated: (leavesQty: number, cumQty = 0): OrderMachineEvent => ({
    type: 'venue.restated',
    report: report('restated', {
      leavesQty,
      cumQty,
      execId: `x-restated-${leavesQty}`,
      reason: 'OUO: tp filled 1'
    })
  })
};

/** A pre-trade risk denial, as the risk engine gives it. */
export const DENIED: RiskDecision = {
  ok: false,
  validator: 'maxOrderQty',
  reason: 'qty 3 > 2',
  code: 'TRD_ERR_RISK_ORDER_SIZE'
};

/** An order event (defaults: strategy `s1`'s limit buy `a` of 10 at 100 on `X@SIM`, just acknowledged). */
export function orderEvent(over: Partial<OrderEvent>): OrderEvent {
  return {
    type: 'order.accepted',
    clientOrderId: 'a',
    strategyId: 's1',
    instrumentId: 'X@SIM',
    side: 'buy',
    orderType: 'limit',
    qty: 10,
    limitPx: 100,
    filledQty: 0,
    leavesQty: 10,
    notionalTicks: 0,
    commission: 0n,
    from: 'PENDING_NEW',
    to: 'ACKNOWLEDGED',
    cause: 'venue.accepted',
    actor: 'venue',
    why: 'venue',
    tsEvent: 0n,
    ...over
  } as OrderEvent;
}

import type { RunConfig } from '../config/schema.ts';
import { ErrorCode } from '../core/errors.ts';
import type { RiskDecision } from '../machines/order.types.ts';
import type { SubmitOrder } from '../messages/commands.ts';
import { signedQty } from '../oms/working-orders.ts';

/** What the risk check needs to know about current exposure. */
export interface ExposureView {
  /** Filled net position in lots. */
  position(instrumentId: string): number;
  /** Signed lots still working. */
  workingQty(instrumentId: string): number;
}

/**
 * The walking skeleton's pre-trade check: max order size, then max absolute position including working
 * orders (the worst case if everything fills). Plain function, no allocation on the pass path.
 */
export function checkBasicRisk(
  cmd: SubmitOrder,
  limits: RunConfig['risk'],
  exposure: ExposureView
): RiskDecision {
  if (cmd.qty > limits.maxOrderQty) {
    return {
      ok: false,
      validator: 'maxOrderQty',
      reason: `order qty ${cmd.qty} exceeds ${limits.maxOrderQty}`,
      code: ErrorCode.RISK_REJECTED
    };
  }
  const after =
    exposure.position(cmd.instrumentId) +
    exposure.workingQty(cmd.instrumentId) +
    signedQty(cmd.side, cmd.qty);
  if (Math.abs(after) > limits.maxPosition) {
    return {
      ok: false,
      validator: 'maxPosition',
      reason: `position would reach ${after}, limit ${limits.maxPosition}`,
      code: ErrorCode.RISK_REJECTED
    };
  }
  return PASS;
}

const PASS: RiskDecision = { ok: true };

import { z } from 'zod';
import {
  actorKindSchema,
  idSchema,
  instrumentIdSchema,
  lotsSchema,
  moneySchema,
  nanosSchema,
  orderTypeSchema,
  reasonSchema,
  sideSchema,
  ticksSchema,
  whySchema
} from './primitives.ts';

/** The order lifecycle states (the order machine's top-level states). */
export const orderStatusSchema = z.enum([
  'NEW',
  'PENDING_NEW',
  'ACKNOWLEDGED',
  'PARTIAL_FILL',
  'PENDING_CANCEL',
  'PENDING_REPLACE',
  'FILLED',
  'CANCELED',
  'REJECTED',
  'EXPIRED',
  'CLOSED'
]);
export type OrderStatus = z.infer<typeof orderStatusSchema>;

/** Past-tense order events; every accepted transition of an order actor emits exactly one. */
export const orderEventTypeSchema = z.enum([
  'order.submitted',
  'order.denied',
  'order.accepted',
  'order.rejected',
  'order.filled',
  'order.pending_cancel',
  'order.canceled',
  'order.cancel_rejected',
  'order.pending_replace',
  'order.replaced',
  'order.replace_rejected',
  'order.replace_denied',
  'order.expired',
  'order.restated',
  'order.status_queried',
  'order.closed'
]);
export type OrderEventType = z.infer<typeof orderEventTypeSchema>;

/** Order states after which an order is no longer working. */
export const ORDER_DONE_STATES: ReadonlySet<string> = new Set([
  'FILLED',
  'CANCELED',
  'EXPIRED',
  'REJECTED',
  'CLOSED'
]);

/**
 * Order states after which an order accepts nothing (the order machine's final states): not even a late fill, which a
 * CANCELED or EXPIRED order still takes until it is CLOSED.
 */
export const ORDER_FINAL_STATES: ReadonlySet<string> = new Set<OrderStatus>(['FILLED', 'REJECTED', 'CLOSED']);

/** The answers to a replace that leave the order as it was: the venue's refusal, or pre-trade risk's. */
export const REPLACE_REFUSALS: ReadonlySet<OrderEventType> = new Set([
  'order.replace_rejected',
  'order.replace_denied'
]);

const orderEventFields = {
  clientOrderId: idSchema,
  strategyId: idSchema,
  instrumentId: instrumentIdSchema,
  venueOrderId: idSchema.optional(),
  /** On `order.replaced`: the client order id this one replaced. */
  origClientOrderId: idSchema.optional(),
  side: sideSchema,
  orderType: orderTypeSchema,
  qty: lotsSchema,
  limitPx: ticksSchema.optional(),
  filledQty: lotsSchema,
  leavesQty: lotsSchema,
  /** Σ lastPx·lastQty in ticks·lots; average price = notionalTicks / filledQty. */
  notionalTicks: z.number().int().safe(),
  commission: moneySchema,
  from: orderStatusSchema,
  to: orderStatusSchema,
  /** The event or command that caused the transition. */
  cause: z.string().max(64),
  /** Who acted, why, and (for venue events) what the venue answered. */
  actor: actorKindSchema,
  why: whySchema,
  reason: reasonSchema.optional(),
  venueAnswer: z.string().max(64).optional(),
  lastQty: lotsSchema.optional(),
  lastPx: ticksSchema.optional(),
  /** Commission of this fill alone (`commission` is cumulative). */
  lastCommission: moneySchema.optional(),
  execId: idSchema.optional(),
  /** True for a fill that arrived after the order was canceled or expired. */
  late: z.boolean().optional(),
  /** When the event happened: the venue's time for a report, ours for a command or a timer. */
  tsEvent: nanosSchema,
  /**
   * For an event caused by a venue report: when we received it, on our clock. Latencies (submit → ack, submit →
   * fill) are measured on it, never across the venue's and our clocks.
   */
  tsInit: nanosSchema.optional()
};

/** An audit-grade order event. */
export const orderEventSchema = z.object({ type: orderEventTypeSchema, ...orderEventFields }).readonly();
export type OrderEvent = z.infer<typeof orderEventSchema>;

/** An event an order actor refused (invalid transition, duplicate fill, overfill): logged, never dropped. */
export const orderRefusedSchema = z
  .object({
    type: z.literal('order.refused'),
    clientOrderId: idSchema,
    status: orderStatusSchema,
    event: z.string().max(64),
    code: z.string().regex(/^TRD_ERR_[A-Z_]+$/),
    message: z.string().max(512),
    tsEvent: nanosSchema
  })
  .readonly();
export type OrderRefused = z.infer<typeof orderRefusedSchema>;

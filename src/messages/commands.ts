import { z } from 'zod';
import {
  actorKindSchema,
  commandReasonSchema,
  idSchema,
  instrumentIdSchema,
  nanosSchema,
  orderTypeSchema,
  positiveLotsSchema,
  sideSchema,
  ticksSchema,
  timeInForceSchema,
  whySchema
} from './primitives.ts';

const commandBase = {
  commandId: idSchema,
  tsInit: nanosSchema,
  strategyId: idSchema,
  instrumentId: instrumentIdSchema,
  clientOrderId: idSchema
};

/**
 * What a fill of one order of an OCO group does to the group's other working orders:
 * - `cancel` (one-cancels-other; IB OCA type 1, Nautilus OCO): the first fill, partial or not, cancels them;
 * - `reduce` (one-updates-other; IB OCA type 3, Nautilus OUO): each fill reduces their leaves by the quantity it
 *   filled, and one reduced to nothing is canceled. A bracket's exits use it, so after a partial take-profit the
 *   stop-loss still protects exactly what is left of the position.
 */
export const ocoModeSchema = z.enum(['cancel', 'reduce']);
export type OcoMode = z.infer<typeof ocoModeSchema>;

/** Imperative: submit a new order. */
export const submitOrderSchema = z
  .object({
    type: z.literal('order.submit'),
    ...commandBase,
    side: sideSchema,
    orderType: orderTypeSchema,
    qty: positiveLotsSchema,
    limitPx: ticksSchema.optional(),
    stopPx: ticksSchema.optional(),
    tif: timeInForceSchema,
    /** For `gtd`: when the order expires. */
    expireAt: nanosSchema.optional(),
    /** Why the strategy sent it (signal name), for the audit trail. */
    reason: commandReasonSchema.optional(),
    /**
     * One-cancels-other group: the first fill of an order cancels the strategy's other working orders on the
     * instrument with the same group (at a venue that supports it; see `OrderVenue.oco`), or reduces them by
     * what it filled when `ocoMode` is `reduce`.
     */
    ocoGroup: idSchema.optional(),
    /** What a fill of this order does to the rest of its `ocoGroup` (default `cancel`; see {@link OcoMode}). */
    ocoMode: ocoModeSchema.optional()
  })
  .readonly()
  .superRefine((c, ctx) => {
    if ((c.orderType === 'limit' || c.orderType === 'stop_limit') && c.limitPx === undefined) {
      ctx.addIssue({ code: 'custom', path: ['limitPx'], message: `${c.orderType} order needs limitPx` });
    }
    if ((c.orderType === 'stop' || c.orderType === 'stop_limit') && c.stopPx === undefined) {
      ctx.addIssue({ code: 'custom', path: ['stopPx'], message: `${c.orderType} order needs stopPx` });
    }
    if (c.tif === 'gtd' && c.expireAt === undefined) {
      ctx.addIssue({ code: 'custom', path: ['expireAt'], message: 'gtd order needs expireAt' });
    }
  });
export type SubmitOrder = z.infer<typeof submitOrderSchema>;

/** Imperative: cancel a working order. */
export const cancelOrderSchema = z
  .object({
    type: z.literal('order.cancel'),
    ...commandBase,
    reason: commandReasonSchema.optional(),
    /** Who asked and why (default: the strategy, on a signal). */
    actor: actorKindSchema.optional(),
    why: whySchema.optional()
  })
  .readonly();
export type CancelOrder = z.infer<typeof cancelOrderSchema>;

/** Imperative: cancel-replace; the replacement gets `newClientOrderId`, chained to the original. */
export const replaceOrderSchema = z
  .object({
    type: z.literal('order.replace'),
    ...commandBase,
    newClientOrderId: idSchema,
    qty: positiveLotsSchema.optional(),
    limitPx: ticksSchema.optional(),
    stopPx: ticksSchema.optional(),
    reason: commandReasonSchema.optional(),
    actor: actorKindSchema.optional(),
    why: whySchema.optional()
  })
  .readonly();
export type ReplaceOrder = z.infer<typeof replaceOrderSchema>;

export const orderCommandSchema = z.union([submitOrderSchema, cancelOrderSchema, replaceOrderSchema]);
export type OrderCommand = SubmitOrder | CancelOrder | ReplaceOrder;

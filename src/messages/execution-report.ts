import { z } from 'zod';
import {
  idSchema,
  instrumentIdSchema,
  liquiditySchema,
  lotsSchema,
  moneySchema,
  nanosSchema,
  reasonSchema,
  sideSchema,
  ticksSchema
} from './primitives.ts';

/** What the venue says happened to an order (FIX ExecType, generalised). */
export const execTypeSchema = z.enum([
  'accepted',
  'rejected',
  'fill',
  'canceled',
  'cancel_rejected',
  'replaced',
  'replace_rejected',
  'expired',
  /** The venue changed the order's size on its own (FIX ExecType D): `cumQty + leavesQty` is its new quantity. */
  'restated'
]);
export type ExecType = z.infer<typeof execTypeSchema>;

/**
 * A venue's execution report, canonical form. Every gateway (simulated, FIX, Alpaca) produces these;
 * the order actors consume them.
 */
export const executionReportSchema = z
  .object({
    type: z.literal('exec.report'),
    execType: execTypeSchema,
    venue: z.string().min(1).max(32),
    instrumentId: instrumentIdSchema,
    clientOrderId: idSchema,
    /** For replace answers: the order being replaced. */
    origClientOrderId: idSchema.optional(),
    venueOrderId: idSchema.optional(),
    /** Unique per venue execution; fills are de-duplicated by it. */
    execId: idSchema,
    side: sideSchema,
    lastQty: lotsSchema,
    lastPx: ticksSchema,
    cumQty: lotsSchema,
    leavesQty: lotsSchema,
    commission: moneySchema,
    liquidity: liquiditySchema,
    reason: reasonSchema.optional(),
    tsEvent: nanosSchema,
    tsInit: nanosSchema
  })
  .readonly();
export type ExecutionReport = z.infer<typeof executionReportSchema>;

/**
 * The execution fields of a report that carries no execution (an ack, a refusal, a cancel): nothing traded,
 * no commission. Spread it into such reports so each states only its quantities and ids.
 */
/**
 * The order's size as a report states it: what has filled plus what is still working (`cumQty + leavesQty`), the
 * venue's own figure after a replace or a restatement.
 */
export const reportedQty = (r: { readonly cumQty: number; readonly leavesQty: number }): number =>
  r.cumQty + r.leavesQty;

export const NO_EXECUTION = { lastQty: 0, lastPx: 0, commission: 0n, liquidity: 'none' } as const;

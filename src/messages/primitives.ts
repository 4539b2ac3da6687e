import { z } from 'zod';

/** Integer nanoseconds: a decimal string on the wire, a bigint inside. */
export const nanosSchema = z.codec(
  z.string().regex(/^-?\d{1,30}$/, 'integer nanoseconds as a decimal string'),
  z.bigint(),
  {
    decode: (s) => BigInt(s),
    encode: (b) => b.toString()
  }
);

/** Exact fixed-point money (10^-8 units): a decimal integer string on the wire, a bigint inside. */
export const moneySchema = z.codec(
  z.string().regex(/^-?\d{1,40}$/, 'integer money units (1e-8) as a decimal string'),
  z.bigint(),
  {
    decode: (s) => BigInt(s),
    encode: (b) => b.toString()
  }
);

/** Price in integer ticks of the instrument's tick size (may be negative for spreads). */
export const ticksSchema = z.number().int().safe();
/** Quantity in integer lots of the instrument's lot size, never negative. */
export const lotsSchema = z.number().int().safe().nonnegative();
/** A strictly positive quantity in lots. */
export const positiveLotsSchema = z.number().int().safe().positive();
/** Sequence number (venue or internal), a non-negative safe integer. */
export const seqSchema = z.number().int().safe().nonnegative();

export const idSchema = z.string().min(1).max(128);
/** `SYMBOL@VENUE`. */
export const instrumentIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9._/:-]{1,32}@[A-Za-z0-9._-]{1,32}$/, 'SYMBOL@VENUE');

export const sideSchema = z.enum(['buy', 'sell']);
export type Side = z.infer<typeof sideSchema>;

export const orderTypeSchema = z.enum(['market', 'limit', 'stop', 'stop_limit']);
export type OrderType = z.infer<typeof orderTypeSchema>;

export const timeInForceSchema = z.enum(['day', 'gtc', 'ioc', 'fok', 'gtd']);
export type TimeInForce = z.infer<typeof timeInForceSchema>;

export const liquiditySchema = z.enum(['maker', 'taker', 'none']);

/** Who acted, for the audit trail. */
export const actorKindSchema = z.enum(['strategy', 'trader', 'system', 'venue']);

/** Why something was done to an order, for the audit trail. */
export const whySchema = z.enum(['signal', 'risk', 'manual', 'reconciliation', 'venue', 'system']);
export type Why = z.infer<typeof whySchema>;

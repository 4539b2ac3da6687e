import { z } from 'zod';

/**
 * Configuration of the pre-trade risk engine, the kill switch and supervision (the `risk:` section of a run
 * config, and its neighbours). YAML-friendly: money in currency units (converted to exact Money once, at
 * load), times in milliseconds, sizes in lots, prices in ticks.
 */

/** The validators of the pre-trade check, in their default order of evaluation. */
export const RISK_VALIDATORS = [
  'tradingState',
  'maxOrderQty',
  'maxNotional',
  'maxPosition',
  'maxLeverage',
  'priceBand',
  'selfTrade',
  'throttle'
] as const;
export type RiskValidatorName = (typeof RISK_VALIDATORS)[number];

const positiveInt = z.number().int().positive().safe();

const maxPositionSchema = z
  .union([
    positiveInt,
    z.strictObject({
      /** Largest worst-case absolute net position per instrument, in lots. */
      perSymbol: positiveInt.optional(),
      /** Largest sum over instruments of the worst-case absolute positions (gross), in lots. */
      total: positiveInt.optional()
    })
  ])
  .transform((v) => (typeof v === 'number' ? { perSymbol: v } : v));

const throttleSchema = z
  .strictObject({
    /** Orders per second per instrument (all strategies together). */
    perSymbolPerSec: z.number().positive().max(1_000_000).optional(),
    /** Orders per second per strategy (all instruments together). */
    perStrategyPerSec: z.number().positive().max(1_000_000).optional(),
    /** Bucket capacity (orders that may go at once after a quiet spell); default: one second's worth. */
    burst: positiveInt.max(1_000_000).optional()
  })
  .refine((t) => t.perSymbolPerSec !== undefined || t.perStrategyPerSec !== undefined, {
    message: 'throttle needs perSymbolPerSec or perStrategyPerSec'
  });

/** zod schema of the risk engine configuration; see docs/RISK.md. */
export const riskEngineConfigSchema = z.strictObject({
  /** Validators to run, in this order; the first failure decides (fail fast). Omitted ones are off. */
  order: z
    .array(z.enum(RISK_VALIDATORS))
    .min(1)
    .refine((a) => new Set(a).size === a.length, { message: 'validators must not repeat' })
    .default([...RISK_VALIDATORS]),
  /** Largest single order, in lots. */
  maxOrderQty: positiveInt.default(1_000_000),
  /** Largest single-order notional, in account currency (exact: compared as ticks × lots × tick-lot value). */
  maxNotional: z.number().positive().max(1e15).optional(),
  /** A number is the per-symbol limit (backward compatible); or `{ perSymbol, total }`. */
  maxPosition: maxPositionSchema.default({ perSymbol: 10_000_000 }),
  /**
   * Buying power: the largest gross notional of worst-case positions (every instrument at its mid) as a multiple of
   * account equity; 1 is a cash account, 2 Reg T overnight margin, 4 US intraday. Off when absent.
   */
  maxLeverage: z.number().positive().max(1000).optional(),
  /** Limit prices further than this from the mid (basis points of the mid) are rejected. */
  priceBandBps: z.number().int().positive().max(100_000).optional(),
  /** What a check that needs a mid does when there is none (price band on a limit, notional of a market order). */
  whenNoMid: z.enum(['reject', 'pass']).default('reject'),
  /** Reject orders that would cross the same strategy's own resting orders. */
  selfTrade: z.boolean().default(true),
  throttle: throttleSchema.optional(),
  /** Fraction of a limit at which a passing order raises a warning. */
  warnAt: z.number().gt(0).max(1).default(0.9)
});

/** Parsed risk engine configuration. */
export type RiskEngineConfig = z.output<typeof riskEngineConfigSchema>;
/** Risk engine configuration as written in YAML (defaults optional). */
export type RiskEngineConfigInput = z.input<typeof riskEngineConfigSchema>;

const windowSchema = z.strictObject({
  /** Trip when more than `max` events fall within `windowMs`. */
  max: z.number().int().nonnegative(),
  windowMs: positiveInt.max(86_400_000)
});

const tripLevelSchema = z.enum(['halt', 'reduce']);

/** zod schema of the kill switch's trip thresholds; every threshold is optional (absent = never trips on it). */
export const killSwitchConfigSchema = z.strictObject({
  /** Trip when P&L (as reported by `pnl.updated`) falls to −maxLoss or below, in account currency. */
  maxLoss: z.number().positive().optional(),
  /** Trip when equity falls this many basis points below its peak. */
  maxDrawdownBps: z.number().int().positive().max(10_000).optional(),
  /** Trip when a reported position exceeds these limits (lots). */
  maxPosition: maxPositionSchema.optional(),
  /** Venue rejects in a sliding window. */
  rejects: windowSchema.optional(),
  /** Errors (any `error.raised`) in a sliding window. */
  errors: windowSchema.optional(),
  /**
   * Trip when no market data (`md.tick`) has arrived for this long (clock time). A live feed's health check: armed
   * in paper and live sessions, not in backtests, where a gap in historical data is no failing feed (docs/RISK.md).
   */
  staleDataMs: positiveInt.max(86_400_000).optional(),
  /** What each trigger does; defaults: position → reduce, everything else → halt. */
  onTrip: z
    .strictObject({
      loss: tripLevelSchema.optional(),
      drawdown: tripLevelSchema.optional(),
      position: tripLevelSchema.optional(),
      rejects: tripLevelSchema.optional(),
      errors: tripLevelSchema.optional(),
      staleData: tripLevelSchema.optional(),
      supervisor: tripLevelSchema.optional()
    })
    .default({})
});
export type KillSwitchConfig = z.output<typeof killSwitchConfigSchema>;

/** zod schema of an OTP-style restart policy for a supervisor. */
export const supervisionPolicySchema = z.strictObject({
  strategy: z.enum(['one_for_one', 'one_for_all']).default('one_for_one'),
  /** More than `intensity` restarts within `periodMs` escalates. */
  intensity: z.number().int().nonnegative().max(1000).default(3),
  periodMs: positiveInt.max(86_400_000).default(5_000),
  backoff: z
    .strictObject({
      minMs: z.number().int().nonnegative().max(3_600_000).default(100),
      maxMs: z.number().int().nonnegative().max(3_600_000).default(10_000),
      factor: z.number().min(1).max(100).default(2)
    })
    .refine((b) => b.maxMs >= b.minMs, { message: 'backoff.maxMs must be ≥ backoff.minMs' })
    .default({ minMs: 100, maxMs: 10_000, factor: 2 })
});
export type SupervisionPolicy = z.output<typeof supervisionPolicySchema>;

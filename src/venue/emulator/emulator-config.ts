import { z } from 'zod';
import { ErrorCode, TradestateError } from '../../core/errors.ts';

const ms = z.number().min(0).max(60_000);

/**
 * Configuration of the {@link ExecutionEmulator} (validated with zod at the boundary). Every field has a
 * default; the defaults reproduce the skeleton's bar venue: bar fills, zero latency, no slippage, no impact,
 * participation 1 (an order may take everything a bar traded), 1 bps commission as in the run config.
 */
export const emulatorConfigSchema = z.strictObject({
  /** Venue name: the `venue` of every report and the prefix of venue order ids and exec ids. */
  name: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,32}$/)
    .default('SIM'),
  /** Which market data drives fills: OHLCV bars, top of book (quotes + prints) or order-level (L3) events. */
  fillModel: z.enum(['bar', 'quote', 'l3']).default('bar'),
  /**
   * When DAY orders expire (at the first market data at or after the deadline):
   * - `utc-day`: at the end of the UTC day of the first market data the order saw — right for data that holds
   *   one session per UTC day (US equities' regular hours, most bar data);
   * - `nyse`: at the NYSE regular close of the order's session (16:00 New York, 13:00 on early closes; an order
   *   arriving after the close, on a weekend or a holiday belongs to the next trading day), as Alpaca and US
   *   brokers do — needed once the data has extended-hours quotes.
   */
  dayOrders: z.enum(['utc-day', 'nyse']).default('utc-day'),
  /**
   * Latencies in milliseconds (fractions allowed, resolved to the nanosecond). Every delay is the fixed part
   * plus a uniform jitter in [0, jitterMs] drawn from the injected seeded Rng.
   * - networkMs: client → venue, for every command (submit, cancel, replace, query);
   * - ackMs: venue → client for every non-fill report (accepted, rejected, canceled, replaced, expired, …);
   * - fillMs: venue → client for fill reports.
   */
  latency: z
    .strictObject({
      networkMs: ms.default(0),
      ackMs: ms.default(0),
      fillMs: ms.default(0),
      jitterMs: ms.default(0)
    })
    .prefault({}),
  /** Adverse slippage in basis points of the fill price on taker fills, rounded up to whole ticks. */
  slippageBps: z.number().min(0).max(1000).default(0),
  /**
   * Commission: basis points of notional plus a fee per unit of quantity (per share, per contract); an order pays
   * at least `minimum` and at most `maximumBps` of its notional over all its fills (the cap wins over the minimum,
   * as at Interactive Brokers: `{ bps: 0, perUnit: 0.005, minimum: 1, maximumBps: 100 }` is their fixed US-stock
   * schedule). A partial fill is charged what takes the order's total to that: the minimum comes with its first
   * fill, and later fills pay nothing until the raw fees pass it.
   */
  commission: z
    .strictObject({
      bps: z.number().min(0).max(1000).default(1),
      /** Account currency per unit of quantity (lots × lot size). */
      perUnit: z.number().min(0).max(1000).optional(),
      minimum: z.number().min(0).default(0),
      maximumBps: z.number().min(0).max(10_000).optional()
    })
    .prefault({}),
  /**
   * Liquidity limit: the fraction (0, 1] of a data event's liquidity one order may take — of the bar's volume
   * (bar model), of the displayed size or print size (quote model). All own orders together never take more
   * than the bar's volume or the displayed size.
   */
  liquidity: z.strictObject({ maxParticipation: z.number().gt(0).max(1).default(1) }).prefault({}),
  /**
   * Market impact on taker fills, adverse, rounded up to whole ticks (see docs/EMULATOR.md):
   * - sqrt: Δ = px × coefficient/10 000 × √(qty / V) — coefficient in basis points;
   * - kyle: Δ = coefficient × qty — coefficient (λ) in ticks per lot.
   * V is `referenceVolume` when set, else the bar's volume (bar), the displayed size taken (quote) or the
   * quantity at the level traded (L3).
   */
  impact: z
    .strictObject({
      model: z.enum(['none', 'sqrt', 'kyle']).default('none'),
      coefficient: z.number().min(0).max(1e6).default(0),
      referenceVolume: z.number().int().positive().optional()
    })
    .prefault({})
});

/** A validated emulator configuration (all defaults filled in). */
export type EmulatorConfig = z.infer<typeof emulatorConfigSchema>;
/** What a caller may write (every field optional). */
export type EmulatorConfigInput = z.input<typeof emulatorConfigSchema>;

/** Validate `input`; throws `TRD_ERR_CONFIG_INVALID` naming the key path and the expectation. */
export function parseEmulatorConfig(input: unknown): EmulatorConfig {
  const r = emulatorConfigSchema.safeParse(input ?? {});
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const path = issue.path.join('.');
    throw new TradestateError(ErrorCode.CONFIG_INVALID, `emulator config ${path}: ${issue.message}`, {
      path,
      issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))
    });
  }
  return r.data;
}
